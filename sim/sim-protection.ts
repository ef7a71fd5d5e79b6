// Continuous Protection of the simulator, done as PostgreSQL does it: Standard-tier and higher
// databases live on one WAL-archiving cluster (started at the first such database, with a base
// backup taken by pg_basebackup), and a fork or rollback is a real point-in-time recovery of that
// base backup and archive into a new cluster of its own, promoted at the target time; that copy
// archives its own WAL and gets its own base backup, so it can be forked or rolled back in turn.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync
} from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, serverUser } from './pg-server.js'
import type { PlanRec } from './sim-catalog.js'
import {
  SimPostgres,
  databaseUrl,
  newDatabaseNames,
  quoteIdent,
  quoteLiteral,
  type DatabaseCredentials
} from './sim-pg.js'

type ServerUser = { uid: number; gid: number } | undefined

const DAY_MS = 24 * 3600 * 1000
/** Settings every cluster of this module gets: small, and quick rather than durable. */
const SMALL_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  shared_buffers: '32MB',
  // Above the 120 connections a Standard role may open (sim-catalog.ts connectionLimit).
  max_connections: '130',
  fsync: 'off',
  synchronous_commit: 'off'
}

/** Standard, Premium, Private and Shield plans have Continuous Protection; Essential has not. */
export function hasContinuousProtection(plan: PlanRec): boolean {
  return /^(standard|premium|private|shield)-/.test(plan.name.split(':')[1] ?? '')
}

/** How far back a plan can roll back: 4 days on Standard, 7 on Premium, Private and Shield. */
export function rollbackWindowMs(plan: PlanRec): number {
  return ((plan.name.split(':')[1] ?? '').startsWith('standard') ? 4 : 7) * DAY_MS
}

/**
 * A rollback's `to`: ISO 8601 (`2026-12-02T00:30:00Z`, fractions and offsets allowed) or
 * `2026-12-02 00:30[:00] +0000` / `… UTC` / `…+00`; a time without a zone is UTC. NaN if neither.
 */
export function parseRecoveryTime(text: string): number {
  const m =
    /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?)\s*(Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?$/i.exec(
      text.trim()
    )
  if (!m) return NaN
  let zone = (m[3] ?? 'Z').toUpperCase()
  if (zone === 'UTC' || zone === 'GMT') zone = 'Z'
  else if (/^[+-]\d\d$/.test(zone)) zone += ':00'
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`
  const time = m[2].length === 5 ? `${m[2]}:00` : m[2]
  return Date.parse(`${m[1]}T${time}${zone}`)
}

const UNIT_MS: [RegExp, number][] = [
  [/^(d|days?)$/, DAY_MS],
  [/^(h|hrs?|hours?)$/, 3600_000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(s|secs?|seconds?)$/, 1000]
]

/**
 * A rollback's `by`, an interval back from now: `3h`, `30m`, `1d`, `2 hours`, `1 day`,
 * `3 days 7 hours 22 minutes`, optionally ending in `ago`. Milliseconds, or NaN if not one.
 */
export function parseRollbackInterval(text: string): number {
  const parts = text
    .trim()
    .toLowerCase()
    .replace(/\s+ago$/, '')
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*,?\s*/gy
  let total = 0
  let seen = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(parts)) !== null) {
    const unit = UNIT_MS.find(([pattern]) => pattern.test(m![2]))
    if (!unit) return NaN
    total += Number(m[1]) * unit[1]
    seen = re.lastIndex
  }
  return parts !== '' && seen === parts.length && total > 0 ? total : NaN
}

/** Runs a PostgreSQL server tool without blocking the event loop (as the server's user when root). */
function runAs(command: string, args: string[], user: ServerUser): Promise<void> {
  const tool = command.split('/').pop()
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { ...(user ?? {}), timeout: 180_000, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) => {
        if (!err) return resolve()
        const detail = (stderr || stdout || err.message).trim().slice(-1500)
        reject(new Error(`${tool} failed: ${detail}`))
      }
    )
  })
}

/** A directory of its own for one cluster, owned by the server's user. */
function clusterDir(prefix: string, user: ServerUser): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (user) chownSync(dir, user.uid, user.gid)
  return dir
}

/** `name = 'value'` lines for postgresql.auto.conf (later lines win over earlier ones). */
function confLines(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${quoteLiteral(v)}\n`)
    .join('')
}

/** One running cluster: its directory, port and an admin SimPostgres on it. */
class Cluster {
  constructor(
    readonly dir: string,
    readonly port: number,
    readonly server: SimPostgres,
    private readonly binDir: string,
    private readonly user: ServerUser
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data')
  }

  get logFile(): string {
    return join(this.dir, 'server.log')
  }

  static async start(
    binDir: string,
    user: ServerUser,
    dir: string,
    adminPassword: string
  ): Promise<Cluster> {
    const port = await freePort()
    const cluster = new Cluster(
      dir,
      port,
      new SimPostgres(`postgres://postgres:${adminPassword}@127.0.0.1:${port}/postgres`, binDir),
      binDir,
      user
    )
    const ctl = join(binDir, 'pg_ctl')
    const options = `-p ${port}`
    try {
      await runAs(
        ctl,
        ['-D', cluster.dataDir, '-l', cluster.logFile, '-o', options, '-w', '-t', '120', 'start'],
        user
      )
    } catch (err) {
      // A server that did not come up in time may still be running: stopped before giving up.
      await runAs(ctl, ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'], user).catch(
        () => {}
      )
      await cluster.server.end()
      throw err
    }
    return cluster
  }

  /** The last FATAL/PANIC line of the server's log (what made a recovery fail), without its prefix. */
  lastFatal(): string | undefined {
    if (!existsSync(this.logFile)) return undefined
    const lines = readFileSync(this.logFile, 'utf8').split('\n')
    const fatal = lines.reverse().find((l) => /\b(FATAL|PANIC):/.test(l))
    return fatal?.replace(/^.*?\b(FATAL|PANIC):\s*/, '')
  }

  async stop(): Promise<void> {
    await this.server.end()
    await runAs(
      join(this.binDir, 'pg_ctl'),
      ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'],
      this.user
    ).catch(() => undefined)
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** A WAL-archiving cluster: archive, base backup, and when the base backup ended. */
interface ProtectedCluster {
  cluster: Cluster
  archiveDir: string
  baseBackupDir: string
  baseBackupEndMs: number
  adminPassword: string
}

export interface RecoveryRequest {
  source: DatabaseCredentials
  targetMs: number
  /** The progress, for wait_status: `preparing`, `recovering`, `finishing`. */
  progress: (message: string) => void
}

export class ContinuousProtection {
  private protectedCluster?: Promise<ProtectedCluster>
  /** Recovered copies (forks and rollbacks) by port, started or starting. */
  private readonly copies = new Map<number, Cluster>()
  private readonly starting = new Set<string>()
  private readonly inflight = new Set<Promise<unknown>>()
  private closed = false
  private readonly user: ServerUser
  private ready?: ProtectedCluster
  /** Every WAL-archiving cluster by port: the first one, and each recovered copy once backed up. */
  private readonly archived = new Map<number, ProtectedCluster>()
  /** Seconds the Continuous-Protection cluster took to start (initdb, start, base backup). */
  startSeconds?: { initdb: number; baseBackup: number }

  constructor(
    private readonly binDir: string,
    private readonly secrets: Set<string>
  ) {
    this.user = serverUser()
  }

  /** The server of Standard-tier databases, started (once) when first asked for. */
  async protectedServer(): Promise<SimPostgres> {
    if (this.closed) throw new Error('the simulator is closing')
    this.protectedCluster ??= this.startProtectedCluster()
    return (await this.protectedCluster).cluster.server
  }

  /** The server a database of this simulator's clusters is on, by its port. */
  serverOnPort(port: number): SimPostgres | undefined {
    if (this.ready?.cluster.port === port) return this.ready.cluster.server
    return this.copies.get(port)?.server
  }

  /** True for a database on a WAL-archiving cluster (the first one, or a copy once backed up). */
  isProtected(c: DatabaseCredentials): boolean {
    return this.archived.has(c.port)
  }

  /**
   * The earliest time a database `c` created at `createdMs` on plan `plan` can be recovered to:
   * the latest of its cluster's base backup end, its creation and now minus the plan's window.
   * `historyAgeMs` (a test hook) moves the first two back: the WAL itself does not go further.
   */
  earliestRecoverableMs(
    c: DatabaseCredentials,
    plan: PlanRec,
    createdMs: number,
    nowMs = Date.now(),
    historyAgeMs = 0
  ): number {
    const backupEnd = this.archived.get(c.port)?.baseBackupEndMs ?? nowMs
    return Math.max(
      backupEnd - historyAgeMs,
      createdMs - historyAgeMs,
      nowMs - rollbackWindowMs(plan)
    )
  }

  private async startProtectedCluster(): Promise<ProtectedCluster> {
    const dir = clusterDir('heroku-sim-cp-', this.user)
    const archiveDir = join(dir, 'archive')
    mkdirSync(archiveDir)
    if (this.user) chownSync(archiveDir, this.user.uid, this.user.gid)
    const adminPassword = randomBytes(18).toString('base64url')
    this.secrets.add(adminPassword)
    const started = Date.now()
    await this.initdb(dir, adminPassword)
    appendFileSync(
      join(dir, 'data', 'postgresql.auto.conf'),
      confLines({
        ...SMALL_SETTINGS,
        unix_socket_directories: dir,
        wal_level: 'replica',
        archive_mode: 'on',
        archive_command: `test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f`,
        max_wal_senders: '4'
      })
    )
    const cluster = await Cluster.start(this.binDir, this.user, dir, adminPassword)
    const initdbDone = Date.now()
    this.ready = await this.backUp(cluster, archiveDir, adminPassword)
    this.startSeconds = {
      initdb: (initdbDone - started) / 1000,
      baseBackup: (this.ready.baseBackupEndMs - initdbDone) / 1000
    }
    return this.ready
  }

  /** A base backup of a WAL-archiving cluster into its directory; from then on it is protected. */
  private async backUp(
    cluster: Cluster,
    archiveDir: string,
    adminPassword: string
  ): Promise<ProtectedCluster> {
    const baseBackupDir = join(cluster.dir, 'base')
    await runAs(
      join(this.binDir, 'pg_basebackup'),
      ['-h', cluster.dir, '-p', String(cluster.port), '-U', 'postgres', '-D', baseBackupDir].concat(
        ['-X', 'stream', '-c', 'fast', '--no-sync']
      ),
      this.user
    )
    const protectedCluster = {
      cluster,
      archiveDir,
      baseBackupDir,
      baseBackupEndMs: Date.now(),
      adminPassword
    }
    this.archived.set(cluster.port, protectedCluster)
    return protectedCluster
  }

  private async initdb(dir: string, adminPassword: string): Promise<void> {
    const pwFile = join(dir, 'pwfile')
    appendFileSync(pwFile, adminPassword + '\n', { mode: 0o600 })
    if (this.user) chownSync(pwFile, this.user.uid, this.user.gid)
    try {
      await runAs(
        join(this.binDir, 'initdb'),
        [
          '-D',
          join(dir, 'data'),
          '-U',
          'postgres',
          '--auth-local=trust',
          '--auth-host=scram-sha-256'
        ].concat([`--pwfile=${pwFile}`, '-E', 'UTF8', '--no-sync', '--locale=C']),
        this.user
      )
    } finally {
      await rm(pwFile, { force: true })
    }
  }

  /**
   * A point-in-time recovery of the source's database as it was at `targetMs`, in a cluster of
   * its own holding only that database, under a new role, name and password.
   */
  async recover(
    req: RecoveryRequest
  ): Promise<{ creds: DatabaseCredentials; server: SimPostgres }> {
    if (this.closed) throw new Error('the simulator is closing')
    const running = this.recoverInto(req)
    this.inflight.add(running)
    try {
      return await running
    } finally {
      this.inflight.delete(running)
    }
  }

  private async recoverInto(
    req: RecoveryRequest
  ): Promise<{ creds: DatabaseCredentials; server: SimPostgres }> {
    const cp = this.archived.get(req.source.port)
    if (!cp) throw new Error('the source database has no Continuous Protection')
    req.progress('preparing')
    await this.archiveCommitAfter(cp)
    const dir = clusterDir('heroku-sim-recovery-', this.user)
    this.starting.add(dir)
    let copy: Cluster | undefined
    try {
      await runAs('cp', ['-a', cp.baseBackupDir, join(dir, 'data')], this.user)
      this.writeRecoverySettings(dir, cp.archiveDir, req.targetMs)
      req.progress('recovering')
      copy = await this.startCopy(dir, cp.adminPassword)
      if (this.closed) throw new Error('the simulator is closing')
      await waitForPromotion(copy)
      req.progress('finishing')
      const creds = await keepOnlyDatabase(copy, req.source)
      // The copy archives its own WAL; with a base backup of it, it has Continuous Protection too.
      if (this.closed) throw new Error('the simulator is closing')
      await this.backUp(copy, join(dir, 'archive'), cp.adminPassword)
      this.secrets.add(creds.password)
      this.secrets.add(databaseUrl(creds))
      return { creds, server: copy.server }
    } catch (err) {
      const fatal = copy?.lastFatal() ?? readFatal(join(dir, 'server.log'))
      if (copy) await this.removeCopy(copy.port)
      else await rm(dir, { recursive: true, force: true })
      throw new Error(fatal ? `recovery failed: ${fatal}` : (err as Error).message)
    } finally {
      this.starting.delete(dir)
    }
  }

  /** A commit after the target time, in an archived WAL segment, so the recovery can stop there. */
  private async archiveCommitAfter(cp: ProtectedCluster): Promise<void> {
    const segment = await cp.cluster.server.withAdminClient('postgres', async (c) => {
      await c.query('create table if not exists heroku_sim_recovery_marks (at timestamptz)')
      await c.query('insert into heroku_sim_recovery_marks values (clock_timestamp())')
      const r = await c.query<{ wal: string }>('select pg_walfile_name(pg_switch_wal()) as wal')
      return r.rows[0].wal
    })
    const deadline = Date.now() + 60_000
    for (;;) {
      const { rows } = await cp.cluster.server.withAdminClient('postgres', (c) =>
        c.query<{ last: string | null }>('select last_archived_wal as last from pg_stat_archiver')
      )
      const last = rows[0]?.last
      if (last && last.slice(0, 24) >= segment) return
      if (Date.now() > deadline) throw new Error(`WAL segment ${segment} was not archived in 60 s`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  private writeRecoverySettings(dir: string, archiveDir: string, targetMs: number): void {
    const dataDir = join(dir, 'data')
    mkdirSync(join(dir, 'archive'))
    if (this.user) chownSync(join(dir, 'archive'), this.user.uid, this.user.gid)
    appendFileSync(join(dataDir, 'recovery.signal'), '')
    appendFileSync(
      join(dataDir, 'postgresql.auto.conf'),
      confLines({
        ...SMALL_SETTINGS,
        unix_socket_directories: dir,
        // The copy archives into an archive of its own, never into the source's.
        archive_command: `test ! -f ${dir}/archive/%f && cp %p ${dir}/archive/%f`,
        restore_command: `cp ${archiveDir}/%f %p`,
        // PostgreSQL's timestamptz form: `2026-12-02 00:30:00.123+00`.
        recovery_target_time: new Date(targetMs)
          .toISOString()
          .replace('T', ' ')
          .replace('Z', '+00'),
        recovery_target_action: 'promote'
      })
    )
    if (this.user) {
      chownSync(join(dataDir, 'recovery.signal'), this.user.uid, this.user.gid)
      chownSync(join(dataDir, 'postgresql.auto.conf'), this.user.uid, this.user.gid)
    }
  }

  private async startCopy(dir: string, adminPassword: string): Promise<Cluster> {
    const copy = await Cluster.start(this.binDir, this.user, dir, adminPassword)
    this.copies.set(copy.port, copy)
    return copy
  }

  /** Stops a recovered copy's server and removes its directory. */
  async removeCopy(port: number): Promise<void> {
    const copy = this.copies.get(port)
    if (!copy) return
    this.copies.delete(port)
    this.archived.delete(port)
    await copy.stop()
  }

  /** Stops every server this module started and removes their directories. */
  async close(): Promise<void> {
    this.closed = true
    const settled = Promise.allSettled([...this.inflight])
    await Promise.race([settled, new Promise((r) => setTimeout(r, 30_000).unref())])
    await Promise.all([...this.copies.keys()].map((port) => this.removeCopy(port)))
    for (const dir of this.starting) await rm(dir, { recursive: true, force: true })
    const cp = await this.protectedCluster?.catch(() => undefined)
    this.protectedCluster = undefined
    this.ready = undefined
    this.archived.clear()
    await cp?.cluster.stop()
  }
}

function readFatal(logFile: string): string | undefined {
  if (!existsSync(logFile)) return undefined
  const fatal = readFileSync(logFile, 'utf8')
    .split('\n')
    .reverse()
    .find((l) => /\b(FATAL|PANIC):/.test(l))
  return fatal?.replace(/^.*?\b(FATAL|PANIC):\s*/, '')
}

/** Waits until the recovered server has reached its target and been promoted. */
async function waitForPromotion(copy: Cluster, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const inRecovery = await copy.server.withAdminClient('postgres', async (c) => {
      const r = await c.query<{ r: boolean }>('select pg_is_in_recovery() as r')
      return r.rows[0].r
    })
    if (!inRecovery) return
    if (Date.now() > deadline) throw new Error('the recovered server was not promoted in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Keeps only the source's database in the recovered cluster, renamed to the new add-on's own
 * database and role with a new password; the other add-ons' databases and roles are dropped.
 */
async function keepOnlyDatabase(
  copy: Cluster,
  source: DatabaseCredentials
): Promise<DatabaseCredentials> {
  const names = newDatabaseNames()
  await copy.server.withAdminClient('postgres', async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `select datname from pg_database where datname not in ('postgres', 'template0', 'template1', $1)`,
      [source.database]
    )
    for (const { datname } of rows)
      await c.query(`DROP DATABASE ${quoteIdent(datname)} WITH (FORCE)`)
    const roles = await c.query<{ rolname: string }>(
      `select rolname from pg_roles where rolname ~ '^u[0-9a-f]{14}$' and rolname <> $1`,
      [source.user]
    )
    for (const { rolname } of roles.rows) await c.query(`DROP ROLE ${quoteIdent(rolname)}`)
    await c.query('drop table if exists heroku_sim_recovery_marks')
    await c.query(`ALTER ROLE ${quoteIdent(source.user)} RENAME TO ${quoteIdent(names.user)}`)
    await c.query(`ALTER ROLE ${quoteIdent(names.user)} PASSWORD ${quoteLiteral(names.password)}`)
    await c.query(
      `ALTER DATABASE ${quoteIdent(source.database)} RENAME TO ${quoteIdent(names.database)}`
    )
  })
  return { host: '127.0.0.1', port: copy.port, ...names }
}

/** What a fork or rollback copies: the source database and the time it is recovered to. */
export interface RecoveryPlan {
  kind: 'fork' | 'rollback'
  sourceAddonId: string
  sourceName: string
  targetMs: number
}

export interface RecoverySource {
  addonId: string
  name: string
  plan: PlanRec
  /** True when the database is on the WAL-archiving cluster. */
  protected: boolean
  earliestMs: number
}

// Refusals are 422 `invalid_params`, the id Heroku's add-on create answers for a bad request body.
const refuse = (message: string): Error => Object.assign(new Error(message), { refusal: true })

/** True for an error thrown by `recoveryPlan` (a 422 refusal). */
export function isRefusal(err: unknown): err is Error {
  return err instanceof Error && (err as { refusal?: boolean }).refusal === true
}

/**
 * The fork or rollback an add-on create's `config` asks for (`{fork}`, `{rollback, to}` or
 * `{rollback, by}`), checked before anything is created; undefined for a plain create.
 */
export function recoveryPlan(
  config: Record<string, unknown>,
  plan: PlanRec,
  receivedMs: number,
  findSource: (ref: string) => RecoverySource | undefined
): RecoveryPlan | undefined {
  const { fork, rollback, to, by } = config
  if (fork === undefined && rollback === undefined) {
    if (to !== undefined || by !== undefined) throw refuse('to and by go with rollback only.')
    return undefined
  }
  if (fork !== undefined && rollback !== undefined)
    throw refuse('Give either fork or rollback, not both.')
  const kind = fork !== undefined ? 'fork' : 'rollback'
  const ref = String(fork ?? rollback)
  if (kind === 'fork' && (to !== undefined || by !== undefined))
    throw refuse('A fork copies the database as it is now; to and by go with rollback.')
  const source = findSource(ref)
  if (!source)
    throw refuse(
      `Couldn't find the database ${ref} to ${kind}: name it as APP::DATABASE_URL, a config var of this app, an add-on name or its URL.`
    )
  if (!hasContinuousProtection(source.plan))
    throw refuse(
      `Rollback/fork is not supported for Essential-tier databases: ${source.name} is on ${source.plan.human_name}.`
    )
  if (!source.protected)
    throw refuse(
      `${source.name} has no Continuous Protection (yet): ${kind} it once it is provisioned.`
    )
  if (!hasContinuousProtection(plan))
    throw refuse(
      `A ${kind} needs a Standard, Premium, Private or Shield plan; ${plan.name} has no Continuous Protection.`
    )
  const targetMs = kind === 'fork' ? receivedMs : rollbackTarget(to, by, receivedMs)
  if (targetMs < source.earliestMs)
    throw refuse(
      `to: ${new Date(targetMs).toISOString()} is before the earliest time ${source.name} can be rolled back to, ${new Date(source.earliestMs).toISOString()}.`
    )
  return { kind, sourceAddonId: source.addonId, sourceName: source.name, targetMs }
}

function rollbackTarget(to: unknown, by: unknown, receivedMs: number): number {
  if (to !== undefined && by !== undefined) throw refuse('Give either to or by, not both.')
  if (to === undefined && by === undefined)
    throw refuse(
      "rollback needs to (a time like 2026-12-02T00:30:00Z) or by (an interval like 3h or '2 hours')."
    )
  if (by !== undefined) {
    const ms = parseRollbackInterval(String(by))
    if (Number.isNaN(ms))
      throw refuse(
        `by: "${String(by)}" is not an interval: give e.g. 3h, 30m, 1d, '2 hours' or '3 days 7 hours 22 minutes'.`
      )
    return receivedMs - ms
  }
  const targetMs = parseRecoveryTime(String(to))
  if (Number.isNaN(targetMs))
    throw refuse(
      `to: "${String(to)}" is not a time: give ISO 8601 like 2026-12-02T00:30:00Z or 2026-12-02 00:30:00 +0000.`
    )
  if (targetMs > receivedMs)
    throw refuse(`to: ${new Date(targetMs).toISOString()} is in the future.`)
  return targetMs
}

/** The Rollback line of a database's info: `earliest from 2026-12-02 00:10 UTC` (to the minute). */
export function rollbackInfo(earliestMs: number): string {
  const t = new Date(earliestMs).toISOString()
  return `earliest from ${t.slice(0, 10)} ${t.slice(11, 16)} UTC`
}
