// The step outputs of action.yml, every one a string, all derived from the report.
import type { DrillReport } from './model.js'

/**
 * Every output of action.yml. A figure the drill never reached is '' (not '0': a workflow
 * testing `mismatches == '0'` must not pass when nothing was verified). Seconds are whole
 * seconds, rounded, except `restore-seconds` (one decimal: short restores are what users compare).
 * `restored-attachment` is present only when the restored add-on was kept.
 */
export function outputsFor(
  report: DrillReport,
  extra: { reportPath?: string } = {}
): Record<string, string> {
  const v = report.verification
  const restoreSeconds = report.restore?.seconds ?? report.timings.restoreSeconds ?? null
  const outputs: Record<string, string> = {
    outcome: report.outcome,
    verdict: report.verdict,
    'backups-newest-age-seconds': report.backups.newestBackup
      ? whole(report.backups.newestBackup.ageSeconds)
      : '',
    method: report.method ?? 'backup',
    'drill-app': report.drillApp?.name ?? '',
    'backup-id': report.backup?.id ?? '',
    'backup-size-bytes': whole(report.backup?.sizeBytes),
    'backup-age-seconds': whole(report.backup?.ageSeconds),
    'restore-seconds': oneDecimal(restoreSeconds),
    'drill-seconds': whole(report.timings.drillSeconds),
    'tables-checked': whole(v?.tablesChecked),
    'rows-checked': whole(v?.rowsChecked),
    // A check whose SQL cannot answer is the workflow's error (outcome error), not a mismatch.
    mismatches: v
      ? String(
          v.findings.filter((f) => f.severity === 'mismatch' && f.check !== 'check-error').length
        )
      : '',
    'report-path': extra.reportPath ?? ''
  }
  if (report.cleanup.kept) outputs['restored-attachment'] = report.cleanup.kept.attachment
  return outputs
}

function whole(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? '' : String(Math.round(n))
}

function oneDecimal(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? '' : (Math.round(n * 10) / 10).toFixed(1)
}
