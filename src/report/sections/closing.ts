// What is left after the drill and what to do with it: the promote drill, cleanup, notes, the
// runbook (or what to do instead) and the report's own facts.
import type { DrillReport } from '../model.js'
import { backupProven, comparedText, runbookSections, type RunbookOptions } from '../runbook.js'
import { formatBytes, formatDuration } from '../../format.js'
import { factList, oneLine, when, type Block, type Inline } from '../render.js'
import { mismatchPhrase } from '../verdict.js'

export interface SummaryOptions extends RunbookOptions {
  /** sha256 of restore-drill-report.json (see artifact.ts), printed so a kept copy can be checked. */
  sha256?: string
  /** Where the report was written, printed when given (outside GitHub). */
  reportPath?: string
  /** The artifact the report was uploaded as (report-name), when it was uploaded. */
  artifactName?: string
  /** The run's page where its artifacts are listed, when on GitHub. */
  artifactsUrl?: string
}

export function promoteBlocks(report: DrillReport): Block[] {
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

export function cleanupBlocks(report: DrillReport): Block[] {
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
      ...(c.kept.app && c.kept.app !== report.app ? [' on app ', { code: c.kept.app }] : []),
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

/** What verification found in the kept copy, so nobody promotes a copy that failed. */
function keptVerdict(report: DrillReport): string {
  const v = report.verification
  if (!v) return 'the restored copy was not verified; do not promote it.'
  if (v.passed) return `verification compared ${comparedText(report)} and found no mismatch.`
  return `verification found ${mismatchPhrase(v.findings)}; do not promote it.`
}

/** The report's notes, plus the two every reader of such a drill should know, unless already there. */
export function notesOf(report: DrillReport): Inline[] {
  const notes: string[] = report.notes.map(oneLine)
  const mentions = (pattern: RegExp) => notes.some((n) => pattern.test(n))
  const captureKept = report.cleanup.backupDeleted !== report.backup?.id
  if (report.backup?.choice === 'capture' && captureKept && !mentions(/rotat/i)) {
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

export function runbookBlocks(report: DrillReport, options: SummaryOptions): Block[] {
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

export function footerBlocks(report: DrillReport, options: SummaryOptions): Block[] {
  const items: Inline[] = []
  if (options.artifactName) {
    items.push([
      'artifact ',
      { code: options.artifactName },
      ' holds restore-drill-report.json and this summary',
      ...(options.artifactsUrl
        ? [' (', { link: "the run's artifacts", href: options.artifactsUrl }, ')']
        : [])
    ])
  }
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
