import { parseHerokuTime } from './times.js'

/** Shapes of the Heroku Platform API and Postgres data API objects the drill reads. */

export interface HerokuApp {
  id: string
  name: string
  maintenance: boolean
  created_at?: string
  region?: { id?: string; name: string }
  /** null for a personal app */
  team?: { id?: string; name: string } | null
  /** a Private or Shield space, null in the Common Runtime */
  space?: { id?: string; name: string } | null
}

export interface Addon {
  id: string
  name: string
  /** provisioning | provisioned | deprovisioning | deprovisioned */
  state: string
  created_at: string
  /** Names only, e.g. ["RESTORE_DRILL_URL"]. */
  config_vars: string[]
  plan: { id?: string; name: string }
  app: { id: string; name: string }
  addon_service?: { id?: string; name: string }
}

export interface Attachment {
  id: string
  name: string
  namespace: string | null
  addon: { id: string; name: string; app: { id: string; name: string }; plan?: { name: string } }
  app: { id: string; name: string }
  config_vars?: string[]
}

export interface Transfer {
  uuid: string
  num: number
  from_type: string
  to_type: string
  from_name: string
  to_name: string
  /** May hold a database URL or a storage URL: a secret, never log it. */
  from_url?: string
  /** May hold a database URL or a storage URL: a secret, never log it. */
  to_url?: string
  schedule?: { uuid: string } | null
  /** null until the transfer starts; restores keep it null. */
  source_bytes: number | null
  processed_bytes: number
  /** null while the transfer runs; true or false once `finished_at` is set. */
  succeeded: boolean | null
  warnings: number
  /** How many backups of this kind Heroku keeps (transferatu's evictor; CLI src/lib/pg/types.ts). */
  num_keep?: number
  /** The times below are ISO 8601 as the data client returns them (Heroku sends `2020-12-13 16:22:40 +0000`). */
  created_at: string
  /** null until the transfer starts (the POST answer has none). */
  started_at: string | null
  updated_at?: string | null
  finished_at: string | null
  canceled_at: string | null
  deleted_at?: string | null
  /** Only with ?verbose=true. */
  logs?: { created_at?: string; level?: string; message: string }[]
}

export interface TransferSchedule {
  uuid: string
  name: string
  hour: number
  timezone: string
  days?: string[]
}

export interface WaitStatus {
  'waiting?': boolean
  'error?': boolean
  message: string
}

/** GET /client/v11/databases/{id}, with `database_password` removed by the client. */
export interface DatabaseInfo {
  num_bytes: number
  /** Absent on the Essential tier. */
  num_tables?: number
  /** Absent on the Essential tier: the data client then fills it from info[] "PG Version". */
  postgres_version?: string
  plan?: unknown
  info?: { name: string; values: unknown[] }[]
}

/**
 * A failed Heroku API call. `message` is one line, already redacted, and says what to do where
 * that is known. `status` is the HTTP status, or 0 when no response arrived (reset, refused,
 * timeout); `id` is Heroku's error id (`not_found`, `rate_limit`, ...) or the network error code.
 */
export class HerokuApiError extends Error {
  readonly status: number
  readonly id: string
  /** True when a write may have been applied although it failed (5xx, reset, timeout). */
  readonly ambiguous: boolean
  readonly method: string
  readonly path: string
  /** A 403's OAuth scope headers: the token's scopes and what the endpoint accepts. */
  readonly scopes: { token?: string; accepted?: string }

  constructor(
    message: string,
    fields: {
      status: number
      id: string
      ambiguous?: boolean
      method?: string
      path?: string
      scopes?: { token?: string; accepted?: string }
    }
  ) {
    super(message)
    this.name = 'HerokuApiError'
    this.status = fields.status
    this.id = fields.id
    this.ambiguous = fields.ambiguous ?? false
    this.method = fields.method ?? ''
    this.path = fields.path ?? ''
    this.scopes = fields.scopes ?? {}
  }
}

/**
 * How long a finished transfer ran by Heroku's clock, in seconds: from `started_at` (or
 * `created_at` when it never reported a start) to `finished_at`; null while it runs.
 */
export function transferSeconds(
  t: Pick<Transfer, 'created_at' | 'started_at' | 'finished_at'>
): number | null {
  if (!t.finished_at) return null
  const from = parseHerokuTime(t.started_at ?? t.created_at)
  const to = parseHerokuTime(t.finished_at)
  if (Number.isNaN(from) || Number.isNaN(to) || to < from) return null
  return (to - from) / 1000
}

/** Manual backup (b), scheduled backup (a), copy (c) or restore (r): as the Heroku CLI names them. */
export function transferKind(
  t: Pick<Transfer, 'from_type' | 'to_type' | 'schedule'>
): 'a' | 'b' | 'c' | 'r' {
  if (t.to_type === 'pg_restore') return t.from_type === 'pg_dump' ? 'c' : 'r'
  if (t.from_type === 'pg_dump' && t.schedule) return 'a'
  return 'b'
}

/** The CLI's display name of a transfer: kind letter plus `num` padded to 3 digits (b007, a123, b1234). */
export function backupName(t: Transfer): string {
  return transferKind(t) + String(t.num).padStart(3, '0')
}

/** A backup in the CLI's sense: pg_dump to object storage (`gof3r`). */
export function isBackup(t: Pick<Transfer, 'from_type' | 'to_type'>): boolean {
  return t.from_type === 'pg_dump' && t.to_type === 'gof3r'
}
