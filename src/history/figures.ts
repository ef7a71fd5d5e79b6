// The key figures of one drill: what the history keeps of it (one JSON line in a history file, or
// read back from an earlier run's report). Names, counts, sizes and timings only.
import type { RecoveryMethod } from '../config.js'
import type { DrillReport, Outcome, SourceCounts } from '../report/model.js'
import { parseCoverage } from '../verify/coverage.js'
import type { ContentCoverage, CountSnapshot } from '../verify/types.js'

export type { SourceCounts } from '../report/model.js'

export const HISTORY_VERSION = 1
/** A clock a little ahead of the runner's is tolerated; a drill later than this has not run yet. */
const CLOCK_SKEW_MS = 5 * 60_000
const RUN_ID = /^\d{1,20}$/
const RUN_URL = /^https?:\/\/[^\s]{1,500}$/

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
  /** verify-budget's memory: which drill last verified each table's contents (carried forward). */
  contentCoverage?: ContentCoverage
  /** The workflow run of the drill (GITHUB_RUN_ID), so a wrong baseline can be traced to its artifact. */
  runId?: string
  /** That run's page. */
  runUrl?: string
}

/**
 * A record keyed by names from outside (tables of a report or a history line): without a
 * prototype, so a table named `constructor` or `__proto__` is a name like any other.
 */
export function ownRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const record = Object.create(null) as Record<string, T>
  for (const [key, value] of entries) record[key] = value
  return record
}

/** This run as the history keeps it (GitHub Actions only): its id and page. */
export function runOfEnv(
  env: Record<string, string | undefined>
): Pick<DrillFigures, 'runId' | 'runUrl'> {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: runId } = env
  if (!runId || !RUN_ID.test(runId)) return {}
  const runUrl = `${(server || 'https://github.com').replace(/\/$/, '')}/${repo}/actions/runs/${runId}`
  return repo && /^[\w.-]+\/[\w.-]+$/.test(repo) && RUN_URL.test(runUrl)
    ? { runId, runUrl }
    : { runId }
}

/** A drill dated after now (beyond a little clock skew): a crafted report or a clock far ahead. */
export function isFromTheFuture(
  f: Pick<DrillFigures, 'time' | 'sourceCounts'>,
  now: number
): boolean {
  const times = [f.time, f.sourceCounts?.takenAt, f.sourceCounts?.finishedAt]
  return times.some((t) => t !== undefined && Date.parse(t) > now + CLOCK_SKEW_MS)
}

/** The newest coverage in the history (earlier drills, newest first); undefined when none kept one. */
export function latestCoverage(
  earlier: readonly Pick<DrillFigures, 'contentCoverage'>[] | undefined
): ContentCoverage | undefined {
  return earlier?.find((f) => f.contentCoverage)?.contentCoverage
}

/** The source's before-the-backup read of a drill, as the history keeps it. */
export function sourceCountsOf(addon: string, counts: CountSnapshot): SourceCounts {
  return {
    addon,
    takenAt: counts.takenAt,
    finishedAt: counts.finishedAt ?? counts.takenAt,
    statsResetAt: counts.statsResetAt ?? null,
    tables: ownRecord(
      counts.tables.map((t) => [
        t.table,
        [t.rows, t.inserted, t.deleted, t.updated ?? 0, t.relfilenode ?? 0] as const
      ])
    )
  }
}

/** What the figures are read from: a report, or the report model's sections of a drill still running. */
export type FiguresSource = Pick<
  DrillReport,
  'startedAt' | 'app' | 'outcome' | 'method' | 'sourceCounts' | 'verification' | 'contentCoverage'
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
      ? ownRecord(Object.entries(read.tables).map(([table, row]) => [table, row[0]]))
      : ownRecord(report.verification.tables.map((t) => [t.table, t.sourceBefore]))
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
    ...(report.sourceCounts ? { sourceCounts: report.sourceCounts } : {}),
    ...(report.contentCoverage ? { contentCoverage: report.contentCoverage } : {})
  }
}

/** A history line or an earlier report's figures, checked field by field; null when it is neither. */
export function parseFigures(value: unknown): DrillFigures | null {
  if (value === null || typeof value !== 'object' || !validFigures(value)) return null
  const { tables, sourceCounts, contentCoverage, runId, runUrl, ...rest } =
    value as unknown as DrillFigures
  const coverage = contentCoverage === undefined ? null : parseCoverage(contentCoverage)
  // A malformed read, coverage or run is left out; the line's other figures still count.
  return {
    ...rest,
    tables: tables === null ? null : ownRecord(Object.entries(tables)),
    ...(sourceCounts !== undefined && validSourceCounts(sourceCounts)
      ? {
          sourceCounts: { ...sourceCounts, tables: ownRecord(Object.entries(sourceCounts.tables)) }
        }
      : {}),
    ...(coverage
      ? { contentCoverage: { ...coverage, tables: ownRecord(Object.entries(coverage.tables)) } }
      : {}),
    ...(typeof runId === 'string' && RUN_ID.test(runId) ? { runId } : {}),
    ...(typeof runUrl === 'string' && RUN_URL.test(runUrl) ? { runUrl } : {})
  }
}

function validFigures(value: object): boolean {
  const f = value as Record<string, unknown>
  const numberOrNull = (x: unknown) => x === null || (typeof x === 'number' && x >= 0)
  return (
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
  )
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
