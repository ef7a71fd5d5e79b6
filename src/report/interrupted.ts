// The report of a drill whose main step ended without one (cancelled, timed out by the runner, or
// killed): built by the post step from the saved state and what its clean-up did. Pure.
import type { CleanupResult } from '../steps/cleanup.js'
import type { SavedState } from '../state.js'
import { REPORT_VERSION, type DrillReport } from './model.js'
import { TOOL_NAME, TOOL_VERSION } from './build.js'
import { runbookCommands } from './runbook.js'

/** What the clean-up undid, in words: "destroyed add-on X, deleted drill app Y, deleted backup b002". */
export function whatWasCleanedUp(cleanup: CleanupResult): string {
  const done = [
    ...cleanup.destroyed.map((name) => `destroyed add-on ${name}`),
    ...(cleanup.appDeleted ? [`deleted drill app ${cleanup.appDeleted}`] : []),
    ...(cleanup.targetDropped
      ? [`dropped the drill's database ${cleanup.targetDropped} on the target server`]
      : []),
    ...(cleanup.downloadRemoved ? ['removed the backup file downloaded to the runner'] : []),
    ...(cleanup.captureCancelled
      ? [`cancelled the drill's still-running capture ${cleanup.captureCancelled}`]
      : []),
    ...(cleanup.backupDeleted ? [`deleted the drill's backup ${cleanup.backupDeleted}`] : []),
    ...(cleanup.maintenanceOff ? ['switched maintenance off'] : []),
    ...(cleanup.promotedBack ? ['promoted the original back to DATABASE'] : [])
  ]
  return done.length > 0 ? done.join(', ') : 'found nothing to undo'
}

export function interruptedVerdict(saved: SavedState, cleanup: CleanupResult): string {
  const during = saved.phase ? ` during the ${saved.phase}` : ' before its first phase'
  const how = saved.cancelled
    ? `the drill was cancelled${during}`
    : `the drill's main step ended${during} without a report (killed, or timed out by the runner)`
  const cleaned =
    cleanup.problems.length > 0
      ? `the post step ${whatWasCleanedUp(cleanup)}, but could not clean up everything: ${cleanup.problems[0]}`
      : `the post step ${whatWasCleanedUp(cleanup)}`
  return `Error: ${how}; ${cleaned}`
}

export function interruptedReport(
  saved: SavedState,
  cleanup: CleanupResult,
  now: Date,
  redact: (text: string) => string
): DrillReport {
  // Clean-up problems quote Heroku's error messages: redacted like every text of a report.
  const verdict = redact(interruptedVerdict(saved, cleanup))
  const startedAt = saved.startedAt ?? now.toISOString()
  const report: DrillReport = {
    version: REPORT_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    app: saved.app,
    outcome: 'error',
    verdict,
    error: verdict.replace(/^Error: /, ''),
    startedAt,
    finishedAt: now.toISOString(),
    source: {
      addonName: saved.original?.name ?? '',
      attachment: '',
      plan: '',
      databaseBytes: null
    },
    backups: { scheduled: false, schedule: null, newestBackup: null, recentBackups: [] },
    backup: null,
    restore: null,
    verification: null,
    promote: null,
    timings: { drillSeconds: Math.max(0, (now.getTime() - Date.parse(startedAt)) / 1000) },
    timeline: [],
    drillApp: saved.drillApp
      ? { name: saved.drillApp.name, mode: 'auto', deleted: cleanup.appDeleted !== null }
      : null,
    cleanup: {
      destroyed: cleanup.destroyed,
      appDeleted: cleanup.appDeleted,
      backupDeleted: cleanup.backupDeleted,
      staleDestroyed: [],
      // The state names the app the add-on was created on (a named drill app is not saved as one).
      kept: cleanup.kept
        ? { ...cleanup.kept, app: saved.created?.app ?? saved.drillApp?.name ?? saved.app }
        : null,
      problems: cleanup.problems.map(redact)
    },
    notes: ['This report was written by the post step: main ended before it could write its own.'],
    runbook: { restoreSeconds: null, commands: [] }
  }
  report.runbook.commands = runbookCommands(report)
  return report
}
