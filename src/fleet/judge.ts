// The fleet report's judgement (pure): discover's matrix joined with the drill reports of this run.
// Each listed database gets its report's outcome, or `missing` when no report came back (a drill
// that never ran is a finding); reports of databases the matrix did not list are kept aside.
import type { DrillReport } from '../report/model.js'
import { mismatchCount } from '../verify/types.js'
import { attachmentKey, sortEntries, type MatrixEntry } from './matrix.js'

export type FleetStatus = 'passed' | 'failed' | 'error' | 'missing'

export interface FoundReport {
  /** The artifact (subfolder) the report came in. */
  artifact: string
  report: DrillReport
}

export interface RestoreTrend {
  /** The median restore time of earlier drills on the same path; null when there were none. */
  medianSeconds: number | null
  earlierDrills: number
}

export interface FleetRow {
  entry: MatrixEntry
  status: FleetStatus
  artifact: string | null
  /** The report's verdict (one line), or why there is no report. */
  verdict: string
  newestBackup: { id: string; ageSeconds: number } | null
  restoreSeconds: number | null
  trend: RestoreTrend | null
  mismatches: number | null
}

export interface FleetJudgement {
  rows: FleetRow[]
  /** Reports of databases the matrix did not list (another workflow's, a renamed app). */
  unlisted: FoundReport[]
  counts: { passed: number; failed: number; missing: number }
}

export function judgeFleet(matrix: MatrixEntry[], found: FoundReport[]): FleetJudgement {
  const used = new Set<FoundReport>()
  const rows = sortEntries(matrix).map((entry) => {
    const mine = newest(found.filter((f) => !used.has(f) && reportIsFor(f.report, entry)))
    if (!mine) return missingRow(entry)
    used.add(mine)
    return rowOf(entry, mine)
  })
  const counts = {
    passed: rows.filter((r) => r.status === 'passed').length,
    failed: rows.filter((r) => r.status === 'failed' || r.status === 'error').length,
    missing: rows.filter((r) => r.status === 'missing').length
  }
  return { rows, unlisted: found.filter((f) => !used.has(f)), counts }
}

/** The same app, and the same attachment however it was written (DATABASE_URL, DATABASE). */
export function reportIsFor(report: DrillReport, entry: MatrixEntry): boolean {
  if (report.app !== entry.app) return false
  const named = report.settings?.database ?? report.source?.attachment ?? 'DATABASE_URL'
  return attachmentKey(named) === attachmentKey(entry.database)
}

function newest(found: FoundReport[]): FoundReport | undefined {
  return [...found].sort(
    (a, b) => Date.parse(b.report.finishedAt) - Date.parse(a.report.finishedAt)
  )[0]
}

function missingRow(entry: MatrixEntry): FleetRow {
  return {
    entry,
    status: 'missing',
    artifact: null,
    verdict: 'no report: the drill did not run, or ended before it could upload its report',
    newestBackup: null,
    restoreSeconds: null,
    trend: null,
    mismatches: null
  }
}

function rowOf(entry: MatrixEntry, found: FoundReport): FleetRow {
  const report = found.report
  const newestBackup = report.backups?.newestBackup ?? null
  return {
    entry,
    status: report.outcome,
    artifact: found.artifact,
    verdict: report.verdict || `${report.outcome}`,
    newestBackup: newestBackup && { id: newestBackup.id, ageSeconds: newestBackup.ageSeconds },
    restoreSeconds: restoreSecondsOf(report),
    // history: none means nothing was compared, not a first drill.
    trend:
      report.history && report.history.source !== 'none'
        ? {
            medianSeconds: report.history.medianRestoreSeconds,
            earlierDrills: report.history.drills
          }
        : null,
    mismatches: report.verification ? mismatchCount(report.verification) : null
  }
}

/** As the drill's `restore-seconds` output: the restore, or for a fork the time until the copy was ready. */
export function restoreSecondsOf(report: DrillReport): number | null {
  return (
    report.restore?.seconds ??
    report.timings?.restoreSeconds ??
    report.recovery?.readySeconds ??
    null
  )
}
