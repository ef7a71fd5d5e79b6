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
//             POST /__sim/teams/{team} {role}; GET|POST /__sim/backup-limits {TIER: N}; GET /__sim/storage/{uuid}/backup.dump (the backup file behind to_url / public URLs);
//             POST /__sim/apps/{app}/release-phase {seconds | null} (a `release` process: releases pending that long)
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
import { createReadStream, existsSync, mkdtempSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SimTeams, appRoutes, appSimRoutes, findRegion, type TeamRole } from './sim-apps.js'
import { dataRoutes } from './sim-data.js'
import { FaultBoard, parseFault, type Fault } from './sim-faults.js'
import {
  RateLimitPool,
  SimHtmlError,
  SimHttpError,
  invalidParams,
  matchRoute,
  notFound,
  objectBody,
  parseJsonBody,
  readBody,
  redactValue,
  route,
  type Route,
  type SimRequest,
  type SimResponse
} from './sim-http.js'
import { SimPostgres, databaseUrl } from './sim-pg.js'
import { platformRoutes } from './sim-platform.js'
import { BackupLimits, type BackupLimitOverrides } from './sim-rotation.js'
import { SimState, findPlan, iso } from './sim-state.js'
import { findPgBinDir } from './pg-server.js'

export interface SimOptions {
  /** Superuser URL of the PostgreSQL server that holds the add-ons' databases. */
  adminUrl: string
  binDir?: string
  port?: number
  token?: string
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
  close(): Promise<void>
}

const DEFAULT_TOKEN_BYTES = 24
/** Provisioning and deprovisioning take a moment, as on Heroku (minutes there; short here). */
const DEFAULT_PROVISION_SECONDS = 1
const DEFAULT_DEPROVISION_SECONDS = 1
const PLATFORM_ACCEPT = /application\/vnd\.heroku\+json;\s*version=3/i

function send(res: ServerResponse, r: SimResponse, rateRemaining: number): void {
  const headers: Record<string, string> = {
    'RateLimit-Remaining': String(rateRemaining),
    'Request-Id': randomUUID(),
    ...(r.headers ?? {})
  }
  if (r.file) {
    res.writeHead(r.status, { ...headers, 'Content-Type': 'application/octet-stream' })
    createReadStream(r.file)
      .on('error', () => res.destroy())
      .pipe(res)
    return
  }
  const text = r.html ?? (r.body === undefined ? '' : JSON.stringify(r.body))
  res.writeHead(r.status, {
    ...headers,
    'Content-Type': r.html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text))
  })
  res.end(text)
}

function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? ''
  const bearer = /^Bearer\s+(.+)$/i.exec(h)
  if (bearer) return bearer[1].trim() === token
  const basic = /^Basic\s+(.+)$/i.exec(h)
  if (basic) {
    const decoded = Buffer.from(basic[1].trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon >= 0 && decoded.slice(colon + 1) === token
  }
  return false
}

export async function startSimulator(o: SimOptions): Promise<Simulator> {
  const token = o.token ?? randomBytes(DEFAULT_TOKEN_BYTES).toString('hex')
  const pg = new SimPostgres(o.adminUrl, o.binDir ?? process.env.PG_BIN_DIR ?? findPgBinDir())
  const secrets = new Set<string>([token])
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
    backupLimits
  })

  async function createApp(name: string, opts: CreateAppOptions = {}): Promise<SimApp> {
    const plan = findPlan(opts.plan ?? 'essential-0')
    if (!plan) throw new Error(`unknown heroku-postgresql plan ${opts.plan}`)
    const team = opts.team === undefined ? undefined : teams.set(opts.team)
    const app = state.createAppRecord(name, {
      region: findRegion(opts.region),
      team: team ? { id: team.id, name: team.name } : null
    })
    const { addon } = await state.createAddon(app, {
      plan,
      attachmentName: 'DATABASE',
      immediate: true
    })
    if (opts.sqlFile || opts.sql)
      await state.pgFor(addon.creds!).loadSql(addon.creds!, { file: opts.sqlFile, sql: opts.sql })
    const schedule = opts.schedule ?? true
    if (schedule) state.setSchedule(app, { name: 'DATABASE_URL', hour: 2, timezone: 'UTC' })
    if (opts.initialBackup ?? schedule) await takeBackup(app.name, { scheduled: true })
    return {
      name: app.name,
      id: app.id,
      addonId: addon.id,
      addonName: addon.name,
      databaseUrl: databaseUrl(addon.creds!)
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

  const simRoutes: Route[] = [
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
    ...appSimRoutes(state, teams, backupLimits),
    route('GET', '/__sim/storage/:uuid/:file', (req) => {
      const t = state.transfers.get(req.params.uuid)
      if (!t || t.deletedAt || !t.file || !t.succeeded || !existsSync(t.file))
        throw notFound('No such backup.')
      return { status: 200, file: t.file }
    })
  ]
  const apiRoutes: Route[] = [
    ...platformRoutes(state, () => pool.remaining()),
    ...dataRoutes(state),
    ...appRoutes(state, teams)
  ]

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const url = new URL(req.url ?? '/', 'http://sim.local')
    const path = url.pathname + url.search
    const isSim = url.pathname.startsWith('/__sim/')
    const entry: AuditEntry = { at: new Date().toISOString(), method, path, status: 0 }
    // Everything but reading the simulator's own state (backup downloads are audited too).
    const audited = !(method === 'GET' && /^\/__sim\/(audit|faults)$/.test(url.pathname))
    let parsedBody: unknown
    const finish = (r: SimResponse): void => {
      entry.status = r.status
      send(res, r, pool.remaining())
    }
    const dropConnection = (): void => {
      entry.status = 0
      req.socket.destroy()
    }
    let raw = ''
    try {
      raw = await readBody(req)
    } catch (err) {
      if (audited) auditLog.push(entry)
      if (err instanceof SimHttpError)
        return finish({ status: err.status, body: { id: err.id, message: err.message } })
      return dropConnection()
    }
    if (audited) auditLog.push(entry)
    if (raw.trim() !== '') {
      try {
        parsedBody = JSON.parse(raw)
        entry.body = redactValue(parsedBody, secrets)
      } catch {
        entry.body = redactValue(raw, secrets)
      }
    }
    try {
      if (!isSim) {
        const before = faults.takeHttp(method, path, 'before')
        if (before?.kind === 'reset') return dropConnection()
        if (before?.kind === 'http') throw httpFaultError(before.status)
        if (!authorized(req, token))
          throw new SimHttpError(401, 'unauthorized', 'Invalid credentials provided.')
        // The Platform API wants its media type and version (Accept: application/vnd.heroku+json; version=3).
        if (!url.pathname.startsWith('/client/') && !PLATFORM_ACCEPT.test(req.headers.accept ?? ''))
          throw new SimHttpError(
            406,
            'not_acceptable',
            'Please specify a version along with the MIME type. For example, `Accept: application/vnd.heroku+json; version=3`.'
          )
        if (url.pathname !== '/account/rate-limits' && !pool.take())
          throw new SimHttpError(
            429,
            'rate_limit',
            'Your account reached the API rate limit. Please wait a few minutes before making new requests.',
            { 'Retry-After': '60' }
          )
      }
      parsedBody = parseJsonBody(raw)
      const segments = url.pathname
        .split('/')
        .filter(Boolean)
        .map((s) => {
          try {
            return decodeURIComponent(s)
          } catch {
            throw notFound('The requested API endpoint was not found.')
          }
        })
      const found = matchRoute(isSim ? simRoutes : apiRoutes, method, segments)
      if (!('route' in found)) {
        // Heroku answers an unsupported verb like an unknown path.
        throw notFound(
          'The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intended version with the `Accept` header?'
        )
      }
      const simReq: SimRequest = {
        method,
        url,
        segments,
        headers: req.headers,
        body: parsedBody,
        params: found.params
      }
      const result = await found.route.handler(simReq)
      if (!isSim) {
        const after = faults.takeHttp(method, path, 'after')
        if (after?.kind === 'reset') return dropConnection()
        if (after?.kind === 'http') throw httpFaultError(after.status)
      }
      finish(result)
    } catch (err) {
      if (err instanceof SimHtmlError) {
        finish({
          status: err.status,
          html: `<!DOCTYPE html><html><body><h1>${err.message}</h1></body></html>`
        })
      } else if (err instanceof SimHttpError) {
        finish({
          status: err.status,
          body: { id: err.id, message: err.message },
          headers: err.headers
        })
      } else {
        const message = String(redactValue((err as Error).message ?? String(err), secrets))
        process.stderr.write(`heroku-sim: ${method} ${url.pathname}: ${message}\n`)
        finish({
          status: 500,
          body: { id: 'internal_server_error', message: `Simulator error: ${message}` }
        })
      }
    }
  }

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
      await state.close()
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
    close
  }
}

function httpFaultError(status: 429 | 500 | 503): SimHttpError {
  if (status === 429)
    return new SimHttpError(
      429,
      'rate_limit',
      'Your account reached the API rate limit. Please wait a few minutes before making new requests.',
      { 'Retry-After': '1' }
    )
  if (status === 503)
    return new SimHttpError(
      503,
      'service_unavailable',
      'The service is temporarily unavailable. Please try again later.',
      { 'Retry-After': '1' }
    )
  return new SimHttpError(500, 'internal_server_error', 'Internal server error.')
}
