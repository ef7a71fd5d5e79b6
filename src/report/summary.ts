// The job summary (GitHub Markdown) and its plain-text twin for a terminal, both rendered from
// the report alone. One list of blocks holds the content; two small renderers turn it into text.
// Names, counts, hashes and timings only: never row contents, tokens or URLs.
import type { TrendPoint } from '../history/compare.js'
import type { DrillReport, PhaseRecord } from './model.js'
import {
  backupProven,
  comparedText,
  configVarOf,
  runbookSections,
  type RunbookOptions
} from './runbook.js'
import { formatBytes, formatCount, formatDuration, formatLimit, plural } from '../format.js'
import type { Finding, TableResult } from '../verify/types.js'

export interface SummaryOptions extends RunbookOptions {
  /** sha256 of restore-drill-report.json (see artifact.ts), printed so a kept copy can be checked. */
  sha256?: string
  /** Where the report was written, printed when given (outside GitHub). */
  reportPath?: string
}

/** Rows shown per table before the rest is left to the JSON report (a step summary is capped at 1 MiB). */
export const MAX_ROWS = 300
/** Characters of one free-text line (a log line, a message) shown in the summary. */
export const MAX_LINE = 400

// ---------------------------------------------------------------- content model

/** A link's URL is built by the action itself (GitHub's run and job pages), never taken from outside. */
export type Span = string | { code: string } | { strong: string } | { link: string; url: string }
export type Inline = Span | Span[]

export type Block =
  | { kind: 'verdict'; outcome: DrillReport['outcome']; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'para'; text: Inline }
  | { kind: 'list'; items: Inline[] }
  | { kind: 'table'; headers: string[]; rows: Inline[][]; numeric?: boolean[] }
  | { kind: 'details'; label: string; blocks: Block[] }
  | { kind: 'code'; lines: string[] }
  /** A Mermaid chart: Markdown only (the text renderer leaves it out; a table nearby has the figures). */
  | { kind: 'chart'; lines: string[] }

const ICON = { passed: '✅', failed: '❌', error: '⚠️' } as const
const LABEL = { passed: 'PASSED', failed: 'FAILED', error: 'ERROR' } as const

// ---------------------------------------------------------------- entry points

export function renderSummary(report: DrillReport, options: SummaryOptions = {}): string {
  return toMarkdown(summaryBlocks(report, options))
}

export function renderTerminal(report: DrillReport, options: SummaryOptions = {}): string {
  return toText(summaryBlocks(report, options))
}

// ---------------------------------------------------------------- the content

function summaryBlocks(report: DrillReport, options: SummaryOptions = {}): Block[] {
  const blocks: Block[] = [{ kind: 'verdict', outcome: report.outcome, text: verdictText(report) }]
  if (
    report.outcome === 'error' &&
    report.error &&
    !report.verdict.includes(oneLine(report.error))
  ) {
    blocks.push({ kind: 'para', text: [{ strong: 'Error:' }, ` ${oneLine(report.error)}`] })
  }
  if (report.outcome === 'error') {
    blocks.push({ kind: 'para', text: [{ strong: 'Next step:' }, ' ', ...errorNextStep(report)] })
  }
  blocks.push({ kind: 'list', items: threeAnswers(report) })
  blocks.push(...timelineBlocks(report))
  blocks.push(...backupBlocks(report))
  blocks.push(...verificationBlocks(report))
  blocks.push(...promoteBlocks(report))
  blocks.push(...cleanupBlocks(report))
  blocks.push(...historyBlocks(report))
  const notes = notesOf(report)
  if (notes.length) blocks.push({ kind: 'heading', text: 'Notes' }, { kind: 'list', items: notes })
  blocks.push(...runbookBlocks(report, options))
  blocks.push(...footerBlocks(report, options))
  return blocks
}

function verdictText(report: DrillReport): string {
  if (report.verdict) return oneLine(report.verdict)
  const what = { passed: 'passed', failed: 'failed verification', error: 'could not complete' }[
    report.outcome
  ]
  return `Restore drill for ${report.app} ${what}`
}

function threeAnswers(report: DrillReport): Inline[] {
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
        {
          code: `heroku pg:backups:schedule ${configVarOf(report.source.attachment)} --at '02:00 UTC' --app ${report.app}`
        }
      ]
  // Before preflight has read the backups, "no schedule" would be a guess: say it is unknown.
  const backupsRead =
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
  const mismatches = v ? v.findings.filter((f) => f.severity === 'mismatch').length : 0
  const verified: Inline = v
    ? [
        { strong: 'Data verified:' },
        ` ${plural(v.tablesChecked, 'table')}, ${plural(v.rowsChecked, 'row')}; compared ${comparedText(report)}; `,
        v.passed
          ? passedDetail(
              v.tables,
              report.recovery?.method === 'rollback' ? 'the target time' : 'the backup'
            )
          : `${plural(mismatches, 'mismatch', 'mismatches')}.`
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

function timelineBlocks(report: DrillReport): Block[] {
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
    { kind: 'heading', text: 'Timeline' },
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
  return [{ kind: 'heading', text: r.method === 'fork' ? 'Fork' : 'Rollback' }, factList(rows)]
}

function backupBlocks(report: DrillReport): Block[] {
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
  return [{ kind: 'heading', text: 'Backup' }, factList(rows)]
}

const STATUS_ORDER: Record<TableResult['status'], number> = {
  mismatch: 0,
  missing: 1,
  drift: 2,
  'within-bounds': 3,
  match: 4
}
/** Finding.check of the restore-warnings check module (src/verify/checks/restore-warnings.ts). */
const RESTORE_WARNINGS = 'restore-warnings'
const SEVERITY_ORDER: Record<Finding['severity'], number> = { mismatch: 0, warning: 1, info: 2 }

function verificationBlocks(report: DrillReport): Block[] {
  const v = report.verification
  if (!v) return []
  const blocks: Block[] = [{ kind: 'heading', text: 'Verification' }]
  const schemaFindings = v.findings.filter(isSchemaFinding)
  // Restore warnings have their own section below (real and harmless, with what failed).
  const otherFindings = v.findings
    .filter((f) => !isSchemaFinding(f) && f.check !== RESTORE_WARNINGS)
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
  const problems = otherFindings.filter((f) => f.severity !== 'info')
  const infos = otherFindings.filter((f) => f.severity === 'info')
  if (problems.length) blocks.push(findingsTable(problems))

  const tables = [...v.tables].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status])
  const bad = tables.filter((t) => t.status === 'mismatch' || t.status === 'missing')
  const rest = tables.filter((t) => t.status !== 'mismatch' && t.status !== 'missing')
  if (bad.length) blocks.push(tableResults(bad))
  if (rest.length) {
    const label =
      `${plural(rest.length, 'table')} ` +
      (bad.length ? 'without a mismatch' : 'checked, none mismatched')
    blocks.push({ kind: 'details', label, blocks: [tableResults(rest)] })
  }
  if (!tables.length) blocks.push({ kind: 'para', text: 'No tables were compared.' })

  const moved = tables.filter((t) => t.note)
  if (moved.length) {
    blocks.push(
      { kind: 'heading', text: 'Tables that moved during the drill' },
      {
        kind: 'list',
        items: capped(moved).map((t) => [{ code: t.table }, `: ${oneLine(t.note ?? '')}`])
      }
    )
  }
  if (schemaFindings.length) {
    blocks.push({ kind: 'heading', text: 'Schema differences' }, findingsTable(schemaFindings))
  }
  if (v.checks.length) {
    const order = { failed: 0, passed: 1, skipped: 2 }
    const checks = [...v.checks].sort((a, b) => order[a.status] - order[b.status])
    blocks.push(
      { kind: 'heading', text: 'Checks' },
      {
        kind: 'table',
        headers: ['check', 'status', 'detail'],
        rows: checks.map((c) => [c.title || c.id, c.status, oneLine(c.detail)])
      }
    )
  }
  blocks.push(...restoreWarningBlocks(report))
  if (infos.length) {
    const label = plural(infos.length, 'informational finding')
    blocks.push({ kind: 'details', label, blocks: [findingsTable(infos)] })
  }
  return blocks
}

function isSchemaFinding(f: Finding): boolean {
  return /schema/i.test(f.check)
}

function findingsTable(findings: Finding[]): Block {
  const rows: Inline[][] = capped(findings).map((f) => [
    f.severity,
    f.check,
    { code: oneLine(f.object) },
    oneLine(f.message)
  ])
  if (findings.length > MAX_ROWS)
    rows.push(['', '', '', `… ${formatCount(findings.length - MAX_ROWS)} more in the JSON report`])
  return { kind: 'table', headers: ['severity', 'check', 'object', 'what'], rows }
}

function tableResults(tables: TableResult[]): Block {
  const rows: Inline[][] = capped(tables).map((t) => [
    { code: t.table },
    t.status,
    formatCount(t.sourceBefore),
    formatCount(t.sourceAfter),
    t.restored == null ? '—' : formatCount(t.restored),
    t.expectedMin === t.expectedMax
      ? formatCount(t.expectedMin)
      : `${formatCount(t.expectedMin)}–${formatCount(t.expectedMax)}`,
    t.checksum ? (t.checksum.match ? 'match' : 'DIFFERS') : ''
  ])
  if (tables.length > MAX_ROWS)
    rows.push([
      '',
      '',
      '',
      '',
      '',
      '',
      `… ${formatCount(tables.length - MAX_ROWS)} more in the JSON report`
    ])
  return {
    kind: 'table',
    headers: [
      'table',
      'status',
      'source before',
      'source after',
      'restored',
      'expected',
      'checksum'
    ],
    rows,
    numeric: [false, false, true, true, true, true, false]
  }
}

function restoreWarningBlocks(report: DrillReport): Block[] {
  const v = report.verification
  const w = v?.restoreWarnings
  if (!v || !w || (!w.real.length && !w.harmless.length)) return []
  // Whether a kind of warning failed the drill is what the restore-warnings check decided.
  const failing = new Set(
    v.findings
      .filter((f) => f.check === RESTORE_WARNINGS && f.severity === 'mismatch')
      .map((f) => f.object)
  )
  const mode = report.settings?.restoreWarnings
  const fails = (lines: string[]) =>
    lines.some((line) => failing.has(line))
      ? `, failing the drill${mode ? ` (restore-warnings: ${mode})` : ''}`
      : ''
  const list = (lines: string[]): Block => ({
    kind: 'list',
    items: capped(lines).map((line) => ({ code: oneLine(line) }))
  })
  const blocks: Block[] = [{ kind: 'heading', text: 'Restore warnings' }]
  if (w.real.length) {
    blocks.push(
      {
        kind: 'para',
        text: `${formatCount(w.real.length)} real (data or objects may be missing)${fails(w.real)}:`
      },
      list(w.real)
    )
  }
  if (w.harmless.length) {
    const label = `${formatCount(w.harmless.length)} known to be harmless on Heroku${fails(w.harmless)}`
    if (fails(w.harmless)) blocks.push({ kind: 'para', text: `${label}:` }, list(w.harmless))
    else blocks.push({ kind: 'details', label, blocks: [list(w.harmless)] })
  }
  return blocks
}

function promoteBlocks(report: DrillReport): Block[] {
  const p = report.promote
  if (!p) return []
  const yes = (b: boolean) => (b ? 'yes' : 'NO')
  return [
    { kind: 'heading', text: 'Promote drill' },
    factList([
      ['restored add-on promoted to DATABASE_URL', yes(p.promoted)],
      ['source promoted back', yes(p.promotedBack)],
      ['DATABASE_URL now on', p.finalDatabaseAddon ? { code: p.finalDatabaseAddon } : 'unknown'],
      ['maintenance mode off', yes(p.maintenanceOff)]
    ])
  ]
}

function cleanupBlocks(report: DrillReport): Block[] {
  const c = report.cleanup
  const items: Inline[] = []
  for (const name of c.destroyed) items.push(['destroyed ', { code: name }])
  for (const name of c.staleDestroyed)
    items.push(['destroyed stale add-on of an earlier run ', { code: name }])
  if (c.kept) {
    items.push([
      { strong: 'kept' },
      ' ',
      { code: c.kept.addonName },
      ' as ',
      { code: c.kept.attachment },
      `: ${keptVerdict(report)} Billed by the hour until destroyed; commands below.`
    ])
  }
  for (const problem of c.problems) items.push([{ strong: 'problem:' }, ` ${oneLine(problem)}`])
  if (!items.length) items.push('nothing to clean up')
  return [
    { kind: 'heading', text: 'Cleanup' },
    { kind: 'list', items }
  ]
}

const HISTORY_ICON = { warning: '⚠️', failure: '❌' } as const

function historyBlocks(report: DrillReport): Block[] {
  const h = report.history
  if (!h) return []
  const blocks: Block[] = [{ kind: 'heading', text: 'History' }]
  if (h.drills > 0) {
    const base = h.baseline
      ? `; the last passing one ran ${when(h.baseline.time)}${h.baseline.backupId ? ` (backup ${h.baseline.backupId})` : ''}`
      : ''
    blocks.push({
      kind: 'para',
      text: `Compared with ${plural(h.drills, 'earlier drill')} of ${report.app} (history: ${h.source})${base}.`
    })
  }
  const items: Inline[] = [
    ...h.regressions.map((r): Inline => `${HISTORY_ICON[r.severity]} ${oneLine(r.message)}`),
    ...h.notes.map(oneLine)
  ]
  if (items.length) blocks.push({ kind: 'list', items })
  blocks.push(trendTable(h.trend))
  const chart = restoreChart(h.trend)
  if (chart) blocks.push(chart)
  return blocks
}

/** Newest first: this drill, then the earlier ones. */
function trendTable(trend: TrendPoint[]): Block {
  const rows = [...trend]
    .reverse()
    .map((p): Inline[] => [
      p.current ? `${when(p.time)} (this drill)` : when(p.time),
      `${ICON[p.outcome]} ${p.outcome}`,
      p.backupId ?? (p.method === 'backup' ? '' : p.method),
      p.backupBytes === null ? '' : formatBytes(p.backupBytes),
      p.restoreSeconds === null ? '' : formatDuration(p.restoreSeconds),
      p.totalRows === null ? '' : formatCount(p.totalRows),
      formatDuration(p.drillSeconds)
    ])
  return {
    kind: 'table',
    headers: ['Drill', 'Outcome', 'Backup', 'Size', 'Restore', 'Rows', 'Drill time'],
    rows: capped(rows),
    numeric: [false, false, false, true, true, true, true]
  }
}

/** Restore time over the drills, oldest first; none with fewer than two restores to draw. */
function restoreChart(trend: TrendPoint[]): Block | null {
  const points = trend.filter((p) => p.restoreSeconds !== null)
  if (points.length < 2) return null
  const labels = points.map((p) =>
    JSON.stringify(p.current ? 'now' : p.time.slice(5, 16).replace('T', ' '))
  )
  const values = points.map((p) => Math.round(p.restoreSeconds ?? 0))
  return {
    kind: 'chart',
    lines: [
      'xychart-beta',
      '  title "Restore time (seconds)"',
      `  x-axis [${labels.join(', ')}]`,
      '  y-axis "seconds"',
      `  line [${values.join(', ')}]`
    ]
  }
}

/** What verification found in the kept copy, so nobody promotes a copy that failed. */
function keptVerdict(report: DrillReport): string {
  const v = report.verification
  if (!v) return 'the restored copy was not verified; do not promote it.'
  if (v.passed) return `verification compared ${comparedText(report)} and found no mismatch.`
  const mismatches = v.findings.filter((f) => f.severity === 'mismatch').length
  return `verification found ${plural(mismatches, 'mismatch', 'mismatches')}; do not promote it.`
}

/** A label: value list (the Backup and Promote facts): a table here would need an empty header row. */
function factList(rows: [string, Inline][]): Block {
  return {
    kind: 'list',
    items: rows.map(([label, value]) => [{ strong: `${label}:` }, ' ', ...spans(value)])
  }
}

/** The report's notes, plus the two every reader of such a drill should know, unless already there. */
function notesOf(report: DrillReport): Inline[] {
  const notes: string[] = report.notes.map(oneLine)
  const mentions = (pattern: RegExp) => notes.some((n) => pattern.test(n))
  if (report.backup?.choice === 'capture' && !mentions(/rotat/i)) {
    notes.push(
      `The captured backup ${report.backup.id} is kept as a fresh manual backup. Manual backups rotate: ` +
        'each capture can push the oldest manual backup out of retention (scheduled backups are not affected).'
    )
  }
  if ((report.promote || report.settings?.maintenance) && !mentions(/web dyno/i)) {
    notes.push(
      'Maintenance mode stops web traffic only: worker and scheduler dynos keep running and writing during the drill.'
    )
  }
  return notes
}

function runbookBlocks(report: DrillReport, options: SummaryOptions): Block[] {
  const sections = runbookSections(report, options)
  if (!sections.length) return []
  const proven = report.recovery ? report.verification?.passed === true : backupProven(report)
  const blocks: Block[] = [
    { kind: 'heading', text: proven ? 'Emergency runbook' : 'What to do instead' }
  ]
  const timing = proven && !report.recovery ? runbookTiming(report) : ''
  if (timing) blocks.push({ kind: 'para', text: timing })
  for (const section of sections) {
    blocks.push({ kind: 'para', text: [{ strong: section.title }, `: ${section.explanation}`] })
    blocks.push({ kind: 'code', lines: section.commands })
  }
  return blocks
}

/** `The restore of b042 took 4m 12s just now (12 MB); a fresh add-on took 2m 5s to provision.` */
function runbookTiming(report: DrillReport): string {
  const restoreSeconds = report.runbook.restoreSeconds ?? report.restore?.seconds ?? null
  const provisionSeconds = report.timings.provisionSeconds
  const timing: string[] = []
  if (restoreSeconds != null) {
    timing.push(
      `The restore of ${report.backup?.id ?? 'this backup'} took ${formatDuration(restoreSeconds)} just now` +
        (report.backup?.sizeBytes != null ? ` (${formatBytes(report.backup.sizeBytes)})` : '')
    )
  }
  if (provisionSeconds != null)
    timing.push(`a fresh add-on took ${formatDuration(provisionSeconds)} to provision`)
  return timing.length ? `${timing.join('; ')}.` : ''
}

/** What to do after a drill that could not complete, from the phase that failed. */
function errorNextStep(report: DrillReport): Span[] {
  const failed = report.timeline.find((p) => p.status === 'failed')?.phase
  const backups = { code: `heroku pg:backups --app ${report.app}` }
  const rerun = 'then run the drill again'
  if (/timeout-minutes/.test(report.error ?? report.verdict)) {
    return [
      `raise timeout-minutes (and keep the job's timeout-minutes above it), ${rerun}. The timeline shows which phase used the time.`
    ]
  }
  if (report.cleanup.problems.length > 0) {
    return [
      'something this drill created may be left behind: check ',
      { code: `heroku addons --app ${report.app}` },
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
          { code: `heroku pg:info --app ${report.app}` },
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

function footerBlocks(report: DrillReport, options: SummaryOptions): Block[] {
  const items: Inline[] = []
  if (options.sha256) {
    items.push(['restore-drill-report.json sha256 ', { code: options.sha256 }])
  }
  if (options.reportPath) items.push(['report written to ', { code: options.reportPath }])
  items.push(
    `${report.tool.name} ${report.tool.version}, report version ${report.version}, ${when(report.finishedAt)}`
  )
  return [
    { kind: 'heading', text: 'Report' },
    { kind: 'list', items }
  ]
}

// ---------------------------------------------------------------- formatting helpers

function capped<T>(items: T[]): T[] {
  return items.slice(0, MAX_ROWS)
}

/**
 * Any text from outside (API messages, notes, log lines) on one line, with URLs hidden: a URL may
 * hold a database password or a signed backup link, and the summary never shows one.
 */
export function oneLine(text: string): string {
  const line = text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>)]+/gi, '(URL hidden)')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim()
  // Log lines can be long; the JSON report keeps them whole.
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line
}

function when(iso: string): string {
  const t = Date.parse(iso)
  return Number.isNaN(t)
    ? iso
    : new Date(t)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
        .replace(/Z$/, ' UTC')
}

function clock(iso: string): string {
  const t = Date.parse(iso)
  return Number.isNaN(t) ? '' : new Date(t).toISOString().slice(11, 19)
}

function spans(inline: Inline): Span[] {
  return Array.isArray(inline) ? inline : [inline]
}

// ---------------------------------------------------------------- Markdown

/** Escapes what GitHub would turn into markup; `_` only at a word edge (DATABASE_URL stays readable). */
function mdEscape(text: string): string {
  return text
    .replace(/[\\`*[\]|~]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (m) => m.replace('_', '\\_'))
    .replace(/^([#+-])/, '\\$1')
}

function mdCode(text: string, inTable: boolean): string {
  // A code span cannot escape; pick a fence longer than any backtick run inside. In a table a pipe
  // ends the cell even inside a code span, so GitHub wants it as \|.
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  const body = inTable ? text.replace(/\|/g, '\\|') : text
  return body.startsWith('`') || body.endsWith('`')
    ? `${fence} ${body} ${fence}`
    : `${fence}${body}${fence}`
}

function mdInline(inline: Inline, inTable = false): string {
  return spans(inline)
    .map((span) =>
      typeof span === 'string'
        ? mdEscape(span)
        : 'code' in span
          ? mdCode(span.code, inTable)
          : 'link' in span
            ? `[${mdEscape(span.link)}](${encodeURI(span.url)})`
            : `**${mdEscape(span.strong)}**`
    )
    .join('')
}

function htmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

export function toMarkdown(blocks: Block[]): string {
  return blocks.map(mdBlock).join('\n\n') + '\n'
}

function mdBlock(block: Block): string {
  switch (block.kind) {
    case 'verdict':
      return `## ${ICON[block.outcome]} ${mdEscape(block.text)}`
    case 'heading':
      return `### ${mdEscape(block.text)}`
    case 'para':
      return mdInline(block.text)
    case 'list':
      return block.items.map((item) => `- ${mdInline(item)}`).join('\n')
    case 'table': {
      const header = `| ${block.headers.map((h) => mdEscape(h) || ' ').join(' | ')} |`
      const rule = `| ${block.headers.map((_, i) => (block.numeric?.[i] ? '---:' : '---')).join(' | ')} |`
      const rows = block.rows.map(
        (row) => `| ${row.map((cell) => mdInline(cell, true)).join(' | ')} |`
      )
      return [header, rule, ...rows].join('\n')
    }
    case 'details':
      return `<details><summary>${htmlEscape(block.label)}</summary>\n\n${block.blocks.map(mdBlock).join('\n\n')}\n\n</details>`
    case 'code':
      return ['```sh', ...block.lines, '```'].join('\n')
    case 'chart':
      return ['```mermaid', ...block.lines, '```'].join('\n')
  }
}

// ---------------------------------------------------------------- plain text

function textInline(inline: Inline): string {
  return spans(inline)
    .map((span) =>
      typeof span === 'string'
        ? span
        : 'code' in span
          ? span.code
          : 'link' in span
            ? `${span.link} (${span.url})`
            : span.strong
    )
    .join('')
}

export function toText(blocks: Block[]): string {
  const text = blocks.filter((block) => block.kind !== 'chart')
  return text.map((block) => textBlock(block, '')).join('\n\n') + '\n'
}

function textBlock(block: Block, indent: string): string {
  const lines = (text: string) =>
    text
      .split('\n')
      .map((line) => (line ? indent + line : line))
      .join('\n')
  switch (block.kind) {
    case 'verdict':
      // The drill's verdicts start with the word the label already says.
      return lines(
        `${LABEL[block.outcome]}: ${block.text.replace(/^(passed|failed|error):\s*/i, '')}`
      )
    case 'heading':
      return lines(`${block.text}\n${'-'.repeat(block.text.length)}`)
    case 'para':
      return lines(textInline(block.text))
    case 'list':
      return lines(block.items.map((item) => `- ${textInline(item)}`).join('\n'))
    case 'table':
      return lines(
        textTable(
          block.headers,
          block.rows.map((row) => row.map(textInline)),
          block.numeric ?? []
        )
      )
    case 'details':
      return [
        lines(`${block.label}:`),
        ...block.blocks.map((b) => textBlock(b, indent + '  '))
      ].join('\n')
    case 'code':
      return lines(
        block.lines.map((line) => `  ${line.startsWith('#') ? line : `$ ${line}`}`).join('\n')
      )
    case 'chart':
      return ''
  }
}

function textTable(headers: string[], rows: string[][], numeric: boolean[]): string {
  const all = headers.some((h) => h) ? [headers, ...rows] : rows
  const widths = headers.map((_, i) => Math.max(...all.map((row) => [...(row[i] ?? '')].length)))
  const format = (row: string[]) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i] - [...cell].length)
        return numeric[i] ? pad + cell : cell + pad
      })
      .join('  ')
      .trimEnd()
  const out = all.map(format)
  if (headers.some((h) => h)) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '))
  return out.join('\n')
}
