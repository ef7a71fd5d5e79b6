// The contract between the drill (which reads databases at the right moments) and the
// verification engine (which compares what was read). Plain data only.

/** Anything that can run a query: a pg.Pool or pg.Client. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    text: string,
    values?: unknown[]
  ): Promise<{ rows: R[] }>
}

/** One table's exact row count and write counters (pg_stat_user_tables n_tup_ins / n_tup_del). */
export interface TableCount {
  /**
   * `schema.table` as sql.ts objectName spells it: the key of the table in every comparison and
   * report (a part holding a dot or a double quote is quoted: `a."b.c"` is not `"a.b".c`).
   */
  table: string
  schema: string
  name: string
  rows: number
  /** Write counters read before the count (the opening read). */
  inserted: number
  deleted: number
  updated?: number
  /**
   * pg_class.relfilenode at the opening read: TRUNCATE, VACUUM FULL and CLUSTER give a table a new
   * one, and a TRUNCATE is not in the write counters.
   */
  relfilenode?: number
  /** The same counters read again after the count (a closing read for this snapshot). */
  countersAfterCount?: TableCounters
}

/** pg_stat_user_tables n_tup_ins / n_tup_upd / n_tup_del of one table. */
export interface TableCounters {
  inserted: number
  updated: number
  deleted: number
  /** pg_class.relfilenode when read (see TableCount.relfilenode). */
  relfilenode?: number
}

/** Write counters of every counted table at one moment, keyed by objectName `schema.table`. */
export interface WriteCounters {
  takenAt: string
  /** pg_stat_database.stats_reset: a change between two reads means the counters restarted. */
  statsResetAt: string | null
  tables: Record<string, TableCounters>
  /**
   * The write counters of pg_largeobject and pg_largeobject_metadata added up: every large object
   * created, written or unlinked moves them. Absent when unreadable.
   */
  largeObjects?: TableCounters
}

export interface CountSnapshot {
  takenAt: string
  /** Tables whose count exceeded the statement timeout (source-statement-timeout): not in `tables`. */
  timedOut?: string[]
  /** When the last count finished: the end of the window the counts describe. */
  finishedAt?: string
  /** pg_stat_database.stats_reset when the counters were read (null: never reset). */
  statsResetAt?: string | null
  tables: TableCount[]
}

/** One schema object, compared by (kind, name) with its definition. */
export interface SchemaObject {
  kind: string
  name: string
  definition: string
  /** Indexes: valid, ready and live. Constraints: validated. Compared by the integrity check, not the schema diff. */
  valid?: boolean
  /**
   * The definition without what one major records and another does not (absent: the definition),
   * compared only across majors: a domain's NOT NULL constraint rows (PostgreSQL 17 and later).
   */
  form?: string
  /** A constraint that is a column's NOT NULL as PostgreSQL 18 records it (contype 'n'). */
  columnNotNull?: true
}

/** What the drill reads from the source before the capture. */
export interface SourceSnapshot {
  schema: SchemaObject[]
  counts: CountSnapshot
  /** Extension names installed in the source, for the restore request's `extensions` field. */
  extensions: string[]
  databaseBytes: number
  /** Large objects' write counters at the start of the snapshot (see WriteCounters.largeObjects). */
  largeObjects?: TableCounters
}

/** One line of a transfer's verbose log. */
export interface TransferLogLine {
  created_at?: string
  level?: string
  message: string
}

/**
 * What the restored copy is: a capture or a fork made inside the window the drill watched (between
 * its before and after reads), or an older backup (`latest`, an ID) or a rollback to a past time,
 * made before every read of the source.
 */
export type BackupMode = 'capture' | 'latest' | 'id' | 'fork' | 'rollback'

/**
 * The copy was made inside a watched window (between a read before it and a read after it), so a
 * count outside its bounds is a loss: a capture, a fork, or a rollback whose target time an
 * earlier drill's read precedes (`rollbackReadAt`).
 */
export function windowWatched(
  options: Pick<VerifyOptions, 'backupMode' | 'rollbackReadAt'>
): boolean {
  const mode = options.backupMode
  return mode === 'capture' || mode === 'fork' || (mode === 'rollback' && !!options.rollbackReadAt)
}

/** One line of the `checks` input: `name: SQL`. */
export interface CustomCheck {
  name: string
  sql: string
}

export interface VerifyOptions {
  /** verify-budget: content hashes fill it, least recently verified tables first. */
  contentBudget?: ContentBudget
  /** self-test: after the checks, plant defects in the copy (rolled back) and require each caught. */
  selfTest?: boolean
  /** source-statement-timeout in ms (default 10 min): a hash cancelled by it is a warning, not an error. */
  sourceStatementTimeoutMs?: number
  /**
   * Tests of the self-test only: the checksum comparison sees every table as matching. Set only by
   * the drill when the simulator asks for it (never from an input).
   */
  testOnlyBrokenChecksums?: boolean
  backupMode: BackupMode
  /**
   * Tables (`schema.table`) whose content is hashed on both sides; ['*'] for all; ['auto'] for every
   * table shown to have had no writes in the capture window.
   */
  checksumTables: string[]
  /** Named SQL assertions run on the restored database. */
  checks: CustomCheck[]
  restoreWarnings: 'triage' | 'strict' | 'allow'
  /** The canary written to the source before the capture, when enabled. */
  canary?: { id: string }
  /**
   * method rollback: when the earlier read that opens the window around the target time finished
   * (the `before` snapshot is that read); absent when no read precedes the target.
   */
  rollbackReadAt?: string
  /** Connections used per database for per-table work. */
  parallelism: number
  /** Statement timeout of each custom check on the restored database (default 60 s). */
  checkTimeoutMs?: number
  /**
   * How long after a write its counters are surely in pg_stat_user_tables (default 11 s): a backend
   * flushes when idle, at most once a second, and retries after 10 s when the stats entry was locked.
   * The closing counter read waits until this long after the window closed (the after counts, or
   * the source hashes); in a real drill the restore has long taken longer.
   */
  statsFlushWaitMs?: number
}

export type FindingSeverity = 'mismatch' | 'warning' | 'info'

/** One difference or observation; `mismatch` fails the drill. */
export interface Finding {
  check: string
  /** The object it is about: a table, index, sequence, check name or log line. */
  object: string
  message: string
  severity: FindingSeverity
}

export type TableStatus = 'match' | 'within-bounds' | 'mismatch' | 'missing' | 'drift'

export interface TableResult {
  table: string
  sourceBefore: number
  sourceAfter: number
  restored: number | null
  expectedMin: number
  expectedMax: number
  status: TableStatus
  /** Why the bound is what it is, when the table moved during the drill. */
  note?: string
  checksum?: { source: string; restored: string; match: boolean }
}

export interface CheckSummary {
  id: string
  title: string
  status: 'passed' | 'failed' | 'skipped'
  detail: string
  /** How long the check took, so a slow verification shows where its time went. */
  seconds?: number
}

/** verify-budget for one drill, with what the history remembers (budget.ts plans with it). */
export interface ContentBudget {
  seconds: number
  /** `schema.table` → drills since its contents were last verified (absent: never). */
  drillsAgo: ReadonlyMap<string, number>
  /** The hashing pace an earlier drill measured (rows per second on one connection), if any. */
  rowsPerSecond?: number
}

/** What a history line keeps of content coverage (coverage.ts). */
export interface ContentCoverage {
  /** This drill's number in the history's sequence of drills (1 for the first with coverage). */
  drill: number
  /** `schema.table` → [number of the drill that last verified its contents, when (ISO)]. */
  tables: Record<string, [number, string]>
  /** The source hashing pace this drill measured, rows per second on one connection. */
  rowsPerSecond?: number
}

/** The drill's load on production (source-load.ts measures it). */
export interface SourceLoad {
  /** Seconds during which at least one query of the drill ran on the source. */
  readSeconds: number
  /** The most queries running at once (at most the source pool's connections). */
  peakConnections: number
  /** Rows scanned by the counts and hashes (each count(*) and each hash reads every row once). */
  rowsScanned: number
}

export type DefectKind = 'missing-row' | 'sequence-behind' | 'changed-value'

/** One defect the self-test planted in the copy (self-test.ts). */
export interface PlantedDefect {
  kind: DefectKind
  /** The check re-run on it. */
  check: string
  /** The table or sequence planted in. */
  object: string
  caught: boolean
  /** The re-run's finding on it, or what it said instead. */
  finding: string
}

export interface SelfTestResult {
  /** Every planted defect was caught. */
  passed: boolean
  planted: PlantedDefect[]
  /** Defects this schema has nowhere to plant (not a failure), and why. */
  notPlanted: { kind: DefectKind; why: string }[]
  seconds: number
}

/** A table whose contents or count this drill could not verify, and why (a warning each). */
export interface NotVerified {
  table: string
  why: 'count-timeout' | 'hash-timeout' | 'beyond-budget'
}

/** What content hashing covered (and, with verify-budget, what it left to later drills). */
export interface ContentHashing {
  budgetSeconds?: number
  /** Tables whose contents were compared this drill and matched. */
  verified: string[]
  /** Tables the budget left to a later drill (not a warning). */
  deferred: string[]
  /** Rows hashed on the source, and the pace measured there (rows per second on one connection). */
  sourceRows: number
  sourceSeconds: number
  rowsPerSecond?: number
  /** How long hashing the restored copy took. */
  restoredSeconds: number
}

/** A copy on another PostgreSQL major than its source (an upgrade rehearsal): what the schema check found. */
export interface AcrossMajors {
  sourceMajor: number
  copyMajor: number
  /** `kind name` of each object whose definitions differ only in form between the majors. */
  judgedEqual: string[]
  /** Constraint rows of a column's NOT NULL (PostgreSQL 18) compared as the columns' NOT NULL instead. */
  notNullConstraints: number
  /** The source's extensions the copy's server does not offer. */
  unavailableExtensions: string[]
}

export interface Verification {
  passed: boolean
  /** The copy is on another major than the source (the report shows it as `upgrade`, not here). */
  acrossMajors?: AcrossMajors
  notVerified?: NotVerified[]
  contents?: ContentHashing
  /** How long the drill read production and the rows it scanned there (set by the drill's databases). */
  sourceLoad?: SourceLoad
  /** The verifier's self-test (self-test: true), when it ran. */
  selfTest?: SelfTestResult
  tables: TableResult[]
  checks: CheckSummary[]
  findings: Finding[]
  restoreWarnings: { harmless: string[]; real: string[] }
  tablesChecked: number
  rowsChecked: number
}

/** How many findings are mismatches (the figure of the verdict, the outputs and the logs). */
export function mismatchCount(
  verification: Pick<Verification, 'findings'> | null | undefined
): number {
  return (verification?.findings ?? []).filter((f) => f.severity === 'mismatch').length
}
