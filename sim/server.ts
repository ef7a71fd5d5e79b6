// The simulated Heroku: the Platform API and the Postgres data API on one local
// port, backed by a real PostgreSQL server. Add-ons are real databases and roles, captures are real
// `pg_dump -Fc`, restores real `pg_restore`. Test and admin endpoints live under /__sim/ only.
//
// Served (auth: Bearer token, or Basic with the token as password; errors {id, message}):
//   Platform  GET /account, /account/rate-limits, /apps, /apps/{app}, /apps/{app}/formation,
//             /apps/{app}/releases[/{id|version}], /apps/{app}/config-vars,
//             /apps/{app}/addons[/{id|name}], /addons[/{id|name}], /addons/{id}/addon-attachments,
//             /apps/{app}/addon-attachments[/{id|name}], /addon-attachments[/{id}],
//             /addon-services[/heroku-postgresql[/plans[/{plan}]]], /plans/{plan}
//             PATCH /apps/{app} {maintenance}; POST /apps/{app}/addons; DELETE /apps/{app}/addons/{id};
//             POST /addon-attachments (promote: name DATABASE + confirm moves DATABASE_URL);
//             DELETE /addon-attachments/{id}; POST /actions/addon-attachments/resolve, /actions/addons/resolve
//             POST /apps, /teams/apps; DELETE /apps/{app}; GET /teams[/{team}[/apps]] (sim-apps.ts)
//             Lists page with Range (`id ..; max=N`, `]after..`, `order=desc`) and Next-Range (206).
//   Data      GET /client/v11/databases/{id}, .../wait_status, .../transfer-schedules;
//             POST .../backups, .../restores {backup_url, extensions}, .../transfer-schedules;
//             DELETE .../transfer-schedules/{uuid}; GET /client/v11/apps/{app}/transfers[/{num|uuid}[?verbose=true]];
//             DELETE .../transfers/{num|uuid}; POST .../transfers/{id}/actions/cancel, .../actions/public-url
//   /__sim    GET /__sim/audit; GET|POST|DELETE /__sim/faults; POST /__sim/apps {name, sql|sqlFile,
//             schedule, initialBackup, plan}; POST /__sim/apps/{app}/backups {scheduled, ageSeconds};
//             POST /__sim/addons/{id|name}/age {seconds}; POST /__sim/apps/{app}/age {seconds};
//             POST /__sim/addons/{id|name}/recovery-history {ageSeconds} (its Rollback line shows earlier);
//             POST /__sim/clock {advanceSeconds} (pending delayed state changes due by then happen now);
//             POST /__sim/teams/{team} {role}; GET|POST /__sim/backup-limits {TIER: N}; GET /__sim/storage/{uuid}/backup.dump (the backup file behind to_url / public URLs);
//             POST /__sim/apps/{app}/release-phase {seconds | null} (a `release` process: releases pending that long)
//             POST /__sim/tokens {scopes} (a new token); POST /__sim/scopes {refuseAppCreateWithoutCreateApps};
//             POST /__sim/addons/{id|name}/connections {count} (hold that many connections open as the app)
// Over time, as on Heroku: add-ons provision and deprovision with a delay (1 s
// default); transfers start a moment after their POST (started_at, updated_at, source_bytes null)
// and answer succeeded: null until finished; data-API times `2020-12-13 16:22:40 +0000`, Platform
// times whole seconds; unknown body params are 422 "Unknown params: foo.".
// Faults: every documented kind (README); http/reset also take `method` and `when: "after"` (apply
// the request, then fail the answer: an ambiguous write). Extra kinds: {"kind":"provision-slow",
// "seconds":N}, {"kind":"transfer-slow","transfer":"capture"|"restore","seconds":N} and
// {"kind":"release-fail","description":REGEX}. A damage fault that cannot be applied fails the restore;
// one with "app": REGEX waits for a restore onto a matching app (drills running side by side).
// Continuous Protection (sim-protection.ts): Standard tier and up live on a WAL-archiving cluster;
// POST /apps/{app}/addons with config {fork: SOURCE} or {rollback: SOURCE, to: TIME | by: INTERVAL}
// provisions a point-in-time recovery of SOURCE into a server of its own (armed restore-* damage
// faults applied to it; one that cannot be applied fails the provisioning).
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SimTeams, appRoutes, findRegion, type TeamRole } from './sim-apps.js'
import { dataRoutes } from './sim-data.js'
import { FaultBoard, parseFault, type Fault } from './sim-faults.js'
import { requestHandler } from './sim-handler.js'
import { simHookRoutes } from './sim-hooks.js'
import { RateLimitPool, invalidParams, notFound, redactValue, type Route } from './sim-http.js'
import { SimPostgres } from './sim-pg.js'
import { platformRoutes } from './sim-platform.js'
import { BackupLimits, type BackupLimitOverrides } from './sim-rotation.js'
import { SimState, findPlan } from './sim-state.js'
import { hasPgBackups, isAdvanced } from './sim-catalog.js'
import { findPgBinDir } from './pg-server.js'
import { TokenBook } from './sim-scopes.js'
import { HeldConnections } from './sim-connections.js'
import { MajorServers } from './sim-majors.js'

export interface SimOptions {
  /** Superuser URL of the PostgreSQL server that holds the add-ons' databases. */
  adminUrl: string
  binDir?: string
  port?: number
  token?: string
  /** The OAuth scopes of `token` (default `['global']`; heroku-api.md §19.1). */
  tokenScopes?: string[]
  /** PostgreSQL major of an add-on created without `config.version` (default: the server's own). */
  defaultVersion?: number
  /** Seconds a created add-on stays `provisioning` (default 1). */
  provisionDelaySeconds?: number
  /** Seconds a destroyed add-on stays `deprovisioning` (default 1). */
  deprovisionDelaySeconds?: number
  captureDelaySeconds?: number
  restoreDelaySeconds?: number
  /**
   * Take the daily scheduled backups at their hour while running (default false, so tests see only
   * the backups they make; `npm run sim` turns it on).
   */
  runSchedules?: boolean | { checkEveryMs: number }
  /** Teams the account belongs to, with its role in each (as POST /__sim/teams/{team} sets). */
  teams?: Record<string, TeamRole>
  /** Manual backups kept per plan tier, overriding the defaults (Essential 5, Standard 25, else 50). */
  manualBackupLimits?: BackupLimitOverrides
}

export interface SimApp {
  name: string
  id: string
  addonId: string
  addonName: string
  databaseUrl: string
}

export interface AuditEntry {
  at: string
  method: string
  path: string
  status: number
  body?: unknown
}

export interface CreateAppOptions {
  sqlFile?: string
  sql?: string
  /** A daily backup schedule for DATABASE_URL (default true). */
  schedule?: boolean
  plan?: string
  /** One scheduled backup (a001) taken now (default: same as schedule). */
  initialBackup?: boolean
  /** The app's team (created with the account as admin when new); default a personal app. */
  team?: string
  /** `us` (default) or `eu`. */
  region?: string
  /** PostgreSQL major of the app's database (default: the main server's). */
  version?: number
}

export interface Simulator {
  apiUrl: string
  dataApiUrl: string
  token: string
  createApp(name: string, opts?: CreateAppOptions): Promise<SimApp>
  audit(): AuditEntry[]
  /** Arms faults as POST /__sim/faults does. */
  armFaults(faults: Fault | Fault[]): void
  /** Disarms every fault, as DELETE /__sim/faults does. */
  clearFaults(): void
  /** A `release` process whose release phase takes `seconds` (null: none), as POST /__sim/apps/{app}/release-phase. */
  setReleasePhase(app: string, seconds: number | null): void
  /**
   * Takes a backup of the app's DATABASE now, waiting for it to finish (a scheduled `a…` one by
   * default), optionally dated `ageSeconds` in the past.
   */
  takeBackup(
    app: string,
    opts?: { scheduled?: boolean; ageSeconds?: number }
  ): Promise<{ name: string; uuid: string }>
  /** Creates a team or sets the account's role in it, as POST /__sim/teams/{team} does. */
  setTeam(name: string, role?: TeamRole): void
  /** Overrides manual-backup limits per tier, as POST /__sim/backup-limits does. */
  setManualBackupLimits(limits: BackupLimitOverrides): void
  /** A new token with these OAuth scopes, as POST /__sim/tokens does. */
  issueToken(scopes: string[]): string
  /**
   * Whether creating an app needs `global` or `create-apps` (true), or `write`/`write-protected`
   * suffice (false, the default), as POST /__sim/scopes {refuseAppCreateWithoutCreateApps} sets.
   */
  refuseAppCreateWithoutCreateApps(refuse: boolean): void
  /** Holds `count` connections to the add-on's database open as the app, as POST /__sim/addons/{addon}/connections does. */
  holdConnections(addon: string, count: number): Promise<number>
  close(): Promise<void>
}

const DEFAULT_TOKEN_BYTES = 24
/** Provisioning and deprovisioning take a moment, as on Heroku (minutes there; short here). */
const DEFAULT_PROVISION_SECONDS = 1
const DEFAULT_DEPROVISION_SECONDS = 1

export async function startSimulator(o: SimOptions): Promise<Simulator> {
  const token = o.token ?? randomBytes(DEFAULT_TOKEN_BYTES).toString('hex')
  const clientBinDir = o.binDir ?? process.env.PG_BIN_DIR ?? findPgBinDir()
  const pg = new SimPostgres(o.adminUrl, clientBinDir)
  const secrets = new Set<string>([token])
  const majors = new MajorServers(pg, clientBinDir, secrets, o.defaultVersion)
  const tokens = new TokenBook()
  const heldConnections = new HeldConnections()
  tokens.add(token, o.tokenScopes ?? ['global'])
  const issueToken = (scopes: string[]): string => {
    const issued = tokens.issue(scopes)
    secrets.add(issued)
    return issued
  }
  const adminPassword = decodeURIComponent(new URL(o.adminUrl).password)
  if (adminPassword) secrets.add(adminPassword)
  const faults = new FaultBoard()
  const pool = new RateLimitPool()
  const auditLog: AuditEntry[] = []
  let baseUrl = ''
  const teams = new SimTeams()
  for (const [name, role] of Object.entries(o.teams ?? {})) teams.set(name, role)
  const backupLimits = new BackupLimits(o.manualBackupLimits)
  const state = new SimState({
    pg,
    faults,
    dumpDir: mkdtempSync(join(tmpdir(), 'heroku-sim-dumps-')),
    baseUrl: () => baseUrl,
    provisionDelaySeconds: o.provisionDelaySeconds ?? DEFAULT_PROVISION_SECONDS,
    deprovisionDelaySeconds: o.deprovisionDelaySeconds ?? DEFAULT_DEPROVISION_SECONDS,
    captureDelaySeconds: o.captureDelaySeconds ?? 0,
    restoreDelaySeconds: o.restoreDelaySeconds ?? 0,
    secrets,
    backupLimits,
    majors
  })

  async function createApp(name: string, opts: CreateAppOptions = {}): Promise<SimApp> {
    const plan = findPlan(opts.plan ?? 'essential-0')
    if (!plan) throw new Error(`unknown heroku-postgresql plan ${opts.plan}`)
    const team = opts.team === undefined ? undefined : teams.set(opts.team)
    const app = state.createAppRecord(name, {
      region: findRegion(opts.region),
      team: team ? { id: team.id, name: team.name } : null
    })
    // The app's own database is on the main server's major unless asked (--default-version is
    // for the add-ons created later).
    const version = String(opts.version ?? (await majors.ownMajor()))
    const { addon } = await state.createAddon(app, {
      plan,
      attachmentName: 'DATABASE',
      immediate: true,
      config: { version }
    })
    if (opts.sqlFile || opts.sql)
      await state.pgFor(addon.creds!).loadSql(addon.creds!, { file: opts.sqlFile, sql: opts.sql })
    // Shield and Advanced databases have no PGBackups: no schedule nor backup unless asked (which fails).
    const schedule = opts.schedule ?? (hasPgBackups(plan) && !isAdvanced(plan))
    if (schedule) state.setSchedule(app, { name: 'DATABASE_URL', hour: 2, timezone: 'UTC' })
    if (opts.initialBackup ?? schedule) await takeBackup(app.name, { scheduled: true })
    return {
      name: app.name,
      id: app.id,
      addonId: addon.id,
      addonName: addon.name,
      databaseUrl: state.addonUrl(addon)!
    }
  }

  async function takeBackup(
    appName: string,
    opts: { scheduled?: boolean; ageSeconds?: number } = {}
  ): Promise<{ name: string; uuid: string }> {
    const app = state.findApp(appName)
    const att = state.appAttachments(app).find((a) => a.name === 'DATABASE')
    if (!att) throw notFound(`app ${app.name} has no DATABASE attachment`)
    const addon = state.findAddon(att.addonId)
    if (!hasPgBackups(addon.plan) || isAdvanced(addon.plan))
      throw invalidParams(`${addon.plan.human_name} databases have no PGBackups`)
    let scheduleUuid: string | undefined
    if (opts.scheduled ?? true) {
      const existing = state.appSchedules(app)[0]
      scheduleUuid = existing?.uuid ?? randomUUID()
    }
    const t = await state.startCapture(addon, { scheduleUuid, noDelay: true })
    await t.done
    if (!t.succeeded) throw new Error(`backup ${state.transferName(t)} of ${app.name} failed`)
    if (opts.ageSeconds) state.ageTransfer(t, opts.ageSeconds)
    return { name: state.transferName(t), uuid: t.uuid }
  }

  if (o.runSchedules)
    state.startScheduler(
      typeof o.runSchedules === 'object' ? o.runSchedules.checkEveryMs : undefined
    )

  const simRoutes = simHookRoutes({
    state,
    faults,
    teams,
    backupLimits,
    auditLog,
    createApp,
    takeBackup,
    tokens,
    issueToken,
    heldConnections
  })
  const apiRoutes: Route[] = [
    ...platformRoutes(state, () => pool.remaining()),
    ...dataRoutes(state),
    ...appRoutes(state, teams)
  ]

  const handle = requestHandler({ tokens, secrets, faults, pool, auditLog, simRoutes, apiRoutes })

  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      process.stderr.write(`heroku-sim: ${String(redactValue(err.message, secrets))}\n`)
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  baseUrl = `http://127.0.0.1:${port}`

  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
      await heldConnections.closeAll()
      await state.close()
      await majors.close()
      await pg.end()
    })()
    return closed
  }

  return {
    apiUrl: baseUrl,
    dataApiUrl: baseUrl,
    token,
    createApp,
    audit: () => auditLog.map((e) => ({ ...e })),
    armFaults: (f) => {
      faults.arm((Array.isArray(f) ? f : [f]).map(parseFault))
    },
    clearFaults: () => {
      faults.clear()
    },
    setReleasePhase: (app, seconds) => {
      state.findApp(app).releasePhaseSeconds = seconds
    },
    takeBackup,
    setTeam: (name, role) => {
      teams.set(name, role)
    },
    setManualBackupLimits: (limits) => backupLimits.set(limits),
    issueToken,
    holdConnections: (ref, count) => {
      const addon = state.findAddon(ref)
      return heldConnections.hold(addon.id, addon.creds!, count)
    },
    refuseAppCreateWithoutCreateApps: (refuse) => {
      tokens.refuseAppCreateWithoutCreateApps = refuse
    },
    close
  }
}
