// What every check module receives and returns. Adding a check = adding a module to CHECKS in verify.ts.
import type pg from 'pg'
import type { TableChecksum } from '../checksum.js'
import type {
  AcrossMajors,
  CountSnapshot,
  Finding,
  SchemaObject,
  SourceSnapshot,
  TableResult,
  TransferLogLine,
  VerifyOptions,
  WriteCounters
} from '../types.js'
import { mismatchCount } from '../types.js'

export interface CheckContext {
  source: pg.Pool
  restored: pg.Pool
  before: SourceSnapshot
  after: CountSnapshot
  restoreLogs: TransferLogLine[]
  options: VerifyOptions
  /**
   * The source's content hashes computed ahead by the drill (while the restore ran), if any; with
   * checksum-tables 'auto' always set (hashed at the start of the verify when not given).
   */
  sourceChecksums?: Promise<SourceHashes>
  /** The source hashes were started by the drill before the verify (while the restore ran). */
  sourceHashedAhead?: boolean
  /** The restored database's schema, read once. */
  restoredSchema(): Promise<SchemaObject[]>
  /** The restored database's exact counts, read once (taken from restoredChecksums where hashed). */
  restoredCounts(): Promise<CountSnapshot>
  /** The restored copy's hashes of the compared tables, null for a missing table; read once. */
  restoredChecksums(): Promise<RestoredHashes>
  /** The source's write counters read now, at verify time (a closing read); null if unreadable. */
  closingCounters(): Promise<WriteCounters | null>
  /**
   * The same, read once every write of the capture window must have reached the statistics
   * (waits for that when needed). Only worth the wait when an earlier read leaves a count out of
   * bounds: a later read can only widen a bound.
   */
  closingCountersAfterFlush(): Promise<WriteCounters | null>
}

/** The source's hashes, computed ahead (e.g. while the restore runs), with when they were taken. */
export interface SourceHashes {
  hashedAt: number
  /** How long hashing the source took (it overlaps the restore, so it is not in the verify phase). */
  seconds: number
  byTable: Map<string, TableChecksum>
  /**
   * The hashed tables shown unchanged from the before snapshot until after their hash: counters
   * and relfilenode as at the opening read, read once every write before the hash was flushed.
   */
  unchanged: Set<string>
  /**
   * Chosen tables not hashed: `budget` left to a later drill, `beyond-budget` longer than any
   * verify-budget holds, `timeout` cancelled by source-statement-timeout.
   */
  notHashed?: Map<string, NotHashed>
  /** Rows read by these hashes, and the pace measured (rows/s on one connection) when enough was read. */
  rows?: number
  rowsPerSecond?: number
}

export type NotHashed = 'budget' | 'beyond-budget' | 'timeout'

/** The restored copy's hashes (null: table missing there) and how long they took. */
export interface RestoredHashes {
  byTable: Map<string, TableChecksum | null>
  seconds: number
  /** Tables whose hash the rest of verify-budget cut off: compared by a later drill. */
  cutOff: Set<string>
}

/** Part of a table's result; verify.ts merges the parts of all modules by table name. */
export type TablePart = Partial<TableResult> & { table: string }

export interface CheckOutcome {
  findings: Finding[]
  /** Per-table results; merged by table name across modules. */
  tables?: TablePart[]
  detail: string
  /** Nothing to check (e.g. no canary requested). */
  skipped?: boolean
  /** The schema check: the copy is on another major than the source. */
  acrossMajors?: AcrossMajors
}

export interface CheckModule {
  id: string
  title: string
  run(ctx: CheckContext): Promise<CheckOutcome>
}

/** How many of `findings` are mismatches. */
export const mismatches = (findings: Finding[]): number => mismatchCount({ findings })
