// The simulator's test hooks under /__sim/ (README: "Test hooks"): the audit, faults, apps and
// backups made to order, ageing records, the clock, teams, backup limits, backup downloads.
import { existsSync } from 'node:fs'
import { appSimRoutes, type SimTeams } from './sim-apps.js'
import { parseFault, type FaultBoard } from './sim-faults.js'
import { invalidParams, notFound, objectBody, route, type Route } from './sim-http.js'
import type { BackupLimits } from './sim-rotation.js'
import { iso, type SimState } from './sim-state.js'
import type { AuditEntry, CreateAppOptions, SimApp } from './server.js'

export interface HookContext {
  state: SimState
  faults: FaultBoard
  teams: SimTeams
  backupLimits: BackupLimits
  auditLog: AuditEntry[]
  createApp(name: string, opts?: CreateAppOptions): Promise<SimApp>
  takeBackup(
    appName: string,
    opts?: { scheduled?: boolean; ageSeconds?: number }
  ): Promise<{ name: string; uuid: string }>
}

export function simHookRoutes(ctx: HookContext): Route[] {
  const { state, faults, teams, backupLimits, auditLog, createApp, takeBackup } = ctx
  return [
    route('GET', '/__sim/audit', () => ({ status: 200, body: auditLog })),
    route('GET', '/__sim/faults', () => ({
      status: 200,
      body: { armed: faults.list(), events: faults.events }
    })),
    route('POST', '/__sim/faults', (req) => {
      const list = Array.isArray(req.body) ? req.body : [req.body]
      const parsed = list.map(parseFault)
      return { status: 201, body: faults.arm(parsed) }
    }),
    route('DELETE', '/__sim/faults', () => ({ status: 200, body: { disarmed: faults.clear() } })),
    route('POST', '/__sim/apps', async (req) => {
      const body = objectBody(req.body)
      if (typeof body.name !== 'string') throw invalidParams('name is required')
      const created = await createApp(body.name, {
        sqlFile: typeof body.sqlFile === 'string' ? body.sqlFile : undefined,
        sql: typeof body.sql === 'string' ? body.sql : undefined,
        schedule: typeof body.schedule === 'boolean' ? body.schedule : undefined,
        initialBackup: typeof body.initialBackup === 'boolean' ? body.initialBackup : undefined,
        plan: typeof body.plan === 'string' ? body.plan : undefined,
        team: typeof body.team === 'string' ? body.team : undefined,
        region: typeof body.region === 'string' ? body.region : undefined
      })
      return { status: 201, body: created }
    }),
    route('POST', '/__sim/apps/:app/backups', async (req) => {
      const body = objectBody(req.body)
      const result = await takeBackup(req.params.app, {
        scheduled: typeof body.scheduled === 'boolean' ? body.scheduled : true,
        ageSeconds: typeof body.ageSeconds === 'number' ? body.ageSeconds : undefined
      })
      return { status: 201, body: result }
    }),
    // Gives the app a `release` process whose release phase takes `seconds` (null: none again);
    // a `release-fail` fault makes the next one fail.
    route('POST', '/__sim/apps/:app/release-phase', (req) => {
      const body = objectBody(req.body)
      const secs = body.seconds
      if (secs !== null && (typeof secs !== 'number' || !(secs >= 0) || secs > 3600))
        throw invalidParams('seconds must be a number of seconds (0..3600), or null for none')
      const app = state.findApp(req.params.app)
      app.releasePhaseSeconds = secs
      return { status: 200, body: { app: app.name, releasePhaseSeconds: secs } }
    }),
    // Makes an add-on look created `seconds` earlier: a left-over of an earlier run, for the
    // stale-add-on clean-up (Heroku's created_at cannot be set; only this test hook moves it).
    route('POST', '/__sim/addons/:addon/age', (req) => {
      const body = objectBody(req.body)
      if (typeof body.seconds !== 'number' || !(body.seconds > 0))
        throw invalidParams('seconds must be a positive number')
      const addon = state.findAddon(req.params.addon)
      addon.createdAt = iso(Date.parse(addon.createdAt) - body.seconds * 1000)
      return { status: 200, body: state.addonJson(addon, true) }
    }),
    // Moves the recovery history of a Continuous-Protection database `ageSeconds` back: its
    // Rollback line (and the earliest target a rollback accepts) shows that much earlier, so a test
    // need not wait for the minute-precision line to pass. The WAL itself goes back no further.
    route('POST', '/__sim/addons/:addon/recovery-history', (req) => {
      const body = objectBody(req.body)
      if (typeof body.ageSeconds !== 'number' || !(body.ageSeconds > 0))
        throw invalidParams('ageSeconds must be a positive number')
      const addon = state.findAddon(req.params.addon)
      addon.recoveryHistoryAgeMs = (addon.recoveryHistoryAgeMs ?? 0) + body.ageSeconds * 1000
      return {
        status: 200,
        body: { addon: addon.name, ageSeconds: addon.recoveryHistoryAgeMs / 1000 }
      }
    }),
    // Moves the simulator's clock ahead: what only waits for simulated time happens at once.
    route('POST', '/__sim/clock', (req) => {
      const body = objectBody(req.body)
      const seconds = body.advanceSeconds
      if (typeof seconds !== 'number' || !(seconds > 0) || seconds > 30 * 86_400)
        throw invalidParams('advanceSeconds must be a positive number of seconds (at most 30 days)')
      const fired = state.advanceClock(seconds)
      return { status: 200, body: { advancedSeconds: seconds, fired } }
    }),
    ...appSimRoutes(state, teams, backupLimits),
    route('GET', '/__sim/storage/:uuid/:file', (req) => {
      const t = state.transfers.get(req.params.uuid)
      if (!t || t.deletedAt || !t.file || !t.succeeded || !existsSync(t.file))
        throw notFound('No such backup.')
      return { status: 200, file: t.file }
    })
  ]
}
