// Content checksums: an order-independent hash of every row, computed by the server in one pass
// with constant memory: per-row 64-bit hashes are summed (sum(bigint) accumulates exactly, in
// 128 bits, and returns numeric, so it cannot overflow; a sum, unlike XOR, does not cancel
// duplicate rows). Rows are built from the columns in name order, so a partition
// attached with another column order, or a table rebuilt by the restore, hashes the same.
// ChecksumMethod says how a row is hashed.
import { inReadOnlyTransaction } from './session.js'
import { objectName, qualifiedName, quoteIdent } from './sql.js'
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

/**
 * How rows are hashed. `record`: hash_record_extended (PostgreSQL 14+) over the row, each value
 * hashed by its type's own hash function (the one hash partitioning relies on, so it is stable
 * across servers and versions): about five times faster than `text`. `text`: md5 of the row's
 * text form, for rows holding a type whose hash is not stable across databases (enums and
 * oid-based types hash by OID, user types, nondeterministic collations) or has no hash function.
 */
export type ChecksumMethod = 'record' | 'text'

/** The hash query for a table whose columns (by name) are given; `only` leaves out child tables. */
export function checksumSql(
  schema: string,
  name: string,
  columns: string[],
  only: boolean,
  method: ChecksumMethod = 'text'
): string {
  const sorted = [...columns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const row = `ROW(${sorted.map((column) => `r.${quoteIdent(column)}`).join(', ')})`
  const from = `FROM ${only ? 'ONLY ' : ''}${qualifiedName(schema, name)} AS r`
  if (method === 'record') {
    // One 64-bit hash per row. No ::numeric cast before sum(): sum(bigint) is exact already and
    // about a fifth faster than sum(numeric); the total's text is the same.
    return (
      `SELECT count(*)::text AS n, md5('record:' || count(*)::text || ':' || ` +
      `COALESCE(sum(pg_catalog.hash_record_extended(${row}, 0)), 0)::text) AS hash ${from}`
    )
  }
  const half = (start: number): string =>
    `COALESCE(sum(('x' || substr(h, ${start}, 16))::bit(64)::bigint), 0)::text`
  return (
    `SELECT count(*)::text AS n, md5(count(*)::text || ':' || ${half(1)} || ':' || ${half(17)}) AS hash ` +
    `FROM (SELECT md5(${row}::text) AS h ${from}) AS hashed`
  )
}

// Built-in types whose hash is computed from an OID or a transaction-local value.
const OID_LIKE = new Set([
  'oid',
  'regclass',
  'regtype',
  'regproc',
  'regprocedure',
  'regoper',
  'regoperator',
  'regconfig',
  'regdictionary',
  'regnamespace',
  'regrole',
  'regcollation',
  'xid',
  'xid8',
  'cid',
  'tid',
  'aclitem'
])

interface ColumnType {
  attname: string
  /** The type after unwrapping domains and arrays, as far as it goes. */
  nspname: string
  typname: string
  typtype: string
  deterministic: boolean
}

/** Whether every column hashes the same on any server holding the same values (see ChecksumMethod). */
export function recordHashIsStable(columns: ColumnType[]): boolean {
  return columns.every(
    (c) =>
      c.deterministic &&
      c.nspname === 'pg_catalog' &&
      (c.typtype === 'b' || c.typtype === 'r' || c.typtype === 'm') &&
      !OID_LIKE.has(c.typname)
  )
}

// Each column with its type unwrapped through domains and array elements (at most 8 levels).
const COLUMN_TYPES_SQL = `
WITH RECURSIVE chain(attname, typid, depth) AS (
  SELECT a.attname, a.atttypid, 0 FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT c.attname, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END, c.depth + 1
    FROM chain c JOIN pg_catalog.pg_type t ON t.oid = c.typid
   WHERE c.depth < 8 AND (t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0))
)
SELECT DISTINCT ON (c.attname) c.attname, n.nspname, t.typname, t.typtype::text AS typtype,
       COALESCE((SELECT co.collisdeterministic FROM pg_catalog.pg_attribute a
                   JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
                  WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = c.attname), true)
         AS deterministic
  FROM chain c JOIN pg_catalog.pg_type t ON t.oid = c.typid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 ORDER BY c.attname, c.depth DESC`

/** Whether a query was cancelled by statement_timeout (not by an operator or a shutdown). */
export function isStatementTimeout(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return e?.code === '57014' && /statement timeout/i.test(e.message ?? '')
}

export interface TableChecksum {
  rows: number
  hash: string
  method: ChecksumMethod
  /** How long the hash took on its connection (not counting the wait for one): verify-budget's pace. */
  seconds?: number
}

// No hash function for a type (json, xml, point...), or no hash_record_extended (PostgreSQL 13).
const NO_RECORD_HASH = new Set(['42883', '0A000'])

/**
 * The checksum of one table (its partitions too, unless `only`). `method` forces one; by default
 * `record` when every column's hash is stable, else `text`. `timeoutMs` caps its statements
 * (the time left of verify-budget) below the connection's own statement timeout.
 */
export async function checksumTable(
  db: Queryable,
  schema: string,
  name: string,
  only = true,
  method?: ChecksumMethod,
  timeoutMs?: number
): Promise<TableChecksum> {
  const settings =
    timeoutMs === undefined
      ? CHECKSUM_SETTINGS
      : { ...CHECKSUM_SETTINGS, statement_timeout: String(Math.max(1, Math.floor(timeoutMs))) }
  return inReadOnlyTransaction(db, settings, async (session) => {
    const { rows: columns } = await session.query<ColumnType>(COLUMN_TYPES_SQL, [
      qualifiedName(schema, name)
    ])
    if (columns.length === 0) {
      const { rows } = await session.query<{ exists: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AS exists',
        [qualifiedName(schema, name)]
      )
      if (!rows[0].exists)
        throw Object.assign(new Error(`table ${objectName(schema, name)} does not exist`), {
          code: '42P01'
        })
    }
    const names = columns.map((column) => column.attname)
    const startedAt = performance.now()
    const run = async (m: ChecksumMethod): Promise<TableChecksum> => {
      const { rows } = await session.query<{ n: string; hash: string }>(
        checksumSql(schema, name, names, only, m)
      )
      const seconds = (performance.now() - startedAt) / 1000
      return { rows: Number(rows[0].n), hash: rows[0].hash, method: m, seconds }
    }
    const chosen = method ?? (recordHashIsStable(columns) ? 'record' : 'text')
    if (chosen === 'text') return run('text')
    await session.query('SAVEPOINT record_hash')
    try {
      return await run('record')
    } catch (err) {
      if (method || !NO_RECORD_HASH.has((err as { code?: string }).code ?? '')) throw err
      await session.query('ROLLBACK TO SAVEPOINT record_hash')
      return run('text')
    }
  })
}
