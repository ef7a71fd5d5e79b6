// Identifier quoting and a small concurrency limiter: the only helpers every reader of a database needs.

/** Quotes an identifier for SQL: always double-quoted, embedded quotes doubled (any shape is safe). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL byte')
  return `"${name.replace(/"/g, '""')}"`
}

/** `"schema"."name"`, from the two parts (never from an objectName). */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`
}

/**
 * The one name of an object in reports, inputs and every comparison: its parts joined by dots
 * (`schema.table`, `schema.table.column`), each bare unless it holds a dot or a double quote, then
 * quoted as SQL quotes an identifier. `a."b.c"` and `"a.b".c` are two tables (once both `a.b.c`,
 * so a restore that lost one passed); an ordinary name reads as it always did (`Sales Data.Orders`).
 */
export function objectName(...parts: string[]): string {
  return parts.map((part) => (/[."]/.test(part) ? quoteIdent(part) : part)).join('.')
}

/** The parts of an objectName (`a."b.c"` → ['a', 'b.c']); null when `name` is not one. */
export function nameParts(name: string): string[] | null {
  const parts: string[] = []
  let rest = name
  for (;;) {
    const quoted = /^"((?:[^"]|"")*)"/.exec(rest)
    const match = quoted ?? /^[^."]*/.exec(rest)
    if (!match) return null
    parts.push(quoted ? quoted[1].replace(/""/g, '"') : match[0])
    rest = rest.slice(match[0].length)
    if (rest === '') return parts
    if (!rest.startsWith('.')) return null
    rest = rest.slice(1)
  }
}

/** Runs `work` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index])
    }
  }
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length))
  await Promise.all(Array.from({ length: workers }, worker))
  return results
}

/** A value quoted from a row in a server error (`invalid input syntax for type integer: "abc"`) is not repeated. */
export function withoutRowValues(text: string): string {
  return text.replace(/(invalid input (?:syntax|value) for [^:]*: )"[^"]*"/gi, '$1"…"')
}
