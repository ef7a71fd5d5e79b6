// The job summary (GitHub Markdown) and its plain-text twin for a terminal, both rendered from
// the report alone. One list of blocks holds the content; two small renderers turn it into text.
// Names, counts, hashes and timings only: never row contents, tokens or URLs.
// The sections are in sections/; the content model and both renderers in render.ts.
import type { DrillReport } from './model.js'
import { folded, oneLine, toMarkdown, toText, type Block } from './render.js'
import {
  cleanupBlocks,
  footerBlocks,
  notesOf,
  promoteBlocks,
  runbookBlocks,
  type SummaryOptions
} from './sections/closing.js'
import { backupBlocks, backupLabel, timelineBlocks, timelineLabel } from './sections/drill.js'
import { dryRunBlocks, sourceAccessBlocks } from './sections/first-run.js'
import { errorNextStep, threeAnswers, verdictText } from './sections/headline.js'
import { historyBlocks, historyLabel } from './sections/history.js'
import { upgradeBlocks } from './sections/upgrade.js'
import { findingsBlocks, verificationDetails, verificationLabel } from './sections/verification.js'

export { MAX_LINE, MAX_ROWS, oneLine } from './render.js'
export type { SummaryOptions } from './sections/closing.js'

export function renderSummary(report: DrillReport, options: SummaryOptions = {}): string {
  return toMarkdown(summaryBlocks(report, options))
}

export function renderTerminal(report: DrillReport, options: SummaryOptions = {}): string {
  return toText(summaryBlocks(report, options))
}

// ---------------------------------------------------------------- the content

/**
 * In the order the engineer on call needs it: the verdict and the three answers; what failed and
 * what to do next (on a pass, the runbook); what is left (a kept copy, a promote drill); then the
 * details, folded; the report artifact last.
 */
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
  blocks.push(...dryRunBlocks(report))
  blocks.push(...findingsBlocks(report))
  blocks.push(...upgradeBlocks(report))
  blocks.push(...runbookBlocks(report, options))
  blocks.push(...promoteBlocks(report))
  blocks.push(...cleanupBlocks(report))
  blocks.push(...detailBlocks(report))
  blocks.push(...footerBlocks(report, options))
  return blocks
}

/** Timeline, backup, verification, history and notes, each folded under a label that says what it holds. */
function detailBlocks(report: DrillReport): Block[] {
  const notes = notesOf(report)
  return [
    { kind: 'heading', text: 'Details' },
    ...folded(timelineLabel(report), timelineBlocks(report)),
    ...folded(backupLabel(report), backupBlocks(report)),
    ...folded(verificationLabel(report), verificationDetails(report)),
    ...folded(historyLabel(report), historyBlocks(report)),
    ...folded('Source and token', sourceAccessBlocks(report)),
    ...folded(`Notes (${notes.length})`, notes.length ? [{ kind: 'list', items: notes }] : [])
  ]
}
