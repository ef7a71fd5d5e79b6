// The fleet's matrix (pure): which apps are in it, which of their Heroku Postgres add-ons are drilled
// (leaders only, never the drill's own apps), the attachment each is named by, the suggested
// method, and the `matrix` JSON that discover writes and fleet-report reads back.
import { planShortName, planTier } from '../heroku/platform.js'
import { DRILL_APP_PATTERN } from '../safety.js'

export type FleetMethod = 'backup' | 'fork'

/** One entry of `strategy.matrix.include`: what a drill job needs, as PRODUCT.md §2 names it. */
export interface MatrixEntry {
  app: string
  /** The `database` input of the drill: the attachment's config var (DATABASE_URL). */
  database: string
  /** Plan without the service prefix (essential-0, standard-2). */
  plan: string
  /** essential, standard, premium, private, shield */
  tier: string
  method: FleetMethod
}

export interface NewestBackup {
  id: string
  finishedAt: string
  ageSeconds: number
}

/** A database discover lists: its matrix entry and what the summary tells about it. */
export interface FleetDatabase extends MatrixEntry {
  addonName: string
  team: string | null
  newestBackup: NewestBackup | null
  /** Why the suggested method, or what the drill will need (private-network). */
  note?: string
}

/** A heroku-postgresql add-on seen but not drilled, and why. */
export interface SkippedDatabase {
  app: string
  addonName: string
  reason: string
}

export interface AppFilter {
  /** Names or patterns with `*` (empty: every app). */
  include: string[]
  exclude: string[]
}

/** Heroku's guidance: logical backups get unreliable above about 20 GB (PRODUCT.md §3). */
export const LOGICAL_BACKUP_GUIDANCE_BYTES = 20e9
const PATTERN = /^[a-z0-9*][a-z0-9*-]*$/

/** `apps` / `exclude`: names or `*` patterns separated by commas, spaces or new lines. */
export function parseAppPatterns(input: string, text: string): string[] {
  const patterns = text
    .split(/[\s,]+/)
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '')
  const bad = patterns.find((p) => !PATTERN.test(p))
  if (bad !== undefined) {
    throw new Error(
      `${input}: "${bad}" is not an app name or pattern (lower-case letters, digits, dashes and *; example: billing-*, storefront)`
    )
  }
  return patterns
}

export function matchesPattern(pattern: string, name: string): boolean {
  const source = pattern.split('*').map(escapeRegExp).join('[a-z0-9-]*')
  return new RegExp(`^${source}$`).test(name)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Why an app is left out of the fleet, or null when it is in. The drill's own apps never are. */
export function appLeftOut(name: string, filter: AppFilter): string | null {
  if (DRILL_APP_PATTERN.test(name)) return 'a drill app of this action'
  if (filter.exclude.some((p) => matchesPattern(p, name))) return 'excluded'
  if (filter.include.length > 0 && !filter.include.some((p) => matchesPattern(p, name)))
    return 'not in apps'
  return null
}

/**
 * The attachment that names the add-on on its own app: DATABASE when it is one, else the first
 * plain (not namespaced) one in name order, as HEROKU_POSTGRESQL_<COLOR>; null when it has none.
 */
export function attachmentOf(
  addonId: string,
  attachments: { name: string; namespace: string | null; addon: { id: string } }[]
): string | null {
  const names = attachments
    .filter((a) => a.addon.id === addonId && !a.namespace)
    .map((a) => a.name)
    .sort()
  return names.includes('DATABASE') ? 'DATABASE' : (names[0] ?? null)
}

/** Postgres Advanced is refused by the drill (heroku-api.md §19.5): not in the matrix. */
export function isAdvancedPlan(plan: string): boolean {
  return /^(advanced|performance)/.test(planShortName(plan))
}

/**
 * `fork` where a logical backup cannot do the job: Shield has no backups, and above Heroku's
 * 20 GB guidance a Continuous-Protection copy is the real recovery path; `backup` everywhere else.
 */
export function suggestMethod(
  plan: string,
  databaseBytes: number | null
): { method: FleetMethod; note?: string } {
  const tier = planTier(plan)
  const protectedTier = ['standard', 'premium', 'private', 'shield'].includes(tier)
  const network =
    tier === 'private' || tier === 'shield'
      ? 'needs a runner inside the space (private-network: true)'
      : undefined
  if (tier === 'shield')
    return { method: 'fork', note: join('Shield has no logical backups', network) }
  if (protectedTier && databaseBytes !== null && databaseBytes > LOGICAL_BACKUP_GUIDANCE_BYTES)
    return { method: 'fork', note: join('above the 20 GB guidance for logical backups', network) }
  return { method: 'backup', ...(network ? { note: network } : {}) }
}

function join(...parts: (string | undefined)[]): string {
  return parts.filter((p) => p).join('; ')
}

export function matrixEntryOf(db: MatrixEntry): MatrixEntry {
  return { app: db.app, database: db.database, plan: db.plan, tier: db.tier, method: db.method }
}

/** The `matrix` output: entries in app, then database order (stable across runs). */
export function matrixJson(databases: MatrixEntry[]): string {
  return JSON.stringify(sortEntries(databases).map(matrixEntryOf))
}

export function sortEntries<T extends MatrixEntry>(entries: T[]): T[] {
  return [...entries].sort(
    (a, b) => a.app.localeCompare(b.app) || a.database.localeCompare(b.database)
  )
}

/** discover's `matrix` as fleet-report reads it back; a line naming the problem when it is not one. */
export function parseMatrix(text: string): MatrixEntry[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(
      "matrix: not JSON; pass the discover step's output as is (example: matrix: ${{ needs.discover.outputs.matrix }})"
    )
  }
  // Also accepted: the object form {include: [...]} that a workflow may build around it.
  const list =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as { include?: unknown }).include
      : parsed
  if (!Array.isArray(list)) throw new Error('matrix: expected a JSON array of {app, database, ...}')
  return list.map((item, i) => {
    const e = (item ?? {}) as Record<string, unknown>
    if (typeof e.app !== 'string' || e.app === '')
      throw new Error(`matrix: entry ${i + 1} has no app`)
    const database = typeof e.database === 'string' && e.database ? e.database : 'DATABASE_URL'
    const plan = typeof e.plan === 'string' ? e.plan : ''
    return {
      app: e.app,
      database,
      plan,
      tier: typeof e.tier === 'string' ? e.tier : plan ? planTier(plan) : '',
      method: e.method === 'fork' ? 'fork' : 'backup'
    }
  })
}

/** `DATABASE_URL`, `DATABASE`, `database_url` → `DATABASE`: one key for an attachment however it is named. */
export function attachmentKey(database: string): string {
  return database.trim().toUpperCase().replace(/_URL$/, '')
}
