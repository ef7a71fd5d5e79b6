// method rollback (pure): the copy holds the source as it was at the target time, before every
// read this drill makes. An earlier drill's read of the same source (kept in the history) that
// finished before the target time opens a window around it: counts and write counters read then
// and now bound every table's count at the target time, and a table whose counters did not move
// between the two reads had the same content then as now, so its content can be compared.
// Without such a read the counts are reported as drift, and no content is compared.
import type { HistoryInput } from '../history/compare.js'
import { openingCounters } from '../verify/bounds.js'
import type { SourceCounts } from '../report/model.js'
import { nameParts } from '../verify/sql.js'
import type { CountSnapshot, SourceSnapshot, TableCount } from '../verify/types.js'

export interface RollbackWindow {
  /** When the earlier read finished (the window's start; before the target time). */
  readAt: string
  /** The source snapshot for the verification, with the earlier read as its counts. */
  before: SourceSnapshot
}

/** relfilenode of a table the earlier read did not know: treated as rewritten since (no lower bound). */
const UNKNOWN_FILE = -1

/** The newest earlier read of `addon` finished by `target`, or null when the history has none. */
export function earlierRead(
  history: HistoryInput | undefined,
  addon: string,
  target: Date
): SourceCounts | null {
  const reads = (history?.earlier ?? [])
    .map((f) => f.sourceCounts)
    .filter((c): c is SourceCounts => c !== undefined && c.addon === addon)
    .filter((c) => Date.parse(c.finishedAt) <= target.getTime())
    .sort((a, b) => Date.parse(b.finishedAt) - Date.parse(a.finishedAt))
  return reads[0] ?? null
}

/**
 * The window around the target: the earlier read as `before`, the drill's own snapshot (after the
 * target) as the read that closes it. A table created since the earlier read counts from zero,
 * as rewritten (every row it holds entered through a counted insert).
 */
export function rollbackWindow(read: SourceCounts, current: SourceSnapshot): RollbackWindow {
  const now = new Map(current.counts.tables.map((t) => [t.table, t]))
  const names = new Set([...Object.keys(read.tables), ...now.keys()])
  const tables = [...names].map((name) => tableThen(name, read, now.get(name)))
  const counts: CountSnapshot = {
    takenAt: read.takenAt,
    finishedAt: read.finishedAt,
    statsResetAt: read.statsResetAt,
    tables
  }
  // Large objects were not read then: a difference in them stays drift.
  const { largeObjects: _notReadThen, ...rest } = current
  return { readAt: read.finishedAt, before: { ...rest, counts } }
}

function tableThen(name: string, read: SourceCounts, now: TableCount | undefined): TableCount {
  const then = read.tables[name]
  const [schema, table] = now ? [now.schema, now.name] : splitName(name)
  const counted: TableCount = then
    ? {
        table: name,
        schema,
        name: table,
        rows: then[0],
        inserted: then[1],
        deleted: then[2],
        updated: then[3],
        ...(then[4] > 0 ? { relfilenode: then[4] } : {})
      }
    : {
        table: name,
        schema,
        name: table,
        rows: 0,
        inserted: 0,
        deleted: 0,
        updated: 0,
        relfilenode: UNKNOWN_FILE
      }
  // The drill's own read closes the window, for the choice of quiet tables.
  if (now) {
    counted.countersAfterCount = now.countersAfterCount ?? openingCounters(now)
  }
  return counted
}

/** A table's schema and name from its objectName (an earlier report's name, as the history kept it). */
function splitName(key: string): [string, string] {
  const parts = nameParts(key)
  if (parts?.length === 2) return [parts[0], parts[1]]
  // Not an objectName (an older report's name with a stray quote): the first dot splits it.
  const dot = key.indexOf('.')
  return dot < 0 ? ['public', key] : [key.slice(0, dot), key.slice(dot + 1)]
}
