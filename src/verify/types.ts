// The contract between the drill (which reads databases at the right moments) and the
// verification engine (which compares what was read). Plain data only.

/** Anything that can run a query: a pg.Pool or pg.Client. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>
}

/** One table's exact row count and write counters (pg_stat_user_tables n_tup_ins / n_tup_del). */
export interface TableCount {
  /** Display name `schema.table`, unquoted (identifiers may contain dots, spaces, capitals). */
  table: string
  schema: string
  name: string
  rows: number
  inserted: number
  deleted: number
}

export interface CountSnapshot {
  takenAt: string
  tables: TableCount[]
}

/** One schema object, compared by (kind, name) with its definition. */
export interface SchemaObject {
  kind: string
  name: string
  definition: string
}

/** What the drill reads from the source before the capture. */
export interface SourceSnapshot {
  schema: SchemaObject[]
  counts: CountSnapshot
  /** Extension names installed in the source, for the restore request's `extensions` field. */
  extensions: string[]
  databaseBytes: number
}

/** One line of a transfer's verbose log. */
export interface TransferLogLine {
  created_at?: string
  level?: string
  message: string
}

export type BackupMode = 'capture' | 'latest' | 'id'

export interface VerifyOptions {
  backupMode: BackupMode
  /** Tables (`schema.table`) whose content is hashed on both sides; ['*'] for all. */
  checksumTables: string[]
  /** Named SQL assertions run on the restored database. */
  checks: { name: string; sql: string }[]
  restoreWarnings: 'triage' | 'strict' | 'allow'
  /** The canary written to the source before the capture, when enabled. */
  canary?: { id: string }
  /** Connections used per database for per-table work. */
  parallelism: number
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
}

export interface Verification {
  passed: boolean
  tables: TableResult[]
  checks: CheckSummary[]
  findings: Finding[]
  restoreWarnings: { harmless: string[]; real: string[] }
  tablesChecked: number
  rowsChecked: number
}
