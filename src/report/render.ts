// The summary's content model (blocks of inline spans) and its two renderers: GitHub Markdown for
// the job summary and plain text for a terminal, with the escaping each needs. Any text from
// outside is flattened by oneLine before it lands here; the Markdown renderer escapes the rest.
import type { DrillReport } from './model.js'

/** Rows shown per table before the rest is left to the JSON report (a step summary is capped at 1 MiB). */
export const MAX_ROWS = 300
/** Characters of one free-text line (a log line, a message) shown in the summary. */
export const MAX_LINE = 400

// ---------------------------------------------------------------- content model

export type Span = string | { code: string } | { strong: string }
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

export const ICON = { passed: '✅', failed: '❌', error: '⚠️' } as const
const LABEL = { passed: 'PASSED', failed: 'FAILED', error: 'ERROR' } as const

// ---------------------------------------------------------------- formatting helpers

export function capped<T>(items: T[]): T[] {
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

export function when(iso: string): string {
  const t = Date.parse(iso)
  return Number.isNaN(t)
    ? iso
    : new Date(t)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
        .replace(/Z$/, ' UTC')
}

export function clock(iso: string): string {
  const t = Date.parse(iso)
  return Number.isNaN(t) ? '' : new Date(t).toISOString().slice(11, 19)
}

export function spans(inline: Inline): Span[] {
  return Array.isArray(inline) ? inline : [inline]
}

/** A label: value list (the Backup and Promote facts): a table here would need an empty header row. */
export function factList(rows: [string, Inline][]): Block {
  return {
    kind: 'list',
    items: rows.map(([label, value]) => [{ strong: `${label}:` }, ' ', ...spans(value)])
  }
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
    .map((span) => (typeof span === 'string' ? span : 'code' in span ? span.code : span.strong))
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
