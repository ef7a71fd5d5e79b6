// What verification found: on a failure the findings at the top of the page; everything it
// compared (coverage and self-test, per-table results, checks, restore warnings) in the folded details.
import { verificationLines } from '../verify-lines.js'
import type { DrillReport } from '../model.js'
import { formatCount, plural } from '../../format.js'
import type { Finding, TableResult } from '../../verify/types.js'
import { MAX_ROWS, capped, oneLine, type Block, type Inline } from '../render.js'

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

/**
 * What failed, for the top of the page of a drill that did not pass: the findings (schema
 * differences apart), then the tables that mismatched. [] on a pass: its findings are folded.
 */
export function findingsBlocks(report: DrillReport): Block[] {
  const v = report.verification
  if (!v || report.outcome === 'passed') return []
  // Restore warnings are listed once, in their own block (real and harmless, with what failed).
  const problems = problemFindings(report).filter(
    (f) => !isSchemaFinding(f) && f.check !== RESTORE_WARNINGS
  )
  const schema = problemFindings(report).filter(isSchemaFinding)
  const bad = sortedTables(report).filter(isBadTable)
  const warnings = restoreWarningsFailed(report) ? restoreWarningBlocks(report) : []
  if (!problems.length && !bad.length && !schema.length && !warnings.length) return []
  const blocks: Block[] = [{ kind: 'heading', text: 'Findings' }]
  if (problems.length) blocks.push(findingsTable(problems))
  if (bad.length) blocks.push(tableResults(bad))
  if (schema.length)
    blocks.push({ kind: 'para', text: { strong: 'Schema differences:' } }, findingsTable(schema))
  blocks.push(...warnings)
  return blocks
}

/** Everything verification compared, for the folded details (the problems are above on a failure). */
export function verificationDetails(report: DrillReport): Block[] {
  const v = report.verification
  if (!v) return []
  const blocks: Block[] = []
  const coverage = verificationLines(report)
  if (coverage.length) blocks.push({ kind: 'list', items: coverage })
  const shownAbove = findingsBlocks(report).length > 0
  const warnings = problemFindings(report).filter((f) => f.check !== RESTORE_WARNINGS)
  if (!shownAbove && warnings.length) blocks.push(findingsTable(warnings))
  const tables = sortedTables(report)
  const rest = shownAbove ? tables.filter((t) => !isBadTable(t)) : tables
  if (rest.length) blocks.push(tableResults(rest))
  if (!tables.length) blocks.push({ kind: 'para', text: 'No tables were compared.' })
  const moved = tables.filter((t) => t.note)
  if (moved.length) {
    blocks.push(
      { kind: 'para', text: { strong: 'Tables that moved during the drill:' } },
      {
        kind: 'list',
        items: capped(moved).map((t) => [{ code: t.table }, `: ${oneLine(t.note ?? '')}`])
      }
    )
  }
  blocks.push(...checkBlocks(report))
  if (!(shownAbove && restoreWarningsFailed(report))) blocks.push(...restoreWarningBlocks(report))
  const infos = v.findings.filter((f) => f.severity === 'info' && f.check !== RESTORE_WARNINGS)
  if (infos.length) {
    const label = plural(infos.length, 'informational finding')
    blocks.push({ kind: 'details', label, blocks: [findingsTable(infos)] })
  }
  return blocks
}

/** The label of the folded verification details. */
export function verificationLabel(report: DrillReport): string {
  const v = report.verification
  if (!v) return ''
  return `Verification: ${plural(v.tables.length, 'table')}, ${plural(v.checks.length, 'check')}`
}

function checkBlocks(report: DrillReport): Block[] {
  const checks = report.verification?.checks ?? []
  if (!checks.length) return []
  const order = { failed: 0, passed: 1, skipped: 2 }
  const sorted = [...checks].sort((a, b) => order[a.status] - order[b.status])
  return [
    {
      kind: 'table',
      headers: ['check', 'status', 'detail'],
      rows: sorted.map((c) => [c.title || c.id, c.status, oneLine(c.detail)])
    }
  ]
}

/** Mismatches first, then warnings; informational findings are not problems. */
function problemFindings(report: DrillReport): Finding[] {
  return (report.verification?.findings ?? [])
    .filter((f) => f.severity !== 'info')
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
}

function sortedTables(report: DrillReport): TableResult[] {
  const tables = report.verification?.tables ?? []
  return [...tables].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status])
}

function restoreWarningsFailed(report: DrillReport): boolean {
  return (report.verification?.findings ?? []).some(
    (f) => f.check === RESTORE_WARNINGS && f.severity === 'mismatch'
  )
}

function isBadTable(t: TableResult): boolean {
  return t.status === 'mismatch' || t.status === 'missing'
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
  const blocks: Block[] = [{ kind: 'para', text: { strong: 'Restore warnings:' } }]
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
