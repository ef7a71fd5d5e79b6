// The top of the summary: the verdict, the three answers (backups automated, restore time, data
// verified) and, after a drill that could not complete, the next step.
import type { DrillReport } from '../model.js'
import { comparedText, configVarOf } from '../runbook.js'
import { cli, orInstead } from '../runbook-names.js'
import { formatBytes, formatCount, formatDuration, formatLimit, plural } from '../../format.js'
import type { TableResult } from '../../verify/types.js'
import { oneLine, when, type Inline, type Span } from '../render.js'
import { mismatchPhrase } from '../verdict.js'

export function verdictText(report: DrillReport): string {
  if (report.verdict) return oneLine(report.verdict)
  const what = { passed: 'passed', failed: 'failed verification', error: 'could not complete' }[
    report.outcome
  ]
  return `Restore drill for ${report.app} ${what}`
}

export function threeAnswers(report: DrillReport): Inline[] {
  const b = report.backups
  const newest = b.newestBackup
  const limit = report.settings?.maxBackupAgeSeconds ?? null
  const overLimit = newest !== null && limit !== null && newest.ageSeconds > limit
  const newestText: Span[] = newest
    ? [
        ' newest successful backup ',
        { code: newest.id },
        ` is ${formatDuration(newest.ageSeconds)} old (${when(newest.finishedAt)})`,
        limit === null
          ? '.'
          : overLimit
            ? `, older than the ${formatLimit(limit)} limit.`
            : `, within the ${formatLimit(limit)} limit.`
      ]
    : [' no successful backup found.']
  const scheduleHint: Span[] = b.scheduled
    ? []
    : [
        ' Schedule daily backups: ',
        command(
          () =>
            cli`heroku pg:backups:schedule ${configVarOf(report.source.attachment)} --at '02:00 UTC' --app ${report.app}`
        )
      ]
  // Before preflight has read the backups, "no schedule" would be a guess: say it is unknown.
  const backupsRead =
    b.read === true ||
    b.scheduled ||
    newest !== null ||
    b.recentBackups.length > 0 ||
    report.timeline.some((p) => p.phase === 'preflight' && p.status === 'ok')
  const automated: Inline = !backupsRead
    ? [{ strong: 'Backups automated:' }, ' unknown (the drill stopped before reading the backups).']
    : b.scheduled
      ? [
          { strong: 'Backups automated:' },
          b.schedule
            ? ` yes, daily at ${String(b.schedule.hour).padStart(2, '0')}:00 ${b.schedule.timezone} (${b.schedule.name});`
            : ' yes;',
          ...newestText
        ]
      : [
          { strong: 'Backups automated:' },
          ' no, the source has no backup schedule;',
          ...newestText,
          ...scheduleHint
        ]

  const restore = restoreAnswer(report)

  const v = report.verification
  const verified: Inline = v
    ? [
        { strong: 'Data verified:' },
        ` ${plural(v.tablesChecked, 'table')}, ${plural(v.rowsChecked, 'row')}; compared ${comparedText(report)}; `,
        v.passed
          ? passedDetail(
              v.tables,
              report.recovery?.method === 'rollback' ? 'the target time' : 'the backup'
            )
          : `${mismatchPhrase(v.findings)}.`
      ]
    : [{ strong: 'Data verified:' }, ' not verified (the drill stopped before verification).']
  return [automated, restore, verified]
}

/** Question 2: how long the restore took (for a fork or rollback: until the copy was ready). */
function restoreAnswer(report: DrillReport): Inline {
  const seconds = report.restore?.seconds ?? report.timings.restoreSeconds ?? null
  const recovery = report.recovery
  if (recovery) {
    const what =
      recovery.method === 'fork' ? 'the fork' : `the rollback to ${when(recovery.targetTime ?? '')}`
    return seconds === null
      ? [{ strong: 'Restore time:' }, ` ${what} did not become ready.`]
      : [
          { strong: 'Restore time:' },
          ` ${what} was ready ${formatDuration(seconds)} after it was asked for (Continuous Protection: physical backups and WAL).`
        ]
  }
  const size = report.backup?.sizeBytes
  return seconds === null
    ? [{ strong: 'Restore time:' }, ' the restore did not complete.']
    : [
        { strong: 'Restore time:' },
        ` restore took ${formatDuration(seconds)}`,
        size != null ? ` for a ${formatBytes(size)} backup.` : '.'
      ]
}

/** "no mismatches", and how many tables were judged by bounds or drifted instead. */
function passedDetail(tables: TableResult[], since = 'the backup'): string {
  const within = tables.filter((t) => t.status === 'within-bounds').length
  const drift = tables.filter((t) => t.status === 'drift').length
  if (!within && !drift) return 'no mismatches.'
  const parts: string[] = []
  if (within) parts.push(`${formatCount(within)} within the bounds of live writes`)
  if (drift) parts.push(`${formatCount(drift)} changed since ${since} (drift)`)
  return `no mismatches (${parts.join(', ')}).`
}

/** What to do after a drill that could not complete, from the phase that failed. */
export function errorNextStep(report: DrillReport): Span[] {
  const failed = report.timeline.find((p) => p.status === 'failed')?.phase
  const backups = command(() => cli`heroku pg:backups --app ${report.app}`)
  const rerun = 'then run the drill again'
  if (/timeout-minutes/.test(report.error ?? report.verdict)) {
    return [
      `raise timeout-minutes (and keep the job's timeout-minutes above it), ${rerun}. The timeline shows which phase used the time.`
    ]
  }
  if (report.cleanup.problems.length > 0) {
    return [
      'something this drill created may be left behind: check ',
      command(() => cli`heroku addons --app ${report.app}`),
      ` and destroy any restore-drill-* add-on, ${rerun}.`
    ]
  }
  switch (failed) {
    case 'preflight':
      return [
        `fix what the error names (token, app, database, backup, method or rollback-to input), ${rerun}; nothing was created.`
      ]
    case 'provision':
      return [
        `Heroku did not provision the fresh add-on: check Heroku's status page and the plan input, ${rerun}.`
      ]
    case 'capture':
      return ['the capture failed: read its log lines in the error, check ', backups, `, ${rerun}.`]
    case 'restore':
      if (report.recovery)
        return [
          `Heroku did not make the ${report.recovery.method} ready: read the error, check `,
          command(() => cli`heroku pg:info --app ${report.app}`),
          ` (the Rollback line is the window), ${rerun}.`
        ]
      return [
        'the restore failed: read the error and the restore warnings, drill another backup with ',
        { code: 'backup: <ID>' },
        ' (',
        backups,
        ' lists them).'
      ]
    case 'verify':
      return [
        `verification could not run to the end: read the error, ${rerun}; if it fails the same way, `,
        { code: 'keep-database: true' },
        ' keeps the restored copy to look into.'
      ]
    default:
      return [
        `read the error and the log of the failing step; the Cleanup section says what was removed. Fix the cause, ${rerun}.`
      ]
  }
}

/** A command as a code span; words instead when a name it needs is not a valid Heroku name. */
function command(write: () => string): Span {
  return orInstead<Span>(
    () => ({ code: write() }),
    'the command (left out: a name it needs is not a valid Heroku name)'
  )
}
