// Reports whose every untrusted string is hostile: what a database (identifiers may hold line
// breaks, `|`, backticks, `<`, `#`), Heroku (any string it answers) or an earlier run's report
// could hand the drill. The renderers must show such a report with exactly the structure of the
// benign one it was made from.
import type { DrillReport } from '../../src/report/model.js'
import type { RunbookOptions } from '../../src/report/runbook.js'
import { failedReport, passedReport } from './report-fixture.js'

/** Opens every hostile string: markup that only works at the start of a line. */
export const LEAD = '   ### ✅ Passed 1. '

/**
 * Closes every hostile string: line breaks of every kind, a fake heading and table, HTML that
 * closes a fold, fences, a link, a forged workflow command and a terminal escape.
 */
export const TAIL = [
  '\n\n## ✅ Passed',
  '\r\n| a | b |\n|---|---|',
  '\u2028</details><img src=x onerror=alert(1)>',
  '\n```\n~~~',
  '\r> quote',
  '\n- item\n    indented\n1. one\n===',
  '\n::error::forged annotation',
  '\u001b[2J\u0000',
  ' <!-- *e* _u_ [l](javascript:alert(1)) &amp; \\ ` `` ~~x~~ $(id) ; #'
].join('')

/** The one transformation: equal strings stay equal, so the renderers take the same branches. */
export const hostileString = (text: string): string => `${LEAD}${text}${TAIL}`

/** Keys whose string values the drill itself writes (enumerations, check ids), never from outside. */
const TRUSTED = new Set([
  'outcome',
  'status',
  'severity',
  'phase',
  'choice',
  'mode',
  'method',
  'check',
  'level',
  'kind',
  'why'
])
/** Parts of the report the drill writes from validated inputs or itself. */
const TRUSTED_PARTS = new Set(['version', 'tool', 'settings'])

/** Every untrusted string of `value` made hostile (a deep copy). */
export function hostile<T>(value: T, path: string[] = []): T {
  const key = path[path.length - 1] ?? ''
  if (typeof value === 'string') {
    // A check's id is the module's own; the history's source is artifacts|file|none.
    const own =
      TRUSTED.has(key) ||
      (key === 'id' && path.includes('checks')) ||
      (key === 'source' && path.includes('history'))
    return (own ? value : hostileString(value)) as T
  }
  if (Array.isArray(value)) return value.map((item, i) => hostile(item, [...path, String(i)])) as T
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [
      k,
      path.length === 0 && TRUSTED_PARTS.has(k) ? v : hostile(v, [...path, k])
    ])
    return Object.fromEntries(entries) as T
  }
  return value
}

/** A failed drill with every section the summary has: history, a kept copy, a promote, problems. */
export function fullFailedReport(): DrillReport {
  const report = failedReport()
  report.drillApp = { name: 'team-drills', mode: 'named', deleted: false }
  report.cleanup.destroyed = []
  report.cleanup.kept = { addonName: 'restore-kept-my-app-99-1-ab12', attachment: 'RESTORE_DRILL' }
  report.cleanup.problems = ['detaching RESTORE_DRILL failed: 503 Service Unavailable']
  report.promote = {
    promoted: true,
    promotedBack: true,
    finalDatabaseAddon: 'postgresql-shaped-12345',
    maintenanceOff: true
  }
  report.backups.pushedOut = ['b001']
  report.tokenScopes = 'global'
  report.versions = { source: 16, copy: 16 }
  report.sourceConnections = { peak: 3, max: 3, before: { used: 5, limit: 20 } }
  report.timeline[4].detail = 'restored with 1 warning'
  const v = report.verification!
  v.sourceLoad = { readSeconds: 12, peakConnections: 3, rowsScanned: 15_608 }
  v.selfTest = {
    passed: false,
    planted: [
      {
        kind: 'missing-row',
        check: 'counts',
        object: 'public.album',
        caught: false,
        finding: 'none'
      }
    ],
    notPlanted: [{ kind: 'sequence-behind', why: 'no sequence feeds a column' }],
    seconds: 2
  }
  report.notes.push('The source has 1 follower.')
  report.history = {
    source: 'artifacts',
    drills: 2,
    baseline: { time: '2026-11-24T02:00:00.000Z', backupId: 'b041' },
    medianRestoreSeconds: 240,
    trend: [
      trendPoint('2026-11-23T02:00:00.000Z', 'b040', 230, false),
      trendPoint('2026-11-24T02:00:00.000Z', 'b041', 240, false),
      trendPoint('2026-11-25T02:00:00.000Z', 'b042', 252, true)
    ],
    regressions: [
      {
        kind: 'table-rows-dropped',
        severity: 'warning',
        message: 'public.track lost 3 rows since the last passing drill',
        table: 'public.track'
      }
    ],
    notes: ['New table since the last drill: public.genre']
  }
  return report
}

function trendPoint(time: string, backupId: string, restore: number, current: boolean) {
  return {
    time,
    outcome: 'passed' as const,
    method: 'backup' as const,
    backupId,
    restoreSeconds: restore,
    backupBytes: 12_345_678,
    totalRows: 15_608,
    drillSeconds: 570,
    current
  }
}

/** A passed drill that kept its copy on a named drill app: the runbook's promote commands. */
export function keptPassedReport(): DrillReport {
  const report = passedReport()
  report.drillApp = { name: 'team-drills', mode: 'named', deleted: false }
  report.cleanup.destroyed = []
  report.cleanup.kept = { addonName: 'restore-kept-my-app-99-1-ab12', attachment: 'RESTORE_DRILL' }
  return report
}

/** A passed rollback drill (Continuous Protection): the recovery runbook. */
export function rollbackReport(): DrillReport {
  const report = passedReport()
  report.method = 'rollback'
  report.backup = null
  report.recovery = {
    method: 'rollback',
    sourceAddon: 'postgresql-shaped-12345',
    targetTime: '2026-11-25T01:30:00Z',
    earliest: '2026-11-22T01:30:00Z',
    readySeconds: 431,
    readBefore: '2026-11-24T02:05:00.000Z'
  }
  return report
}

/** A dry run: what a real drill would create and delete. */
export function dryRunReport(): DrillReport {
  const report = passedReport()
  report.verdict = 'Dry run: a real drill of my-app would restore a fresh capture'
  report.backup = null
  report.restore = null
  report.verification = null
  report.dryRun = {
    wouldCreate: ['add-on heroku-postgresql:standard-0 on app restore-drill-my-app-1a2b3c'],
    wouldDelete: ['stale add-on restore-drill-my-app-12-1-zz99 on my-app']
  }
  return report
}

/** A drill that could not complete, with Heroku's error message. */
export function erroredReport(): DrillReport {
  const report = passedReport()
  report.outcome = 'error'
  report.verdict = 'Error: the drill could not complete'
  report.error = 'Heroku answered 422: the plan standard-0 is not available'
  report.verification = null
  report.timeline[3] = { ...report.timeline[3], status: 'failed', detail: 'provisioning failed' }
  report.timeline = report.timeline.slice(0, 4)
  return report
}

/** The runbook's options as the history hands them: an earlier drill's backup. */
export function historyOptions(): RunbookOptions {
  return { lastPassedBackup: { id: 'b040', drilledAt: '2026-11-23T02:00:00.000Z' } }
}
