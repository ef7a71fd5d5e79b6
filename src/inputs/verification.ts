// Parsers of what verification runs: the user's checks, the tables to hash, and how restore
// warnings are judged.
import type { DrillConfig } from '../config.js'
import { objectName } from '../verify/sql.js'
import { InputError, type Got } from './input-error.js'

const CHECK_NAME = /^[A-Za-z0-9 _.-]+$/
const UNQUOTED_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/

export function readRestoreWarnings(value: string, got: Got): DrillConfig['restoreWarnings'] {
  if (value === 'triage' || value === 'strict' || value === 'allow') return value
  throw new InputError(
    'restore-warnings',
    `Input "restore-warnings" must be triage, strict or allow, e.g. restore-warnings: triage ${got(value)}.`
  )
}

/** One check per line, `name: SQL`; the first colon separates (names cannot hold one, SQL may: `::int`). */
export function readChecks(value: string, got: Got): DrillConfig['checks'] {
  const checks: DrillConfig['checks'] = []
  const seenOnLine = new Map<string, number>()
  const example = 'e.g. "orders present: select count(*) > 0 from orders"'
  value.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (!line) return
    const lineNo = index + 1
    const colon = line.indexOf(':')
    if (colon < 0) {
      throw new InputError(
        'checks',
        `Input "checks" line ${lineNo} must be "name: SQL", ${example} ${got(line)}.`
      )
    }
    const name = line.slice(0, colon).trim()
    const sql = line.slice(colon + 1).trim()
    if (!CHECK_NAME.test(name)) {
      throw new InputError(
        'checks',
        `Input "checks" line ${lineNo} needs a name of letters, digits, spaces, _ . or - before the colon, ${example} ${got(line)}.`
      )
    }
    if (!sql) {
      throw new InputError(
        'checks',
        `Input "checks" line ${lineNo} has no SQL after "${name}:", ${example} ${got(line)}.`
      )
    }
    const earlier = seenOnLine.get(name)
    if (earlier !== undefined) {
      throw new InputError(
        'checks',
        `Input "checks" names must be unique: "${name}" is on lines ${earlier} and ${lineNo}; rename one, e.g. "${name} 2".`
      )
    }
    seenOnLine.set(name, lineNo)
    checks.push({ name, sql })
  })
  return checks
}

/**
 * A checksum-tables list (not a keyword): comma or newline separated `schema.table`, `table`
 * (public assumed) or `*`, as objectName spells them (TableCount.table): `schema.table`, a part
 * quoted only when it holds a dot or a double quote.
 * Unquoted identifiers fold to lowercase as in PostgreSQL; quoted ones ("My Schema"."Odd Table")
 * keep their case, spaces and commas.
 */
export function readTableList(value: string, got: Got): string[] {
  const items = splitOutsideQuotes(value, got)
  const tables: string[] = []
  for (const item of items) {
    if (item === '*') return ['*']
    const parts = parseQualifiedName(item)
    if (!parts) {
      throw new InputError(
        'checksum-tables',
        `Input "checksum-tables" must list tables as schema.table or table (public assumed), or *, comma or newline separated, e.g. public.orders, "Sales"."Line Items" ${got(item)}.`
      )
    }
    const display = objectName(...(parts.length === 1 ? ['public', parts[0]] : parts))
    if (!tables.includes(display)) tables.push(display)
  }
  return tables
}

function splitOutsideQuotes(value: string, got: Got): string[] {
  const items: string[] = []
  let current = ''
  let quoted = false
  for (const ch of value) {
    if (ch === '"') quoted = !quoted // a doubled "" inside quotes toggles twice: still quoted
    if (!quoted && (ch === ',' || ch === '\n' || ch === '\r')) {
      items.push(current)
      current = ''
    } else {
      current += ch
    }
  }
  if (quoted) {
    throw new InputError(
      'checksum-tables',
      `Input "checksum-tables" has an unclosed double quote, e.g. "My Schema"."Odd Table" ${got(value.trim())}.`
    )
  }
  items.push(current)
  return items.map((item) => item.trim()).filter((item) => item !== '')
}

/** `a.b`, `"A b"."C"`, `t` → identifier parts (1 or 2), or null when not a valid name. */
function parseQualifiedName(text: string): string[] | null {
  const parts: string[] = []
  let rest = text
  for (;;) {
    rest = rest.trimStart()
    let part: string
    if (rest.startsWith('"')) {
      const match = /^"((?:[^"]|"")+)"/.exec(rest)
      if (!match) return null
      part = match[1].replace(/""/g, '"')
      rest = rest.slice(match[0].length)
    } else {
      const match = /^[^."\s]+/.exec(rest)
      if (!match || !UNQUOTED_IDENTIFIER.test(match[0])) return null
      part = match[0].toLowerCase()
      rest = rest.slice(match[0].length)
    }
    parts.push(part)
    rest = rest.trimStart()
    if (rest === '') break
    if (!rest.startsWith('.')) return null
    rest = rest.slice(1)
  }
  return parts.length <= 2 ? parts : null
}
