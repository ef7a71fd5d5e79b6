// How a custom check's SQL is sent, and what of its error the report may show (pure).
import type pg from 'pg'

/**
 * The check as exactly one query. Sent with the extended protocol, the server refuses several
 * statements in one text (`select true; COMMIT; DELETE ...` once ran the DELETE outside the
 * read-only transaction). Wrapped as a subquery, anything but a query is a syntax error that
 * never runs: COPY ... TO PROGRAM or to a file, CALL, DO, SET, COMMIT (a read-only transaction
 * lets COPY TO through). Nothing else could pass a check: only a query returns a value.
 */
export function asOneQuery(sql: string): pg.QueryArrayConfig {
  // A subquery holds no semicolon; the newline ends a trailing `--` comment.
  const query = `SELECT * FROM (\n${sql.replace(/[\s;]+$/, '')}\n) AS check_result`
  const config: pg.QueryArrayConfig & { queryMode: 'extended' } = {
    text: query,
    rowMode: 'array',
    // node-postgres uses the simple protocol for a text without values unless told otherwise.
    queryMode: 'extended'
  }
  return config
}

const SYNTAX_ERROR = '42601'
const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/

/** `text` is written in `sql` as a whole word (case-insensitive): a name the check itself wrote. */
function writtenIn(sql: string, text: string): boolean {
  if (text === '') return true
  const haystack = sql.toLowerCase()
  const needle = text.toLowerCase()
  const startsWord = IDENTIFIER_CHAR.test(needle[0])
  const endsWord = IDENTIFIER_CHAR.test(needle[needle.length - 1])
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1] ?? ' '
    const after = haystack[at + needle.length] ?? ' '
    if (!(startsWord && IDENTIFIER_CHAR.test(before)) && !(endsWord && IDENTIFIER_CHAR.test(after)))
      return true
  }
  return false
}

/**
 * PostgreSQL quotes every value it names in a message ("SW1A 1AA"). Each quoted span is kept only
 * when the check's own SQL wrote it (`relation "no_such_table"`); the first other one, and
 * everything up to the message's last quote (a value may itself hold quotes), becomes "…".
 */
function withoutQuotedValues(message: string, ownSql: string): string {
  let kept = ''
  let rest = message
  for (let open = rest.indexOf('"'); open >= 0; open = rest.indexOf('"')) {
    const close = rest.indexOf('"', open + 1)
    if (close < 0) return `${kept}${rest.slice(0, open)}"…`
    if (!writtenIn(ownSql, rest.slice(open + 1, close))) {
      return `${kept}${rest.slice(0, open)}"…"${rest.slice(rest.lastIndexOf('"') + 1)}`
    }
    kept += rest.slice(0, close + 1)
    rest = rest.slice(close + 1)
  }
  return kept + rest
}

/** Raised by code in the database (a RAISE, another procedural language): its text is that code's. */
function raisedByCode(where: string | undefined): boolean {
  return !!where && (/\bat RAISE\b/.test(where) || /(^|\n)PL\/(?!pgSQL\b)/.test(where))
}

/**
 * A failed check's error as the summary and the report may show it: the server's message alone,
 * never DETAIL, CONTEXT or HINT (they quote rows: a duplicate key, a JSON token), and without the
 * values it quotes. An error raised by the database's own code is named by its SQLSTATE only: its
 * text is whatever that code built, rows included (`RAISE EXCEPTION 'bad code %', code`).
 */
export function checkErrorText(err: unknown, ownSql: string): string {
  const { message, code, where } = err as { message?: string; code?: string; where?: string }
  const sqlstate = code ? ` (SQLSTATE ${code})` : ''
  if (raisedByCode(where))
    return `raised an error in the database's own code${sqlstate}; its text is not shown, as it may quote rows`
  const text = withoutQuotedValues(message ?? String(err), ownSql)
  return code === SYNTAX_ERROR
    ? `${text}; a check is one query (SELECT, VALUES, TABLE or WITH)`
    : text
}
