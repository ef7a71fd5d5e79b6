// What the drill reads and writes in the two databases, behind one interface: PostgreSQL through
// pg in the action, an in-memory fake in the orchestration tests. Every pool opened here is
// closed by closeAll, which the drill calls once, whatever happened.
import type pg from 'pg'
import { closePool, openDatabase } from './db.js'
import { writeCanary } from './verify/canary.js'
import { runCustomCheck } from './verify/checks/custom.js'
import { countTables, snapshotSource } from './verify/snapshot.js'
import type {
  CountSnapshot,
  CustomCheck,
  SourceSnapshot,
  TransferLogLine,
  Verification,
  VerifyOptions
} from './verify/types.js'
import { hashSourceTables, verifyRestore, type SourceHashes } from './verify/verify.js'
import { SourceReadMeter, sourceRowsScanned } from './verify/source-load.js'

/**
 * Statement timeout on the source (source-statement-timeout, default 10 min): a count or hash
 * that runs past it leaves that table unverified (a warning), not the drill.
 */
const SOURCE_STATEMENT_TIMEOUT_MS = 10 * 60_000
const RESTORED_STATEMENT_TIMEOUT_MS = 30 * 60_000

/** The production database, read-only but for the opt-in canary. */
export interface SourceDatabaseConnection {
  /** One read-only `SELECT 1` (reachability, credentials); answers the server's version number. */
  probe(): Promise<{ serverVersionNum: number }>
  writeCanary(): Promise<{ id: string }>
  snapshot(): Promise<SourceSnapshot>
  countTables(): Promise<CountSnapshot>
  hashTables(before: SourceSnapshot, options: VerifyOptions): Promise<SourceHashes>
}

export interface VerifyInput {
  source: SourceDatabaseConnection
  restoredUrl: string
  before: SourceSnapshot
  after: CountSnapshot
  restoreLogs: TransferLogLine[]
  options: VerifyOptions
  sourceHashes?: Promise<SourceHashes>
}

/** One custom check run through a URL: `problem` null when it passed. */
export interface CheckRun {
  name: string
  problem: string | null
}

export interface Databases {
  /** The source, with at most `maxConnections` connections (the verify-connections when not given). */
  openSource(url: string, maxConnections?: number): SourceDatabaseConnection
  /** The most connections the drill held on the source at once. */
  peakSourceConnections(): number
  verifyRestored(input: VerifyInput): Promise<Verification>
  /** Runs `checks` on the database at `url` (the promote drill's DATABASE_URL), one connection. */
  runChecks(url: string, checks: CustomCheck[]): Promise<CheckRun[]>
  closeAll(): Promise<void>
}

/**
 * Every read of the source goes through the one pool of `connections` connections opened by
 * openSource, timed by one meter: the report says how long the drill read production.
 */
export function createPgDatabases(
  connections: number,
  open = openDatabase,
  sourceStatementTimeoutMs = SOURCE_STATEMENT_TIMEOUT_MS
): Databases {
  const pools: pg.Pool[] = []
  const sourcePools = new Map<SourceDatabaseConnection, pg.Pool>()
  const meter = new SourceReadMeter()
  const openPool = (url: string, role: 'source' | 'restored', max: number): pg.Pool => {
    const statementTimeoutMs =
      role === 'source' ? sourceStatementTimeoutMs : RESTORED_STATEMENT_TIMEOUT_MS
    const pool = open(url, { role, maxConnections: max, statementTimeoutMs })
    if (role === 'source') meter.attach(pool)
    pools.push(pool)
    return pool
  }

  let sourcePeak = 0
  function openSource(url: string, maxConnections = connections): SourceDatabaseConnection {
    const pool = openPool(url, 'source', maxConnections)
    pool.on('connect', () => {
      sourcePeak = Math.max(sourcePeak, pool.totalCount)
    })
    const source: SourceDatabaseConnection = {
      probe: () => probeSource(pool),
      writeCanary: () => writeCanary(pool),
      snapshot: () => snapshotSource(pool, { parallelism: maxConnections }),
      countTables: () =>
        countTables(pool, { parallelism: maxConnections, pool, skipTimedOut: true }),
      hashTables: (before, options) => hashSourceTables(pool, before, options)
    }
    sourcePools.set(source, pool)
    return source
  }

  async function verifyRestored(input: VerifyInput): Promise<Verification> {
    const source = sourcePools.get(input.source)
    if (!source) throw new Error('verifyRestored: the source was not opened here')
    const verification = await verifyRestore({
      source,
      restored: openPool(input.restoredUrl, 'restored', connections),
      before: input.before,
      after: input.after,
      restoreLogs: input.restoreLogs,
      options: input.options,
      ...(input.sourceHashes ? { sourceChecksums: input.sourceHashes } : {})
    })
    // Every source read of the drill is done by now (snapshot, counts, hashes, verify).
    const hashed = verification.contents?.sourceRows ?? 0
    const sourceLoad = {
      readSeconds: meter.readSeconds(),
      peakConnections: meter.peakConnections(),
      rowsScanned: sourceRowsScanned([input.before.counts, input.after], hashed)
    }
    return { ...verification, sourceLoad }
  }

  async function runChecks(url: string, checks: CustomCheck[]): Promise<CheckRun[]> {
    const pool = openPool(url, 'restored', 1)
    try {
      const runs: CheckRun[] = []
      for (const check of checks)
        runs.push({ name: check.name, problem: await runCustomCheck(pool, check) })
      return runs
    } finally {
      await closePool(pool)
    }
  }

  return {
    openSource,
    peakSourceConnections: () => sourcePeak,
    verifyRestored,
    runChecks,
    closeAll: async () => {
      await Promise.all(pools.splice(0).map(closePool))
    }
  }
}

async function probeSource(pool: pg.Pool): Promise<{ serverVersionNum: number }> {
  const res = await pool.query<{ ok: number; version: string }>(
    "SELECT 1 AS ok, current_setting('server_version_num') AS version"
  )
  return { serverVersionNum: Number(res.rows[0].version) }
}
