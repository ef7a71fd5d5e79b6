// The key figures of one drill: what the history keeps of it (one JSON line in a history file, or
// read back from an earlier run's report). Names, counts, sizes and timings only.
import type { RecoveryMethod } from '../config.js'
import type { DrillFacts } from '../facts.js'
import type { DrillReport, Outcome } from '../report/model.js'

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
  /** Source row count per table (`schema.table`), as counted before the backup; null without verification. */
  tables: Record<string, number> | null
  totalRows: number | null
}

/** The figures of a report (this drill's, or an earlier one read back). */
export function figuresOfReport(report: DrillReport): DrillFigures {
  const tables = report.verification
    ? Object.fromEntries(report.verification.tables.map((t) => [t.table, t.sourceBefore]))
    : null
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
    totalRows: tables ? Object.values(tables).reduce((sum, n) => sum + n, 0) : null
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
  return ok ? (f as unknown as DrillFigures) : null
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

/** The figures of the drill that just ran, from its facts, before its report exists. */
export function figuresOfFacts(app: string, facts: DrillFacts, outcome: Outcome): DrillFigures {
  const tables = facts.verification
    ? Object.fromEntries(facts.verification.tables.map((t) => [t.table, t.sourceBefore]))
    : null
  return {
    v: HISTORY_VERSION,
    time: facts.startedAt.toISOString(),
    app,
    outcome,
    method: facts.preflight?.recovery?.method ?? 'backup',
    backupId: facts.backup?.id ?? null,
    backupBytes: facts.backup?.sizeBytes ?? null,
    restoreSeconds: facts.restore?.seconds ?? null,
    drillSeconds: facts.timings.drillSeconds,
    tables,
    totalRows: tables ? Object.values(tables).reduce((sum, n) => sum + n, 0) : null
  }
}

/** The path a drill took: `backup` for lines written before fork and rollback existed. */
export function methodOf(f: Pick<DrillFigures, 'method'>): RecoveryMethod {
  return f.method ?? 'backup'
}
