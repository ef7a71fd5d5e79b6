// Content checksums: an order-independent hash of every row, computed by the server in one pass
// with constant memory. Each row's text is hashed with md5 and the 128-bit hashes are summed as two
// 64-bit halves (numeric sums cannot overflow); a sum, unlike XOR, does not cancel duplicate rows.
// The row text is built from the columns in name order, so a partition attached with another
// column order, or a table rebuilt by the restore, hashes the same.
import { inReadOnlyTransaction } from './session.js'
import { qualifiedName, quoteIdent } from './sql.js'
import type { Queryable } from './types.js'

/** Identical output settings on both sides: every value's text form depends on these. */
export const CHECKSUM_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  lc_monetary: 'C',
  xmloption: 'content',
  // reg* values (regclass, regtype...) print schema-qualified.
  search_path: 'pg_catalog'
}

/** The hash query for a table whose columns (by name) are given; `only` leaves out child tables. */
export function checksumSql(
  schema: string,
  name: string,
  columns: string[],
  only: boolean
): string {
  const sorted = [...columns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const rowText = `ROW(${sorted.map((column) => `r.${quoteIdent(column)}`).join(', ')})::text`
  const half = (start: number): string =>
    `COALESCE(sum(('x' || substr(h, ${start}, 16))::bit(64)::bigint::numeric), 0)::text`
  return (
    `SELECT count(*)::text AS n, md5(count(*)::text || ':' || ${half(1)} || ':' || ${half(17)}) AS hash ` +
    `FROM (SELECT md5(${rowText}) AS h FROM ${only ? 'ONLY ' : ''}${qualifiedName(schema, name)} AS r) AS hashed`
  )
}

export interface TableChecksum {
  rows: number
  hash: string
}

/** The checksum of one table (its partitions too, unless `only`). */
export async function checksumTable(
  db: Queryable,
  schema: string,
  name: string,
  only = true
): Promise<TableChecksum> {
  return inReadOnlyTransaction(db, CHECKSUM_SETTINGS, async (session) => {
    const { rows: columns } = await session.query<{ attname: string }>(
      `SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [qualifiedName(schema, name)]
    )
    if (columns.length === 0) {
      const { rows } = await session.query<{ exists: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AS exists',
        [qualifiedName(schema, name)]
      )
      if (!rows[0].exists)
        throw Object.assign(new Error(`table ${schema}.${name} does not exist`), { code: '42P01' })
    }
    const { rows } = await session.query<{ n: string; hash: string }>(
      checksumSql(
        schema,
        name,
        columns.map((column) => column.attname),
        only
      )
    )
    return { rows: Number(rows[0].n), hash: rows[0].hash }
  })
}
