// Identifier quoting and a small concurrency limiter: the only helpers every reader of a database needs.

/** Quotes an identifier for SQL: always double-quoted, embedded quotes doubled (any shape is safe). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL byte')
  return `"${name.replace(/"/g, '""')}"`
}

/** `"schema"."name"`, from the two parts (never from a display name, which may hold dots). */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`
}

/** `schema.name`, unquoted, as reports and inputs spell a table. */
export function displayName(schema: string, name: string): string {
  return `${schema}.${name}`
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
