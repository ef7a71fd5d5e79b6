// The drill report: restore-drill-report.json, and the single source of every figure in the
// job summary and the outputs. Names, counts, hashes and timings only; never row contents,
// tokens or database URLs.
import type { BackupChoice, RecoveryMethod } from '../config.js'
import type { ContentCoverage, TransferLogLine, Verification } from '../verify/types.js'

export const REPORT_VERSION = 1

export type Outcome = 'passed' | 'failed' | 'error'

export type PhaseName =
  | 'preflight'
  | 'snapshot'
  | 'capture'
  | 'provision'
  | 'download'
  | 'restore'
  | 'verify'
  | 'promote'
  | 'report'
  | 'cleanup'

export interface PhaseRecord {
  phase: PhaseName
  startedAt: string
  seconds: number
  status: 'ok' | 'failed' | 'skipped'
  detail?: string
}

/** Seconds per phase; absent phases are omitted. Kept exactly: users chart these. */
export interface Timings {
  preflightSeconds?: number
  snapshotSeconds?: number
  captureSeconds?: number
  provisionSeconds?: number
  /** target-url: the backup file's download to the runner. */
  downloadSeconds?: number
  restoreSeconds?: number
  verifySeconds?: number
  promoteSeconds?: number
  cleanupSeconds?: number
  drillSeconds: number
}

/** target-url (an exit drill): where the copy was restored outside Heroku; never a URL or password. */
export interface ExitTargetFacts {
  /** The target server's host, as target-url names it. */
  host: string
  /** Its `server_version`, e.g. 17.4. */
  serverVersion: string
  /** The drill's database there (dropped at the end unless keep-database). */
  database: string
  /** The runner's pg_restore, e.g. 17.2. */
  client?: string
  downloadBytes?: number
  downloadSeconds?: number
}

export interface BackupFacts {
  /** a001 / b042 */
  id: string
  choice: BackupChoice['mode']
  transferId?: string
  sizeBytes: number | null
  /** When the backup finished on Heroku. */
  capturedAt: string | null
  ageSeconds: number | null
  sourceDatabase: string
}

export interface RecoveryFacts {
  method: 'fork' | 'rollback'
  /** The source add-on the copy was made from. */
  sourceAddon: string
  /** The time the copy was recovered to (a rollback's target); null for a fork (made when asked for). */
  targetTime: string | null
  /** The earliest time the source could be recovered to, as Heroku showed it; null when not shown. */
  earliest: string | null
  /** From the create request until the copy was available; null when it never was. */
  readySeconds: number | null
  /**
   * method rollback: when the earlier drill's read of the source that bounds the counts finished
   * (before the target time); null when none did, and the counts are drift.
   */
  readBefore?: string | null
}

export interface ScheduleFacts {
  /** Question 1: is there an automatic backup schedule, and how old is the newest backup? */
  scheduled: boolean
  schedule: { name: string; hour: number; timezone: string } | null
  newestBackup: { id: string; finishedAt: string; ageSeconds: number } | null
  recentBackups: { id: string; finishedAt: string | null; succeeded: boolean }[]
  /** False when the drill stopped before reading the backups (absent in older reports: read). */
  read?: boolean
  /** Backups of the team's that Heroku rotated out when the drill captured (absent: none). */
  pushedOut?: string[]
}

/** The inputs that shaped this drill, for audit evidence: never the token, check SQL or heartbeat URL. */
export interface DrillSettings {
  database: string
  /** capture | latest | a backup ID such as b042 */
  backup: string
  plan: string
  maintenance: boolean
  canary: boolean
  promote: boolean
  keepDatabase: boolean
  keepBackup: boolean
  /** auto | same | an app name */
  drillApp: string
  /** backup | fork | rollback (absent in reports before fork and rollback existed: backup). */
  method?: 'backup' | 'fork' | 'rollback'
  /** With method rollback: the rollback-to input (`30m`, or a UTC time). */
  rollbackTo?: string
  /** Names of the custom checks (their SQL stays in the workflow file). */
  checks: string[]
  checksumTables: string[]
  maxBackupAgeSeconds: number | null
  requireSchedule: boolean
  restoreWarnings: 'triage' | 'strict' | 'allow'
  maxRestoreMinutes: number | null
  timeoutMinutes: number
  verifyConnections: number
  /** verify-budget in seconds (null: none); added with issue 27, optional for older reports. */
  verifyBudgetSeconds?: number | null
  sourceStatementTimeoutSeconds?: number
  selfTest?: boolean
  /** Whether a heartbeat URL was given (the URL itself may hold a monitor key). */
  heartbeat: boolean
  /** artifacts | file | none (the path itself stays in the workflow file). */
  history?: 'artifacts' | 'file' | 'none'
  maxRowDrop?: number | null
}

export interface DrillReport {
  version: typeof REPORT_VERSION
  tool: { name: string; version: string }
  app: string
  outcome: Outcome
  /** One line, the summary's first: what passed or what failed. */
  verdict: string
  /** The one-line error when outcome is `error`. */
  error?: string
  startedAt: string
  finishedAt: string
  /** Added after v1's first draft; optional so older producers stay valid. Build with settingsOf(config). */
  settings?: DrillSettings
  source: {
    addonName: string
    attachment: string
    plan: string
    databaseBytes: number | null
    postgresVersion?: string
  }
  backups: ScheduleFacts
  /** The recovery path drilled (absent in reports made before fork and rollback: backup). */
  method?: 'backup' | 'fork' | 'rollback'
  /** method fork / rollback: the copy Heroku's Continuous Protection made; null otherwise. */
  recovery?: RecoveryFacts | null
  backup: BackupFacts | null
  restore: {
    addonName: string
    attachment: string
    plan: string
    transferId?: string
    seconds: number | null
    logs: TransferLogLine[]
  } | null
  /** target-url (an exit drill): the server outside Heroku the copy was restored on; absent otherwise. */
  exitTarget?: ExitTargetFacts | null
  verification: Verification | null
  promote: {
    promoted: boolean
    promotedBack: boolean
    finalDatabaseAddon: string | null
    maintenanceOff: boolean
  } | null
  timings: Timings
  timeline: PhaseRecord[]
  /** Where the restored copy lived (null when the drill stopped before preflight finished). */
  drillApp?: {
    name: string
    mode: 'auto' | 'same' | 'named'
    deleted: boolean
    /**
     * drill-app: NAME: what the drill changed on that app, in order, each a release that restarts
     * its dynos (absent for auto, an empty app deleted at the end, and same, which says it in a note).
     */
    releases?: string[]
  } | null
  cleanup: {
    destroyed: string[]
    /** The drill app deleted with its add-on (`drill-app: auto`). */
    appDeleted?: string | null
    /** The drill's own capture, deleted at the end (unless keep-backup). */
    backupDeleted?: string | null
    staleDestroyed: string[]
    /** keep-database: the copy, and the app it lives on (its billing app; absent in earlier reports). */
    kept: { addonName: string; attachment: string; app?: string } | null
    problems: string[]
  }
  /** Things a reader should know that did not fail the drill (rotation of manual backups, size guidance...). */
  notes: string[]
  runbook: { restoreSeconds: number | null; commands: string[] }
  /**
   * The source's counts and write counters read before the backup (names and numbers only), kept
   * so a later rollback drill can bound its counts with this read.
   */
  sourceCounts?: SourceCounts | null
  /** This drill compared with earlier drills of the app (history input); null when not compared. */
  history?: HistoryComparison | null
  /** The PostgreSQL majors of the source and of the copy (absent in earlier reports). */
  versions?: { source: number; copy: number } | null
  /** postgres-version above the source's: what the upgrade rehearsal found (absent otherwise). */
  upgrade?: UpgradeFacts | null
  /** The drill's connections on the source: the most it held, its cap, and `used/limit` before it. */
  sourceConnections?: SourceConnections | null
  /** The token's OAuth scopes as Heroku reported them (`Oauth-Scope`); null when none was seen. */
  tokenScopes?: string | null
  /** dry-run: what a real drill would create and delete; null for a real drill. */
  dryRun?: DryRunPlan | null
  /**
   * Which drill last verified each table's contents, this drill included (verify-budget's memory,
   * carried from the history's newest record); null without content hashing.
   */
  contentCoverage?: ContentCoverage | null
}

/** An upgrade rehearsal: the copy on a newer major than the source. */
export interface UpgradeFacts {
  sourceMajor: number
  copyMajor: number
  /** `kind name` of each object whose definitions differ only in form between the majors, judged equal. */
  judgedEqual: string[]
  /** NOT NULL constraint rows of PostgreSQL 18 compared as the columns' NOT NULL. */
  notNullConstraints: number
  /** The source's extensions the copy's major does not offer. */
  unavailableExtensions: string[]
}

export interface SourceConnections {
  peak: number
  max: number
  before: { used: number; limit: number } | null
}

export interface DryRunPlan {
  wouldCreate: string[]
  wouldDelete: string[]
}

// The history's shapes as the report shows them; history/ computes them.

/** One read of the source's counts (report `sourceCounts`): names and numbers only. */
export interface SourceCounts {
  /** The source add-on read; a read of another database bounds nothing. */
  addon: string
  /** The counters were read before the counts; the counts were all done by `finishedAt`. */
  takenAt: string
  finishedAt: string
  statsResetAt: string | null
  /** `schema.table` → [rows, inserted, deleted, updated, relfilenode (0 when unknown)] */
  tables: Record<string, [number, number, number, number, number]>
}

export type HistorySource = 'artifacts' | 'file' | 'none'

export interface Regression {
  kind:
    | 'restore-slower'
    | 'restore-over-limit'
    | 'backup-shrank'
    | 'rows-dropped'
    | 'table-rows-dropped'
  severity: 'warning' | 'failure'
  message: string
  table?: string
}

export interface TrendPoint {
  time: string
  outcome: Outcome
  method: RecoveryMethod
  backupId: string | null
  restoreSeconds: number | null
  backupBytes: number | null
  totalRows: number | null
  drillSeconds: number
  /** This drill (the last point). */
  current: boolean
}

export interface HistoryComparison {
  source: HistorySource
  problem?: string
  /** Earlier drills compared with. */
  drills: number
  /** The last passing earlier drill: the baseline of backup size, rows and tables. */
  baseline: { time: string; backupId: string | null } | null
  medianRestoreSeconds: number | null
  /** Oldest first; this drill last. */
  trend: TrendPoint[]
  regressions: Regression[]
  /** New tables, tables gone from the schema, the first drill: told, not flagged. */
  notes: string[]
}
