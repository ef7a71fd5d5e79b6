// Content coverage over drills (verify-budget): which drill last verified each table's contents.
// The history keeps one record per drill, carried forward, so the newest line alone says how old
// every table's last verification is. Pure: records in, records and words out.
import { plural } from '../format.js'
import type { ContentBudget, ContentCoverage } from './types.js'

export type { ContentCoverage } from './types.js'

/**
 * The coverage after this drill: the tables hashed now are verified by it; the others keep their
 * earlier drill; tables no longer in the database are dropped.
 */
export function nextCoverage(
  previous: ContentCoverage | undefined,
  drillTime: string,
  verifiedNow: Iterable<string>,
  currentTables: Iterable<string>,
  rowsPerSecond?: number
): ContentCoverage {
  const drill = (previous?.drill ?? 0) + 1
  const now = new Set(verifiedNow)
  const tables: ContentCoverage['tables'] = {}
  for (const table of currentTables) {
    const earlier = previous?.tables[table]
    if (now.has(table)) tables[table] = [drill, drillTime]
    else if (earlier) tables[table] = earlier
  }
  return { drill, tables, ...(rowsPerSecond ? { rowsPerSecond } : {}) }
}

/**
 * How many drills ago each table was last verified, seen from the drill about to run after
 * `previous` (1 = by the previous drill); a table never verified is absent.
 */
export function drillsAgo(previous: ContentCoverage | undefined): Map<string, number> {
  const ages = new Map<string, number>()
  if (!previous) return ages
  for (const [table, [drill]] of Object.entries(previous.tables))
    ages.set(table, previous.drill + 1 - drill)
  return ages
}

/**
 * The summary's one line: "contents of 212 of 640 tables this drill; every table within the last
 * 4 drills; oldest: public.events, 3 drills ago". `coverage` is this drill's (from nextCoverage).
 */
export function coverageLine(coverage: ContentCoverage, currentTables: string[]): string {
  const verifiedNow = currentTables.filter((t) => coverage.tables[t]?.[0] === coverage.drill)
  const head = `contents of ${verifiedNow.length} of ${plural(currentTables.length, 'table')} this drill`
  const never = currentTables.filter((t) => !coverage.tables[t])
  if (never.length > 0) {
    const first = [...never].sort()[0]
    return `${head}; ${plural(never.length, 'table')} not verified yet (e.g. ${first})`
  }
  let oldest: { table: string; ago: number } | null = null
  for (const table of [...currentTables].sort()) {
    const ago = coverage.drill - coverage.tables[table][0]
    if (!oldest || ago > oldest.ago) oldest = { table, ago }
  }
  if (!oldest || oldest.ago === 0) return head
  return (
    `${head}; every table within the last ${plural(oldest.ago + 1, 'drill')}; ` +
    `oldest: ${oldest.table}, ${plural(oldest.ago, 'drill')} ago`
  )
}

/** A coverage record read back from a history line; null when malformed. */
export function parseCoverage(value: unknown): ContentCoverage | null {
  if (value === null || typeof value !== 'object') return null
  const c = value as Record<string, unknown>
  if (!Number.isInteger(c.drill) || (c.drill as number) < 1) return null
  if (c.tables === null || typeof c.tables !== 'object') return null
  if (
    c.rowsPerSecond !== undefined &&
    !(typeof c.rowsPerSecond === 'number' && c.rowsPerSecond > 0)
  )
    return null
  for (const entry of Object.values(c.tables as object)) {
    if (!Array.isArray(entry) || entry.length !== 2) return null
    const [drill, at] = entry as unknown[]
    if (!Number.isInteger(drill) || (drill as number) > (c.drill as number)) return null
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return null
  }
  return value as ContentCoverage
}

/** verify-budget for the drill about to run, from the newest coverage the history holds. */
export function budgetFrom(seconds: number, previous: ContentCoverage | undefined): ContentBudget {
  return {
    seconds,
    drillsAgo: drillsAgo(previous),
    ...(previous?.rowsPerSecond ? { rowsPerSecond: previous.rowsPerSecond } : {})
  }
}
