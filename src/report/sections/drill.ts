// What the drill did: its timeline, and the backup (or fork / rollback) it restored.
import type { DrillReport, PhaseRecord } from '../model.js'
import { formatBytes, formatDuration, plural } from '../../format.js'
import { clock, factList, oneLine, when, type Block, type Inline } from '../render.js'

/** Labels of the folded details: `Timeline: 9 phases, 2m 3s`, `Backup b002`, `Fork`. */
export function timelineLabel(report: DrillReport): string {
  return `Timeline: ${plural(report.timeline.length, 'phase')}, ${formatDuration(report.timings.drillSeconds)} in all`
}

export function backupLabel(report: DrillReport): string {
  if (report.backup) return `Backup ${report.backup.id}`
  return report.recovery ? (report.recovery.method === 'fork' ? 'Fork' : 'Rollback') : ''
}

export function timelineBlocks(report: DrillReport): Block[] {
  const rows: Inline[][] = report.timeline.map((p: PhaseRecord) => [
    p.phase,
    p.status,
    clock(p.startedAt),
    formatDuration(p.seconds),
    phaseDetail(report, p)
  ])
  rows.push([
    { strong: 'total' },
    report.outcome,
    clock(report.startedAt),
    formatDuration(report.timings.drillSeconds),
    ''
  ])
  return [
    {
      kind: 'table',
      headers: ['phase', 'status', 'started (UTC)', 'took', 'detail'],
      rows,
      numeric: [false, false, false, true, false]
    }
  ]
}

/**
 * The restore time in the headline is Heroku's own (the transfer's start to its end); the phase
 * also holds starting the transfer, noticing its end and reading its log: the row says both.
 */
function phaseDetail(report: DrillReport, p: PhaseRecord): string {
  const detail = p.detail ? oneLine(p.detail) : ''
  const transferSeconds = report.restore?.seconds
  if (p.phase !== 'restore' || transferSeconds == null || report.recovery) return detail
  if (formatDuration(transferSeconds) === formatDuration(p.seconds)) return detail
  const note = `the transfer took ${formatDuration(transferSeconds)} by Heroku's clock (the restore time above); the phase adds starting it, polling and its log`
  return detail ? `${detail}; ${note}` : note
}

/** method fork / rollback: the path drilled, where the copy came from, and to when. */
function recoveryBlocks(report: DrillReport): Block[] {
  const r = report.recovery
  if (!r) return []
  const rows: [string, Inline][] = [
    [
      'path',
      `${r.method} (Continuous Protection: a new add-on recovered from physical backups and WAL, no logical backup)`
    ],
    ['source database', [{ code: r.sourceAddon }, ` (${report.source.plan || 'plan unknown'})`]],
    ['recovered to', r.targetTime ? when(r.targetTime) : 'the moment the fork was asked for'],
    ['earliest recoverable', r.earliest ? `${when(r.earliest)} (as Heroku shows it)` : 'not shown'],
    ['ready after', r.readySeconds === null ? 'not ready' : formatDuration(r.readySeconds)]
  ]
  if (r.method === 'rollback')
    rows.push([
      'counts judged',
      r.readBefore
        ? `between the read of the drill of ${when(r.readBefore)} (before the target) and now: a count outside those bounds, or a quiet table's content that differs, is a loss`
        : 'no earlier drill read the source before the target time, so counts are compared as drift and no content is compared; the next rollback drill after this one has that read'
    ])
  if (report.source.databaseBytes != null)
    rows.push(['source size', formatBytes(report.source.databaseBytes)])
  if (report.restore)
    rows.push([
      'copy',
      [{ code: report.restore.addonName }, ` (${report.restore.plan || 'plan unknown'})`]
    ])
  return [factList(rows)]
}

export function backupBlocks(report: DrillReport): Block[] {
  const bk = report.backup
  if (!bk) return recoveryBlocks(report)
  const how = {
    capture: 'fresh capture by this drill',
    latest: 'latest successful backup',
    id: 'chosen by ID'
  }[bk.choice]
  const rows: [string, Inline][] = [
    ['backup', [{ code: bk.id }, ` (${how})`]],
    [
      'size',
      bk.sizeBytes == null
        ? 'unknown'
        : `${formatBytes(bk.sizeBytes)} (${plural(bk.sizeBytes, 'byte')})`
    ],
    ['captured', bk.capturedAt ? when(bk.capturedAt) : 'unknown'],
    ['age at restore', bk.ageSeconds == null ? 'unknown' : formatDuration(bk.ageSeconds)],
    [
      'source database',
      [
        { code: bk.sourceDatabase || report.source.addonName },
        ` (${report.source.plan || 'plan unknown'})`
      ]
    ]
  ]
  if (report.source.databaseBytes != null)
    rows.push(['source size', formatBytes(report.source.databaseBytes)])
  if (report.restore) {
    rows.push([
      'restored onto',
      [{ code: report.restore.addonName }, ` (${report.restore.plan || 'plan unknown'})`]
    ])
  }
  const exit = report.exitTarget
  if (exit?.downloadSeconds != null)
    rows.push([
      'downloaded to the runner',
      `${formatBytes(exit.downloadBytes ?? 0)} in ${formatDuration(exit.downloadSeconds)}, then pg_restore ${exit.client ?? ''} on ${exit.host} in ${report.restore?.seconds == null ? 'unknown' : formatDuration(report.restore.seconds)}`
    ])
  return [factList(rows)]
}
