// The summary's content model (blocks of inline spans) and its two renderers: GitHub Markdown for
// the job summary and plain text for a terminal, with the escaping each needs. Every string a
// section hands over may come from outside (database identifiers, anything Heroku answers, an
// earlier run's report), so the renderers escape every one by where it lands: a text span, a
// table cell, a heading, a fold's label, a code span, a fenced block. A section never escapes.
import type { DrillReport } from './model.js'

/** Rows shown per table before the rest is left to the JSON report (a step summary is capped at 1 MiB). */
export const MAX_ROWS = 300
/** Characters of one free-text line (a log line, a message) shown in the summary. */
export const MAX_LINE = 400

// ---------------------------------------------------------------- content model

/** A link is ours only (the run's artifacts page): text from outside never becomes one. */
export type Span = string | { code: string } | { strong: string } | { link: string; href: string }
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

/** Line breaks of every kind (CommonMark ends a line at \r as at \n) and control characters. */
const BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g

/**
 * What every span becomes before either renderer escapes it: one line (a line break would end a
 * table row, a heading or a fold and start a block of the text's own; a control character can
 * rewrite a terminal or forge a workflow command in the log), with URLs hidden (a URL may hold a
 * database password or a signed backup link, and the summary never shows one).
 */
export function flat(text: string): string {
  return hideUrls(text).replace(BREAKS_AND_CONTROLS, ' ')
}

function hideUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>)]+/gi, '(URL hidden)')
}

/** Any text from outside (API messages, notes, log lines) on one line, URLs hidden, and short. */
export function oneLine(text: string): string {
  const line = flat(text.replace(/\s*[\r\n]+\s*/g, ' ')).trim()
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

/** A section folded away (a <details> on GitHub): there when wanted, not in the way. */
export function folded(label: string, blocks: Block[]): Block[] {
  return blocks.length ? [{ kind: 'details', label, blocks }] : []
}

// ---------------------------------------------------------------- Markdown

/**
 * Escapes what GitHub would turn into markup inside a line (emphasis, code, links, HTML, math,
 * table cells); `_` only at a word edge (DATABASE_URL stays readable).
 */
function mdEscape(text: string): string {
  return flat(text)
    .replace(/[\\`*[\]|~$]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (m) => m.replace('_', '\\_'))
    .replace(/^([#+-])/, '\\$1')
}

/**
 * The start of a paragraph, a list item's text or a heading's: never the marker of a block of its
 * own (a heading, a list, a quote, indented code, a setext underline).
 */
function mdLineStart(line: string): string {
  return line
    .replace(/^\s+/, '')
    .replace(/^([#+=-])/, '\\$1')
    .replace(/^(\d{1,9})([.)])/, '$1\\$2')
}

/** A heading's text: a line start, and no trailing `#` run that GitHub would take for its closing. */
function mdHeading(text: string): string {
  return mdLineStart(mdEscape(text)).replace(/(^|\s)(#+)\s*$/, '$1\\$2')
}

/** The longest run of `char` in the text. */
function longestRun(text: string, char: string): number {
  const runs = text.split(new RegExp(`[^${char}]+`)).map((run) => run.length)
  return Math.max(0, ...runs)
}

function mdCode(code: string, inTable: boolean): string {
  // A code span cannot escape; pick a fence longer than any backtick run inside. In a table a pipe
  // ends the cell even inside a code span, so GitHub wants it as \|.
  const text = flat(code)
  const fence = '`'.repeat(longestRun(text, '`') + 1)
  const body = inTable ? text.replace(/\|/g, '\\|') : text
  return body.startsWith('`') || body.endsWith('`') || /^ .* $/.test(body)
    ? `${fence} ${body} ${fence}`
    : `${fence}${body}${fence}`
}

/** A fenced block: each line flattened, the fence longer than any backtick run inside. */
function mdFenced(info: string, lines: string[]): string {
  const body = lines.map(flat)
  const fence = '`'.repeat(Math.max(3, ...body.map((line) => longestRun(line, '`') + 1)))
  return [`${fence}${info}`, ...body, fence].join('\n')
}

function mdInline(inline: Inline, inTable = false): string {
  return spans(inline)
    .map((span) =>
      typeof span === 'string'
        ? mdEscape(span)
        : 'code' in span
          ? mdCode(span.code, inTable)
          : 'link' in span
            ? `[${mdEscape(span.link)}](${mdHref(span.href)})`
            : `**${mdEscape(span.strong)}**`
    )
    .join('')
}

/** An http(s) URL with nothing that could end the link early; anything else is no link. */
function mdHref(href: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(href)) return '#'
  return href.replace(/[()<>]/g, (ch) => encodeURIComponent(ch))
}

function htmlEscape(text: string): string {
  return flat(text)
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
      return `## ${ICON[block.outcome]} ${mdHeading(block.text)}`
    case 'heading':
      return `### ${mdHeading(block.text)}`
    case 'para':
      return mdLineStart(mdInline(block.text))
    case 'list':
      return block.items.map((item) => `- ${mdLineStart(mdInline(item))}`).join('\n')
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
      return mdFenced('sh', block.lines)
    case 'chart':
      return mdFenced('mermaid', block.lines)
  }
}

// ---------------------------------------------------------------- plain text

function textInline(inline: Inline): string {
  return spans(inline)
    .map((span) =>
      typeof span === 'string'
        ? flat(span)
        : 'code' in span
          ? flat(span.code)
          : 'link' in span
            ? `${flat(span.link)} (${span.href})`
            : flat(span.strong)
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
        `${LABEL[block.outcome]}: ${flat(block.text).replace(/^(passed|failed|error):\s*/i, '')}`
      )
    case 'heading':
      return lines(`${flat(block.text)}\n${'-'.repeat(flat(block.text).length)}`)
    case 'para':
      return lines(textInline(block.text))
    case 'list':
      return lines(block.items.map((item) => `- ${textInline(item)}`).join('\n'))
    case 'table':
      return lines(
        textTable(
          block.headers.map(flat),
          block.rows.map((row) => row.map(textInline)),
          block.numeric ?? []
        )
      )
    case 'details':
      return [
        lines(`${flat(block.label)}:`),
        ...block.blocks.map((b) => textBlock(b, indent + '  '))
      ].join('\n')
    case 'code':
      return lines(
        block.lines
          .map(flat)
          .map((line) => `  ${line.startsWith('#') ? line : `$ ${line}`}`)
          .join('\n')
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
