// The simulator's records: apps, add-ons, attachments, releases, transfers and schedules as it
// keeps them, its options, and the time formats and names its answers use.
import { type PlanRec } from '../sim-catalog.js'
import type { FaultBoard } from '../sim-faults.js'
import { type DatabaseCredentials, type SimPostgres } from '../sim-pg.js'
import { type RecoveryPlan } from '../sim-protection.js'
import type { BackupLimits } from '../sim-rotation.js'

export interface AppRec {
  id: string
  name: string
  maintenance: boolean
  createdAt: string
  updatedAt: string
  nextTransferNum: number
  nextReleaseVersion: number
  /** Seconds a release phase takes; null: the app has no `release` process. */
  releasePhaseSeconds: number | null
  region: { id: string; name: string }
  /** The team the app belongs to; null for a personal app. */
  team: { id: string; name: string } | null
}

export interface AddonRec {
  id: string
  name: string
  appId: string
  plan: PlanRec
  state: 'provisioning' | 'provisioned' | 'deprovisioning' | 'deprovisioned'
  createdAt: string
  updatedAt: string
  config: Record<string, unknown>
  creds?: DatabaseCredentials
  failProvision: boolean
  /** When its database was created (ms); a rollback cannot go back before it. */
  databaseCreatedMs?: number
  /** How far a test hook moved its recovery history back (ms): its Rollback line shows earlier. */
  recoveryHistoryAgeMs?: number
  /** A fork or rollback: what it copies, and how far the recovery is (for wait_status). */
  recovery?: RecoveryPlan & { message: string }
  /** Why provisioning failed (no secrets), for wait_status. */
  provisionError?: string
  /** A follower (`config: {follow: …}`): the leader's add-on id (sim-followers.ts). */
  leaderId?: string
}

export interface AttachmentRec {
  id: string
  name: string
  namespace: string | null
  addonId: string
  appId: string
  createdAt: string
  updatedAt: string
}

export interface ReleaseRec {
  id: string
  version: number
  appId: string
  description: string
  /** pending while a release phase runs, then succeeded or failed. */
  status: 'pending' | 'succeeded' | 'failed'
  createdAt: string
  updatedAt: string
}

export interface LogLine {
  created_at: string
  level: string
  message: string
}

export interface TransferRec {
  uuid: string
  num: number
  appId: string
  kind: 'capture' | 'restore'
  fromType: string
  toType: string
  fromName: string
  toName: string
  fromUrl: string
  toUrl: string
  sourceAddonId?: string
  targetAddonId?: string
  scheduleUuid?: string
  file?: string
  /** null until the transfer starts; a restore keeps it null (as Heroku's do). */
  sourceBytes: number | null
  processedBytes: number
  /** How many manual backups of the source are kept (older ones are evicted). */
  numKeep: number
  /** Meaningful once finishedAt is set; answered as null before. */
  succeeded: boolean
  warnings: number
  createdAt: string
  /** null until the transfer has started (the POST answer has none). */
  updatedAt: string | null
  startedAt: string | null
  finishedAt: string | null
  canceledAt: string | null
  deletedAt: string | null
  logs: LogLine[]
  kill?: () => void
  /** Resolves when the transfer has finished (any outcome). */
  done: Promise<void>
}

export interface ScheduleRec {
  uuid: string
  appId: string
  name: string
  hour: number
  timezone: string
  days: string[]
  createdAt: string
  updatedAt: string
  /** Local date (in the schedule's time zone) of the last scheduled capture. */
  lastRunDate?: string
}

import type { MajorServers } from '../sim-majors.js'

export interface StateOptions {
  pg: SimPostgres
  faults: FaultBoard
  dumpDir: string
  baseUrl: () => string
  provisionDelaySeconds: number
  deprovisionDelaySeconds: number
  captureDelaySeconds: number
  restoreDelaySeconds: number
  /** Every secret known so far (passwords, URLs) for redaction. */
  secrets: Set<string>
  /** Manual backups kept per plan tier (default: manualBackupsKept). */
  backupLimits?: BackupLimits
  /** Servers of other PostgreSQL majors, for add-ons created with `config: {version}`. */
  majors: MajorServers
}

export const COLORS = [
  'AMBER',
  'AQUA',
  'BLACK',
  'BLUE',
  'BRONZE',
  'BROWN',
  'CHARCOAL',
  'COBALT',
  'COPPER',
  'CRIMSON',
  'CYAN',
  'GOLD',
  'GRAY',
  'GREEN',
  'IVORY',
  'JADE',
  'LIME',
  'MAROON',
  'MAUVE',
  'NAVY',
  'OLIVE',
  'ONYX',
  'ORANGE',
  'PINK',
  'PUCE',
  'PURPLE',
  'RED',
  'ROSE',
  'SILVER',
  'TEAL',
  'WHITE',
  'YELLOW'
]
export const ADJECTIVES = [
  'amorphous',
  'angular',
  'clean',
  'concave',
  'convex',
  'cubic',
  'curved',
  'flat',
  'octagonal',
  'opaque',
  'parallel',
  'perpendicular',
  'polished',
  'rectangular',
  'round',
  'shallow',
  'sinuous',
  'slippery',
  'solid',
  'spherical',
  'symmetrical',
  'transparent',
  'triangular',
  'vertical'
]
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
/** The schema's app name: 3-30 characters, lowercase letters, digits and dashes, from a letter. */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/
export const ADDON_NAME_PATTERN = /^[a-zA-Z][A-Za-z0-9_-]+$/
export const ATTACHMENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/

/** Platform API times are whole-second ISO 8601 (`2018-01-09T19:16:26Z`); kept so inside too. */
export const iso = (ms = Date.now()): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')

/** Data API times look like `2020-12-13 16:22:40 +0000`. */
export function dataTime(isoTime: string): string
export function dataTime(isoTime: string | null): string | null
export function dataTime(isoTime: string | null): string | null {
  if (isoTime === null) return null
  const whole = iso(Date.parse(isoTime))
  return `${whole.slice(0, 10)} ${whole.slice(11, 19)} +0000`
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref())

/** An attachment's config var: its name upper-cased, plus `_URL` (`svs_lower` → `SVS_LOWER_URL`). */
export function configVarName(att: { name: string }): string {
  return `${att.name.toUpperCase()}_URL`
}

export interface CreateAddonRequest {
  plan: PlanRec
  name?: string
  attachmentName?: string
  /** `{fork}`, `{rollback, to}` or `{rollback, by}` make a fork or rollback copy. */
  config?: Record<string, unknown>
  confirm?: string
  /** Ready at once, whatever the provisioning delay (the app's own DATABASE). */
  immediate?: boolean
}
