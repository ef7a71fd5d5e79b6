// This drill compared with earlier drills of the same app (pure): the trend of the key figures and
// the regressions, each naming its figures. Only a table that lost more than max-row-drop % of its
// rows fails the drill; everything else here is a warning or a note.
import { formatBytes, formatCount, formatDuration, plural } from '../format.js'
import type { RecoveryMethod } from '../config.js'
import type { HistoryComparison, HistorySource, Regression, TrendPoint } from '../report/model.js'
import { methodOf, type DrillFigures } from './figures.js'

export type { HistoryComparison, HistorySource, Regression, TrendPoint } from '../report/model.js'

/** Earlier drills read and shown at most. */
export const MAX_HISTORY = 30
/** The median restore time is taken over this many recent drills. */
const RECENT_RESTORES = 10
/** A restore this much slower than the median is a regression... */
const SLOWER_FACTOR = 1.5
/** ...when it is also this many seconds slower: a 2 s restore taking 4 s is noise, not a regression. */
const MIN_SLOWER_SECONDS = 10
/** A backup size or row total that fell by more than this since the last passing drill. */
const SHARP_DROP_PERCENT = 25
/** Without max-row-drop, a table that lost more than this is a warning. */
const TABLE_DROP_WARN_PERCENT = 50

/** What main hands buildReport: the earlier drills found, or why there are none. */
export interface HistoryInput {
  source: HistorySource
  /** Earlier drills of this app, newest first, at most MAX_HISTORY. */
  earlier: DrillFigures[]
  /** Why the history could not be read; the drill goes on without it. */
  problem?: string
}

export interface CompareLimits {
  maxRowDrop: number | null
  maxRestoreMinutes: number | null
}

export function compareWithHistory(
  current: DrillFigures,
  history: HistoryInput,
  limits: CompareLimits
): HistoryComparison {
  const earlier = history.earlier.slice(0, MAX_HISTORY)
  const base = earlier.find((f) => f.outcome === 'passed') ?? null
  // Restore times are compared along the same path only: a fork and a pg_restore differ by nature.
  const samePath = earlier.filter((f) => methodOf(f) === methodOf(current))
  const median = medianRestore(samePath)
  const regressions = [
    ...restoreRegressions(current, median, samePath, limits),
    ...(base ? shrinkRegressions(current, base) : []),
    ...(base ? tableRegressions(current, base, limits.maxRowDrop) : [])
  ]
  return {
    source: history.source,
    ...(history.problem ? { problem: history.problem } : {}),
    drills: earlier.length,
    baseline: base ? { time: base.time, backupId: base.backupId } : null,
    medianRestoreSeconds: median,
    trend: [...earlier]
      .reverse()
      .map((f) => point(f, false))
      .concat(point(current, true)),
    regressions,
    notes: [...historyNotes(current, history, earlier.length, base), ...pathNotes(current, earlier)]
  }
}

/** The regressions that fail the drill (max-restore-minutes fails it already, as a policy). */
export function historyFailures(comparison: HistoryComparison | null): string[] {
  return (comparison?.regressions ?? [])
    .filter((r) => r.severity === 'failure' && r.kind !== 'restore-over-limit')
    .map((r) => r.message)
}

function point(f: DrillFigures, current: boolean): TrendPoint {
  return {
    time: f.time,
    outcome: f.outcome,
    method: methodOf(f),
    backupId: f.backupId,
    restoreSeconds: f.restoreSeconds,
    backupBytes: f.backupBytes,
    totalRows: f.totalRows,
    drillSeconds: f.drillSeconds,
    current
  }
}

function medianRestore(earlier: DrillFigures[]): number | null {
  const times = earlier
    .map((f) => f.restoreSeconds)
    .filter((s): s is number => s !== null)
    .slice(0, RECENT_RESTORES)
    .sort((a, b) => a - b)
  if (times.length === 0) return null
  const mid = Math.floor(times.length / 2)
  return times.length % 2 === 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2
}

function restoreRegressions(
  current: DrillFigures,
  median: number | null,
  earlier: DrillFigures[],
  limits: CompareLimits
): Regression[] {
  const seconds = current.restoreSeconds
  if (seconds === null) return []
  const out: Regression[] = []
  if (
    median !== null &&
    seconds > median * SLOWER_FACTOR &&
    seconds - median >= MIN_SLOWER_SECONDS
  ) {
    const n = Math.min(RECENT_RESTORES, earlier.filter((f) => f.restoreSeconds !== null).length)
    out.push({
      kind: 'restore-slower',
      severity: 'warning',
      message: `restore took ${formatDuration(seconds)}, ${percent((seconds - median) / median)} slower than the median ${formatDuration(median)} of the last ${plural(n, 'drill')}`
    })
  }
  if (limits.maxRestoreMinutes !== null && seconds > limits.maxRestoreMinutes * 60) {
    out.push({
      kind: 'restore-over-limit',
      severity: 'failure',
      message: `restore took ${formatDuration(seconds)}, over max-restore-minutes ${limits.maxRestoreMinutes}`
    })
  }
  return out
}

function shrinkRegressions(current: DrillFigures, base: DrillFigures): Regression[] {
  const out: Regression[] = []
  const since = `since the last passing drill (${drillOf(base)})`
  const bytesDrop = dropPercent(base.backupBytes, current.backupBytes)
  if (bytesDrop !== null && bytesDrop > SHARP_DROP_PERCENT) {
    out.push({
      kind: 'backup-shrank',
      severity: 'warning',
      message: `backup ${current.backupId ?? '(unnamed)'} is ${formatBytes(current.backupBytes ?? 0)}, ${Math.round(bytesDrop)} % smaller than ${base.backupId ?? 'the backup'} (${formatBytes(base.backupBytes ?? 0)}) ${since}`
    })
  }
  const rowsDrop = dropPercent(base.totalRows, current.totalRows)
  if (rowsDrop !== null && rowsDrop > SHARP_DROP_PERCENT) {
    out.push({
      kind: 'rows-dropped',
      severity: 'warning',
      message: `source rows fell from ${formatCount(base.totalRows ?? 0)} to ${formatCount(current.totalRows ?? 0)} (${Math.round(rowsDrop)} % fewer) ${since}`
    })
  }
  return out
}

function tableRegressions(
  current: DrillFigures,
  base: DrillFigures,
  maxRowDrop: number | null
): Regression[] {
  if (!current.tables || !base.tables) return []
  const threshold = maxRowDrop ?? TABLE_DROP_WARN_PERCENT
  const out: Regression[] = []
  for (const [table, before] of Object.entries(base.tables)) {
    const now = rowsOf(current.tables, table)
    const drop = now === undefined ? null : dropPercent(before, now)
    if (now === undefined || drop === null || drop <= threshold) continue
    const limit = maxRowDrop === null ? '' : `, more than max-row-drop ${maxRowDrop} %`
    out.push({
      kind: 'table-rows-dropped',
      severity: maxRowDrop === null ? 'warning' : 'failure',
      table,
      message: `${table} lost ${Math.round(drop)} % of its rows since the last passing drill (${formatCount(before)} → ${formatCount(now)}, ${drillOf(base)})${limit}`
    })
  }
  return out
}

function historyNotes(
  current: DrillFigures,
  history: HistoryInput,
  drills: number,
  base: DrillFigures | null
): string[] {
  if (history.source === 'none') return ['History is off (history: none).']
  if (history.problem) return [`History unavailable: ${history.problem}`]
  if (drills === 0) return [`No history yet: this is the first drill of ${current.app} on record.`]
  if (!base)
    return [
      `None of the ${plural(drills, 'earlier drill')} passed: backup size, rows and tables have no baseline yet.`
    ]
  if (!current.tables || !base.tables) return []
  const [now, then] = [current.tables, base.tables]
  const added = Object.keys(now).filter((t) => rowsOf(then, t) === undefined)
  const gone = Object.keys(then).filter((t) => rowsOf(now, t) === undefined)
  const notes: string[] = []
  if (added.length) notes.push(`New since the last passing drill: ${listed(added)}.`)
  if (gone.length)
    notes.push(
      `Gone from the schema since the last passing drill (dropped on purpose?): ${listed(gone)}.`
    )
  return notes
}

const PATH_NAMES: Record<RecoveryMethod, string> = {
  backup: 'logical backup (pg:backups restore)',
  fork: 'fork',
  rollback: 'rollback'
}

/**
 * When the history holds more than one recovery path, the median time to a usable copy of each
 * (this drill included): how long a restore takes along each path Heroku offers.
 */
function pathNotes(current: DrillFigures, earlier: DrillFigures[]): string[] {
  const all = [current, ...earlier]
  const methods = (['backup', 'fork', 'rollback'] as const).filter((m) =>
    all.some((f) => methodOf(f) === m && f.restoreSeconds !== null)
  )
  if (methods.length < 2) return []
  const parts = methods.map((m) => {
    const ofPath = all.filter((f) => methodOf(f) === m)
    const n = ofPath.filter((f) => f.restoreSeconds !== null).length
    return `${PATH_NAMES[m]} ${formatDuration(medianRestore(ofPath) ?? 0)} (${plural(n, 'drill')})`
  })
  return [
    `Time to a usable copy by recovery path, median of the recent drills: ${parts.join('; ')}.`
  ]
}

/** A table's rows, never a prototype's member: table names come from earlier reports. */
function rowsOf(tables: Record<string, number>, table: string): number | undefined {
  return Object.hasOwn(tables, table) ? tables[table] : undefined
}

/**
 * The earlier drill a comparison is made with: its time and, when known, its run, so that a
 * failure that comes from history alone can be traced to the artifact it came from.
 */
function drillOf(base: DrillFigures): string {
  if (!base.runId) return shortTime(base.time)
  return `${shortTime(base.time)}, run ${base.runId}${base.runUrl ? ` (${base.runUrl})` : ''}`
}

/** How many percent `now` is below `before`; null when either is unknown or `before` is 0. */
function dropPercent(before: number | null, now: number | null): number | null {
  if (before === null || now === null || before <= 0) return null
  return ((before - now) / before) * 100
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`
}

function shortTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}

function listed(names: string[]): string {
  const shown = names.slice(0, 5).join(', ')
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown
}
