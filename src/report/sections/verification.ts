// What verification found: findings, per-table results, schema differences, checks and restore
// warnings, problems first and the rest folded.
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

export function verificationBlocks(report: DrillReport): Block[] {
  const v = report.verification
  if (!v) return []
  const blocks: Block[] = [{ kind: 'heading', text: 'Verification' }]
  const coverage = verificationLines(report)
  if (coverage.length) blocks.push({ kind: 'list', items: coverage })
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
