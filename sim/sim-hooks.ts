// The simulator's test hooks under /__sim/ (README: "Test hooks"): the audit, faults, apps and
// backups made to order, ageing records, the clock, teams, backup limits, backup downloads.
import { existsSync } from 'node:fs'
import { appSimRoutes, type SimTeams } from './sim-apps.js'
import { parseFault, type FaultBoard } from './sim-faults.js'
import { invalidParams, notFound, objectBody, route, type Route } from './sim-http.js'
import type { BackupLimits } from './sim-rotation.js'
import { iso, type SimState } from './sim-state.js'
import type { AuditEntry, CreateAppOptions, SimApp } from './server.js'
import { parseScopes, type TokenBook } from './sim-scopes.js'
import type { HeldConnections } from './sim-connections.js'

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
  tokens: TokenBook
  issueToken(scopes: string[]): string
  heldConnections: HeldConnections
}

export function simHookRoutes(ctx: HookContext): Route[] {
  const { state, faults, teams, backupLimits, auditLog, createApp, takeBackup } = ctx
  return [
    ...scopeHookRoutes(ctx),
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
        region: typeof body.region === 'string' ? body.region : undefined,
        version: typeof body.version === 'number' ? body.version : undefined
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

/** POST /__sim/tokens {scopes}: a new token; POST /__sim/scopes: whether app creation needs create-apps. */
function scopeHookRoutes(ctx: HookContext): Route[] {
  return [
    route('POST', '/__sim/tokens', (req) => {
      const body = objectBody(req.body)
      if (!Array.isArray(body.scopes) && typeof body.scopes !== 'string')
        throw invalidParams('scopes must be a list of OAuth scopes, e.g. ["write-protected"]')
      let scopes: string[]
      try {
        scopes = parseScopes(body.scopes as string | string[])
      } catch (err) {
        throw invalidParams((err as Error).message)
      }
      return { status: 201, body: { token: ctx.issueToken(scopes), scopes } }
    }),
    // Holds `count` connections to the add-on's database open as the app (0 closes them).
    route('POST', '/__sim/addons/:addon/connections', async (req) => {
      const body = objectBody(req.body)
      if (typeof body.count !== 'number' || !Number.isInteger(body.count) || body.count < 0)
        throw invalidParams('count must be a whole number of connections >= 0')
      const addon = ctx.state.findAddon(req.params.addon)
      if (!addon.creds) throw invalidParams(`add-on ${addon.name} has no database yet`)
      let held: number
      try {
        held = await ctx.heldConnections.hold(addon.id, addon.creds, body.count)
      } catch (err) {
        throw invalidParams(`could not hold ${body.count} connections: ${(err as Error).message}`)
      }
      return { status: 200, body: { addon: addon.name, held } }
    }),
    route('POST', '/__sim/scopes', (req) => {
      const body = objectBody(req.body)
      if (typeof body.refuseAppCreateWithoutCreateApps !== 'boolean')
        throw invalidParams('refuseAppCreateWithoutCreateApps must be true or false')
      ctx.tokens.refuseAppCreateWithoutCreateApps = body.refuseAppCreateWithoutCreateApps
      return {
        status: 200,
        body: { refuseAppCreateWithoutCreateApps: body.refuseAppCreateWithoutCreateApps }
      }
    })
  ]
}
