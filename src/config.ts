// The validated inputs of one drill (action.yml's inputs). Built by inputs.ts, read by everything else.
import type { VerifyOptions } from './verify/types.js'

export type BackupChoice = { mode: 'capture' } | { mode: 'latest' } | { mode: 'id'; id: string }

/** Where the restored copy lives: a new app per drill, the production app itself, or a named app. */
export type DrillAppChoice = { mode: 'auto' } | { mode: 'same' } | { mode: 'named'; name: string }

/** The recovery path drilled: a logical backup (pg:backups), or Continuous Protection's fork or rollback. */
export type RecoveryMethod = 'backup' | 'fork' | 'rollback'

/** `rollback-to`: a duration before the drill's start, or a UTC time. */
export type RollbackTarget =
  { mode: 'ago'; seconds: number; text: string } | { mode: 'at'; time: Date }

/** How a rollback target reads in the report and in messages: `30m`, or the UTC time. */
export function rollbackLabel(target: RollbackTarget): string {
  return target.mode === 'ago' ? target.text : target.time.toISOString().replace('.000Z', 'Z')
}

/** checksum-tables `auto`: every table without writes in the capture window (no table's objectName lacks a dot). */
export const AUTO_CHECKSUMS = 'auto'

/** Where earlier drills are found: this workflow's report artifacts, a JSON-lines file, or nowhere. */
export type HistoryChoice =
  { mode: 'artifacts' } | { mode: 'none' } | { mode: 'file'; path: string }

export interface DrillConfig {
  app: string
  apiKey: string
  /** Attachment / config var name (DATABASE_URL, HEROKU_POSTGRESQL_CYAN_URL, CYAN) or add-on name. */
  database: string
  backup: BackupChoice
  /** 'same' as the source, or a heroku-postgresql plan name such as `standard-0`. */
  plan: string
  maintenance: boolean
  canary: boolean
  checks: VerifyOptions['checks']
  /** `schema.table` names, or ['*'] for every table; [] for none. */
  checksumTables: string[]
  promote: boolean
  keepDatabase: boolean
  /** Keep the backup this drill captured; otherwise it is deleted when the drill ends. */
  keepBackup: boolean
  drillApp: DrillAppChoice
  method: RecoveryMethod
  /** With method rollback: the time to roll back to; null with the other methods. */
  rollbackTo: RollbackTarget | null
  /** null when the input is empty (no age limit). */
  maxBackupAgeSeconds: number | null
  requireSchedule: boolean
  restoreWarnings: VerifyOptions['restoreWarnings']
  maxRestoreMinutes: number | null
  heartbeatUrl: string | null
  timeoutMinutes: number
  /** Artifact name; `restore-drill-<app>` when the input is empty. */
  reportName: string
  /** Connections per database for per-table verification work (input `verify-connections`). */
  verifyConnections: number
  /** verify-budget in seconds; null: no budget, every chosen table is hashed. */
  verifyBudgetSeconds: number | null
  /** source-statement-timeout in seconds (default 600): the limit of each read on the source. */
  sourceStatementTimeoutSeconds: number
  /** self-test: plant known defects in the copy (rolled back) and require each caught. */
  selfTest: boolean
  history: HistoryChoice
  /** Percentage of a table's rows it may lose between passing drills; null: such a loss only warns. */
  maxRowDrop: number | null
  /** Reads earlier runs' artifacts (history: artifacts); '' when none was given. A secret. */
  githubToken: string
  /** Read what preflight reads and SELECT 1 on the source; write nothing. */
  dryRun: boolean
  /** The runner can reach Private and Shield databases (inside the space's network). */
  privateNetwork: boolean
  /** Major version of the fresh add-on: the source's, or a number not lower than it. */
  postgresVersion: 'same' | number
  /** target-url: an admin URL of a server outside Heroku (an exit drill); null: restore on Heroku. A secret. */
  targetUrl: string | null
}

/** PostgreSQL majors `postgres-version` accepts (Heroku supports three at a time; §19.4). */
export const POSTGRES_MAJORS = [14, 15, 16, 17, 18]
