// The job summary (GitHub Markdown) and its plain-text twin for a terminal, both rendered from
// the report alone. One list of blocks holds the content; two small renderers turn it into text.
// Names, counts, hashes and timings only: never row contents, tokens or URLs.
// The sections are in sections/; the content model and both renderers in render.ts.
import type { DrillReport } from './model.js'
import { oneLine, toMarkdown, toText, type Block } from './render.js'
import {
  cleanupBlocks,
  footerBlocks,
  notesOf,
  promoteBlocks,
  runbookBlocks,
  type SummaryOptions
} from './sections/closing.js'
import { backupBlocks, timelineBlocks } from './sections/drill.js'
import { errorNextStep, threeAnswers, verdictText } from './sections/headline.js'
import { historyBlocks } from './sections/history.js'
import { verificationBlocks } from './sections/verification.js'

export { MAX_LINE, MAX_ROWS, oneLine } from './render.js'
export type { SummaryOptions } from './sections/closing.js'

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
