// Continuous Protection of the simulator, done as PostgreSQL does it: Standard-tier and higher
// databases live on one WAL-archiving cluster (started at the first such database, with a base
// backup taken by pg_basebackup), and a fork or rollback is a real point-in-time recovery of that
// base backup and archive into a new cluster of its own, promoted at the target time; that copy
// archives its own WAL and gets its own base backup, so it can be forked or rolled back in turn.
// The pure rules (plans, times, refusals) are in protection/recovery-plan.ts, the clusters in
// protection/cluster.ts.
import { randomBytes } from 'node:crypto'
import { appendFileSync, chownSync, mkdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { serverUser } from './pg-server.js'
import type { PlanRec } from './sim-catalog.js'
import {
  SimPostgres,
  databaseUrl,
  newDatabaseNames,
  quoteIdent,
  quoteLiteral,
  type DatabaseCredentials
} from './sim-pg.js'
import {
  Cluster,
  SMALL_SETTINGS,
  clusterDir,
  confLines,
  readFatal,
  runAs,
  type ServerUser
} from './protection/cluster.js'
import { rollbackWindowMs } from './protection/recovery-plan.js'

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

export * from './protection/recovery-plan.js'
