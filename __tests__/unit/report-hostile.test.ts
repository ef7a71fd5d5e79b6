// Markup injection into the job summary (issue 25 #9): every string from outside (identifiers from
// the database, anything Heroku answers, an earlier run's report) is hostile here, and the summary
// must keep exactly the structure of the benign report it was made from: the same headings, the
// same table rows and cells, no raw HTML, no fence break-out, no runbook command with a hostile word.
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publishReport } from '../../src/report/publish.js'
import { SecretRegistry } from '../../src/safety.js'
import type { DrillReport } from '../../src/report/model.js'
import type { RunbookOptions } from '../../src/report/runbook.js'
import { runbookCommands } from '../../src/report/runbook.js'
import { renderSummary, renderTerminal } from '../../src/report/summary.js'
import {
  dryRunReport,
  erroredReport,
  fullFailedReport,
  historyOptions,
  hostile,
  keptPassedReport,
  rollbackReport
} from '../fakes/hostile-report.js'
import { failedReport, passedReport } from '../fakes/report-fixture.js'

/** CommonMark's line endings: a `\r` alone ends a line too. */
const LINE_END = /\r\n|\r|\n/

/**
 * The block structure of GitHub Markdown as a list of line kinds: what a reader sees as headings,
 * table rows (with their cell count), list items, folds and fenced blocks. A fenced block counts
 * once, whatever it holds, until the line that really closes it.
 */
function shape(markdown: string): string[] {
  const kinds: string[] = []
  let fence: { char: string; length: number } | null = null
  for (const line of markdown.split(LINE_END)) {
    if (fence) {
      const close = new RegExp(`^ {0,3}\\${fence.char}{${fence.length},}[ \\t]*$`)
      if (close.test(line)) {
        kinds.push('fence-close')
        fence = null
      }
      continue
    }
    const open = fenceOpen(line)
    if (open) {
      fence = open
      kinds.push(`fence ${open.info}`)
      continue
    }
    kinds.push(lineKind(line))
  }
  if (fence) kinds.push('UNCLOSED FENCE')
  return kinds
}

/** A line that opens a fenced block (a backtick fence's info string holds no backtick). */
function fenceOpen(line: string): { char: string; length: number; info: string } | null {
  const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line)
  if (!open || (open[1][0] === '`' && open[2].includes('`'))) return null
  return { char: open[1][0], length: open[1].length, info: open[2].trim() }
}

function lineKind(line: string): string {
  if (/^\s*$/.test(line)) return ''
  const heading = /^ {0,3}(#{1,6})(?:[ \t]+(\S+)|[ \t]*$)/.exec(line)
  if (heading) return `h${heading[1].length}${heading[1].length === 2 ? ` ${heading[2]}` : ''}`
  if (/^<details><summary>[^<>]*<\/summary>$/.test(line)) return 'details'
  if (line === '</details>') return '/details'
  if (/^ {0,3}</.test(line)) return 'HTML'
  if (/^\|/.test(line)) return `row of ${unescapedPipes(line) - 1}`
  const item = /^ {0,3}[-+*](?:[ \t]+(.*))?$/.exec(line)
  if (item) return startsBlock(item[1] ?? '') ? 'item holding a block' : 'item'
  if (/^ {0,3}\d{1,9}[.)](\s|$)/.test(line)) return 'ordered item'
  if (/^ {0,3}>/.test(line)) return 'quote'
  if (/^ {4,}\S/.test(line)) return 'indented code'
  if (/^ {0,3}(=+|-+)[ \t]*$/.test(line)) return 'setext underline'
  return 'para'
}

/** Whether a list item's content opens a block of its own (a heading, a quote, a nested list...). */
function startsBlock(content: string): boolean {
  return (
    /^(#{1,6}(\s|$)|>|[-+*](\s|$)|\d{1,9}[.)](\s|$)|<| {4})/.test(content) || !!fenceOpen(content)
  )
}

/** GitHub's rule for a table row: a pipe after a backslash is escaped, even inside a code span. */
function unescapedPipes(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length
}

/** The Markdown GitHub reads as markup: outside fenced blocks, our folds' lines and code spans. */
function outsideCode(markdown: string): string {
  const outsideFences = markdown
    .split(LINE_END)
    .filter((_, i, lines) => shapeAt(lines, i) === 'text')
    .filter((line) => lineKind(line) !== 'details' && lineKind(line) !== '/details')
    .join('\n')
  return outsideFences.replace(/(?<![\\`])(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, '')
}

/** The text GitHub would read as HTML, apart from our folds (whose shape is checked). */
function rawHtml(markdown: string): string[] {
  return outsideCode(markdown).match(/<[^\s]{0,20}/g) ?? []
}

/** Whether line i lies inside a fenced block (or is one of its fences). */
function shapeAt(lines: string[], index: number): 'text' | 'fenced' {
  let fence: { char: string; length: number } | null = null
  for (let i = 0; i <= index; i++) {
    const line = lines[i]
    if (fence) {
      const close = new RegExp(`^ {0,3}\\${fence.char}{${fence.length},}[ \\t]*$`)
      if (close.test(line)) fence = null
      if (i === index) return 'fenced'
      continue
    }
    const open = fenceOpen(line)
    if (open) {
      fence = open
      if (i === index) return 'fenced'
    }
  }
  return 'text'
}

/** The lines of the runbook's shell blocks. */
function shellLines(markdown: string): string[] {
  const shell: string[] = []
  let inShell = false
  for (const line of markdown.split(LINE_END)) {
    if (/^`{3,}sh$/.test(line)) inShell = true
    else if (/^`{3,}$/.test(line)) inShell = false
    else if (inShell) shell.push(line)
  }
  return shell
}

/** The terminal text without the runbook's commands (a command left out is one line). */
function withoutCommands(text: string): string[] {
  return text.split('\n').filter((line) => !/^\s*(\$ heroku |# left out:)/.test(line))
}

/** A command word Heroku's names are made of: nothing a shell reads as more than one plain word. */
const PLAIN_WORD = /^(--?[a-z][a-z-]*|[A-Za-z0-9][A-Za-z0-9_.:-]*|'02:00 UTC')$/

const CASES: [string, () => DrillReport, RunbookOptions][] = [
  ['a failed drill with every section', fullFailedReport, historyOptions()],
  ['a failed drill', failedReport, {}],
  ['a passed drill', passedReport, {}],
  ['a passed drill that kept its copy on a named drill app', keptPassedReport, {}],
  ['a passed rollback drill', rollbackReport, {}],
  ['a dry run', dryRunReport, {}],
  ['a drill that could not complete', erroredReport, {}]
]

describe('a summary of hostile strings keeps the structure of the benign one', () => {
  it.each(CASES)('%s: same headings, rows, cells, folds and fences', (_, make, options) => {
    const benign = renderSummary(make(), options)
    const attacked = renderSummary(hostile(make()), hostile(options))
    expect(shape(attacked)).toEqual(shape(benign))
  })

  it.each(CASES)('%s: no raw HTML outside code', (_, make, options) => {
    expect(rawHtml(renderSummary(make(), options))).toEqual([])
    expect(rawHtml(renderSummary(hostile(make()), hostile(options)))).toEqual([])
  })

  it.each(CASES)('%s: no link made of outside text', (_, make, options) => {
    expect(outsideCode(renderSummary(hostile(make()), hostile(options)))).not.toMatch(/(?<!\\)\]\(/)
  })

  it('a failing drill never shows a passing heading', () => {
    const md = renderSummary(hostile(fullFailedReport()), hostile(historyOptions()))
    expect(md.split(LINE_END)[0]).toMatch(/^## ❌ /)
    expect(md).not.toMatch(/^ {0,3}#{1,6}[ \t]+✅/m)
  })

  it.each(CASES)('%s: every runbook command is plain words or a comment', (_, make, options) => {
    const report = hostile(make())
    const lines = shellLines(renderSummary(report, hostile(options)))
    for (const line of lines) {
      if (line.startsWith('#')) continue
      for (const word of line.match(/'[^']*'|\S+/g) ?? []) expect(word).toMatch(PLAIN_WORD)
    }
    for (const command of runbookCommands(report, hostile(options))) {
      if (command.startsWith('#')) expect(command).not.toMatch(LINE_END)
      else for (const word of command.split(' ')) expect(word).toMatch(PLAIN_WORD)
    }
  })

  it('a command that would name a hostile word is left out, and the runbook says so', () => {
    const report = hostile(keptPassedReport())
    const commands = runbookCommands(report)
    const leftOut = commands.filter((c) => /^# left out/.test(c))
    expect(leftOut.length).toBeGreaterThan(0)
    expect(leftOut.join('\n')).toMatch(/not a valid Heroku/)
    // The note does not repeat the name it refused.
    expect(leftOut.join('\n')).not.toMatch(/Passed|<img|::error/)
  })

  it.each(CASES)(
    '%s: the terminal text has the same lines, and no control character',
    (_, make, options) => {
      const benign = renderTerminal(make(), options)
      const attacked = renderTerminal(hostile(make()), hostile(options))
      expect(withoutCommands(attacked).length).toBe(withoutCommands(benign).length)
      // eslint-disable-next-line no-control-regex
      expect(attacked).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/)
      expect(attacked).not.toMatch(/^\s*::/m)
    }
  )
})

describe('the log of a hostile report', () => {
  it('outside GitHub: no line the runner would read as a workflow command', async () => {
    const lines: string[] = []
    const core = {
      info: (line: string) => lines.push(line),
      error: () => {},
      warning: () => {},
      setFailed: () => {},
      setOutput: () => {},
      summary: { addRaw: () => ({ write: async () => undefined }) }
    }
    const dir = mkdtempSync(join(tmpdir(), 'hostile-report-'))
    const saved = process.env.GITHUB_STEP_SUMMARY
    delete process.env.GITHUB_STEP_SUMMARY
    try {
      const deps = { core, secrets: new SecretRegistry(), reportName: 'r', dir, upload: false }
      await publishReport(hostile(passedReport()), deps)
    } finally {
      if (saved !== undefined) process.env.GITHUB_STEP_SUMMARY = saved
      rmSync(dir, { recursive: true, force: true })
    }
    const logged = lines.join('\n')
    expect(logged).toContain('Passed: backup')
    expect(logged).not.toMatch(/^\s*::/m)
    expect(logged).not.toMatch(/\r|\u001b/)
  })

  it('in GitHub: every annotation (failure line, mismatches, history warnings) is one line', async () => {
    const annotations: string[] = []
    const note = (line: string) => void annotations.push(line)
    const core = {
      info: () => {},
      error: note,
      warning: note,
      setFailed: note,
      setOutput: () => {},
      summary: { addRaw: () => ({ write: async () => undefined }) }
    }
    const dir = mkdtempSync(join(tmpdir(), 'hostile-report-'))
    const saved = process.env.GITHUB_STEP_SUMMARY
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary.md')
    try {
      const deps = { core, secrets: new SecretRegistry(), reportName: 'r', dir, upload: false }
      await publishReport(hostile(fullFailedReport()), deps)
    } finally {
      if (saved !== undefined) process.env.GITHUB_STEP_SUMMARY = saved
      else delete process.env.GITHUB_STEP_SUMMARY
      rmSync(dir, { recursive: true, force: true })
    }
    expect(annotations.length).toBeGreaterThan(1)
    for (const line of annotations) expect(line).not.toMatch(LINE_END)
  })
})
