// The key figures of one drill: what the history keeps of it (one JSON line in a history file, or
// read back from an earlier run's report). Names, counts, sizes and timings only.
import type { RecoveryMethod } from '../config.js'
import type { DrillReport, Outcome, SourceCounts } from '../report/model.js'
import type { CountSnapshot } from '../verify/types.js'

export type { SourceCounts } from '../report/model.js'

export const HISTORY_VERSION = 1

export interface DrillFigures {
  v: typeof HISTORY_VERSION
  /** When the drill started (ISO). */
  time: string
  app: string
  outcome: Outcome
  /** The recovery path drilled; absent in lines written before fork and rollback existed: backup. */
  method?: RecoveryMethod
  backupId: string | null
  backupBytes: number | null
  restoreSeconds: number | null
  drillSeconds: number
  /**
   * The source's counts and write counters as this drill read them before its backup: a later
   * rollback drill whose target time falls after this read bounds its counts with it.
   */
  sourceCounts?: SourceCounts
  /** Source row count per table (`schema.table`), as counted before the backup; null without verification. */
  tables: Record<string, number> | null
  totalRows: number | null
}

/** The source's before-the-backup read of a drill, as the history keeps it. */
export function sourceCountsOf(addon: string, counts: CountSnapshot): SourceCounts {
  return {
    addon,
    takenAt: counts.takenAt,
    finishedAt: counts.finishedAt ?? counts.takenAt,
    statsResetAt: counts.statsResetAt ?? null,
    tables: Object.fromEntries(
      counts.tables.map((t) => [
        t.table,
        [t.rows, t.inserted, t.deleted, t.updated ?? 0, t.relfilenode ?? 0]
      ])
    )
  }
}

/** What the figures are read from: a report, or the report model's sections of a drill still running. */
export type FiguresSource = Pick<
  DrillReport,
  'startedAt' | 'app' | 'outcome' | 'method' | 'sourceCounts' | 'verification'
> & {
  backup: { id: string; sizeBytes: number | null } | null
  restore: { seconds: number | null } | null
  timings: { drillSeconds: number }
}

/** The figures of a report (this drill's, or an earlier one read back). */
export function figuresOfReport(report: FiguresSource): DrillFigures {
  const read = report.sourceCounts
  const tables = !report.verification
    ? null
    : read
      ? Object.fromEntries(Object.entries(read.tables).map(([table, row]) => [table, row[0]]))
      : Object.fromEntries(report.verification.tables.map((t) => [t.table, t.sourceBefore]))
  return {
    v: HISTORY_VERSION,
    time: report.startedAt,
    app: report.app,
    outcome: report.outcome,
    method: report.method ?? 'backup',
    backupId: report.backup?.id ?? null,
    backupBytes: report.backup?.sizeBytes ?? null,
    restoreSeconds: report.restore?.seconds ?? null,
    drillSeconds: report.timings.drillSeconds,
    tables,
    totalRows: tables ? Object.values(tables).reduce((sum, n) => sum + n, 0) : null,
    ...(report.sourceCounts ? { sourceCounts: report.sourceCounts } : {})
  }
}

/** A history line or an earlier report's figures, checked field by field; null when it is neither. */
export function parseFigures(value: unknown): DrillFigures | null {
  if (value === null || typeof value !== 'object') return null
  const f = value as Record<string, unknown>
  const numberOrNull = (x: unknown) => x === null || (typeof x === 'number' && x >= 0)
  const ok =
    typeof f.time === 'string' &&
    !Number.isNaN(Date.parse(f.time)) &&
    typeof f.app === 'string' &&
    (f.outcome === 'passed' || f.outcome === 'failed' || f.outcome === 'error') &&
    (f.method === undefined || ['backup', 'fork', 'rollback'].includes(f.method as string)) &&
    (f.backupId === null || typeof f.backupId === 'string') &&
    numberOrNull(f.backupBytes) &&
    numberOrNull(f.restoreSeconds) &&
    typeof f.drillSeconds === 'number' &&
    numberOrNull(f.totalRows) &&
    (f.tables === null || validTables(f.tables))
  if (!ok) return null
  const figures = f as unknown as DrillFigures
  // A malformed read is left out; the line's other figures still count.
  if (figures.sourceCounts !== undefined && !validSourceCounts(figures.sourceCounts)) {
    const { sourceCounts: _dropped, ...rest } = figures
    return rest
  }
  return figures
}

function validSourceCounts(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const c = value as Record<string, unknown>
  const time = (x: unknown) => typeof x === 'string' && !Number.isNaN(Date.parse(x))
  return (
    typeof c.addon === 'string' &&
    time(c.takenAt) &&
    time(c.finishedAt) &&
    (c.statsResetAt === null || typeof c.statsResetAt === 'string') &&
    c.tables !== null &&
    typeof c.tables === 'object' &&
    Object.values(c.tables as object).every(
      (row) =>
        Array.isArray(row) &&
        row.length === 5 &&
        row.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)
    )
  )
}

function validTables(tables: unknown): boolean {
  if (tables === null || typeof tables !== 'object' || Array.isArray(tables)) return false
  return Object.values(tables).every((n) => typeof n === 'number' && n >= 0)
}

/** Newest first, at most `limit`, only this app's. */
export function newestFirst(figures: DrillFigures[], app: string, limit: number): DrillFigures[] {
  return figures
    .filter((f) => f.app === app)
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))
    .slice(0, limit)
}

/** The path a drill took: `backup` for lines written before fork and rollback existed. */
export function methodOf(f: Pick<DrillFigures, 'method'>): RecoveryMethod {
  return f.method ?? 'backup'
}
