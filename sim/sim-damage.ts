// Damage done to a restored database right after the restore (the restore-* faults): a table
// dropped, rows deleted, one value changed, a sequence reset, an index dropped. Each says what it
// did, or throws when it cannot be done, so no test passes on damage that never happened.
import type pg from 'pg'
import { qualifiedName, quoteIdent } from './sim-pg.js'

export type DamageFault =
  | { kind: 'restore-drop-table'; table: string }
  | { kind: 'restore-delete-rows'; table: string; count?: number }
  | { kind: 'restore-alter-row'; table: string }
  | { kind: 'restore-reset-sequence'; sequence: string }
  | { kind: 'restore-drop-index'; index: string }

/** Damage done to a restored database right after the restore succeeded; returns what was done. */
export async function applyDamage(client: pg.Client, fault: DamageFault): Promise<string> {
  switch (fault.kind) {
    case 'restore-drop-table':
      await client.query(`DROP TABLE ${qualifiedName(fault.table)} CASCADE`)
      return `dropped table ${fault.table}`
    case 'restore-delete-rows':
      return deleteRows(client, fault.table, Math.max(1, fault.count ?? 1))
    case 'restore-alter-row':
      return alterOneRow(client, fault.table)
    case 'restore-reset-sequence':
      return resetSequence(client, fault.sequence)
    case 'restore-drop-index': {
      const idx = qualifiedName(fault.index)
      const { rows } = await client.query<{ conname: string; tbl: string }>(
        `select quote_ident(c.conname) as conname, c.conrelid::regclass::text as tbl
         from pg_constraint c where c.conindid = $1::regclass and c.contype in ('p','u','x')`,
        [idx]
      )
      if (rows.length > 0) {
        await client.query(`ALTER TABLE ${rows[0].tbl} DROP CONSTRAINT ${rows[0].conname} CASCADE`)
        return `dropped constraint ${rows[0].conname} and its index ${fault.index}`
      }
      await client.query(`DROP INDEX ${idx}`)
      return `dropped index ${fault.index}`
    }
  }
}

/** Runs `fn` with triggers (foreign keys) off for this session only, so the damage really lands. */
async function withoutTriggers<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query(`SET session_replication_role = replica`)
  try {
    return await fn()
  } finally {
    await client.query(`SET session_replication_role = origin`)
  }
}

async function deleteRows(client: pg.Client, table: string, count: number): Promise<string> {
  const t = qualifiedName(table)
  // tableoid with ctid: a partitioned table's partitions can hold rows with equal ctids.
  const r = await withoutTriggers(client, () =>
    client.query(
      `DELETE FROM ${t} WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM ${t} LIMIT ${count})`
    )
  )
  const deleted = r.rowCount ?? 0
  if (deleted < count)
    throw new Error(`${table} had ${deleted} rows, fewer than the ${count} to delete`)
  return `deleted ${deleted} rows from ${table}`
}

async function resetSequence(client: pg.Client, sequence: string): Promise<string> {
  const seq = qualifiedName(sequence)
  const { rows } = await client.query<{ min: string; last: string; called: boolean }>(
    `select s.seqmin::text as min, (select last_value::text from ${seq}) as last,
            (select is_called from ${seq}) as called
     from pg_sequence s where s.seqrelid = $1::regclass`,
    [seq]
  )
  if (rows.length === 0) throw new Error(`${sequence} is not a sequence`)
  if (!rows[0].called && rows[0].last === rows[0].min)
    throw new Error(`sequence ${sequence} is still at its start value: nothing to reset`)
  await client.query(`select setval($1::regclass, $2::bigint, false)`, [seq, rows[0].min])
  return `reset sequence ${sequence} to ${rows[0].min}`
}

interface ColumnType {
  attname: string
  /** The column's own type as SQL (a domain keeps its name). */
  typ: string
  /** The type under any domains: name, category, kind (b, e, r, m). */
  base: string
  category: string
  kind: string
}

/** An expression that gives a different value of the column's type, or undefined if none is known. */
export function changedValue(c: ColumnType, col: string): string | undefined {
  if (c.category === 'A')
    return `CASE WHEN cardinality(${col}) > 0 THEN ${col}[array_lower(${col}, 1):array_upper(${col}, 1) - 1] ELSE array_append(${col}, NULL) END`
  if (c.kind === 'e')
    return `(SELECT v FROM unnest(enum_range(${col})) v WHERE v <> ${col} LIMIT 1)`
  if (c.kind === 'r')
    return `CASE WHEN isempty(${col}) THEN '(,)'::${c.typ} ELSE 'empty'::${c.typ} END`
  if (c.kind === 'm')
    return `CASE WHEN isempty(${col}) THEN '{(,)}'::${c.typ} ELSE '{}'::${c.typ} END`
  const byBase: Record<string, string> = {
    text: `CASE WHEN length(${col}) > 0 THEN left(${col}, length(${col}) - 1) || CASE WHEN right(${col}, 1) = 'x' THEN 'y' ELSE 'x' END ELSE 'x' END`,
    int2: `CASE WHEN ${col} > 0 THEN ${col} - 1 ELSE ${col} + 1 END`,
    money: `CASE WHEN ${col} > 0::money THEN ${col} - 0.01::money ELSE ${col} + 0.01::money END`,
    bool: `NOT ${col}`,
    date: `${col} + 1`,
    timestamp: `${col} + interval '1 day'`,
    time: `${col} + interval '1 minute'`,
    interval: `${col} + interval '1 second'`,
    bytea: `${col} || decode('00', 'hex')`,
    json: `json_build_array(${col})`,
    jsonb: `jsonb_build_array(${col})`,
    uuid: `md5(${col}::text)::uuid`,
    xml: `xmlconcat(${col}, '<drill/>'::xml)`,
    inet: `CASE WHEN ${col} > '128.0.0.0'::inet THEN ${col} - 1 ELSE ${col} + 1 END`,
    bit: `~${col}`,
    tsvector: `${col} || 'drill'::tsvector`,
    point: `${col} + point(1, 1)`
  }
  const alias: Record<string, string> = {
    varchar: 'text',
    bpchar: 'text',
    name: 'text',
    citext: 'text',
    int4: 'int2',
    int8: 'int2',
    numeric: 'int2',
    float4: 'int2',
    float8: 'int2',
    timestamptz: 'timestamp',
    timetz: 'time',
    varbit: 'bit',
    box: 'point',
    circle: 'point',
    path: 'point'
  }
  return byBase[alias[c.base] ?? c.base]
}

/** Columns of `table` outside its unique keys (free ones first), with their base types. */
async function changeableColumns(client: pg.Client, table: string): Promise<ColumnType[]> {
  const { rows } = await client.query<ColumnType & { typid: number }>(
    `select a.attname, format_type(a.atttypid, a.atttypmod) as typ, a.atttypid as typid,
            '' as base, '' as category, '' as kind
     from pg_attribute a
     where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
       and a.attgenerated = '' and a.attidentity <> 'a'
       and not exists (select 1 from pg_constraint c where c.conrelid = a.attrelid
                       and a.attnum = any(c.conkey) and c.contype in ('p','u','x'))
       and not exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indisunique
                       and a.attnum = any(i.indkey::int2[]))
     order by exists (select 1 from pg_constraint c where c.conrelid = a.attrelid
                      and a.attnum = any(c.conkey))
           or exists (select 1 from pg_index i where i.indrelid = a.attrelid
                      and a.attnum = any(i.indkey::int2[])),
              a.attnum`,
    [table]
  )
  for (const row of rows) Object.assign(row, await baseType(client, row.typid))
  return rows
}

/** The type under any number of domains. */
async function baseType(
  client: pg.Client,
  typid: number
): Promise<{ base: string; category: string; kind: string }> {
  for (let oid = typid; ;) {
    const { rows } = await client.query<{
      typname: string
      cat: string
      kind: string
      under: number
    }>(
      `select typname, typcategory as cat, typtype as kind, typbasetype as under
       from pg_type where oid = $1`,
      [oid]
    )
    if (rows[0].kind !== 'd')
      return { base: rows[0].typname, category: rows[0].cat, kind: rows[0].kind }
    oid = rows[0].under
  }
}

/**
 * Changes one value in one row (row count unchanged), in a column outside the table's unique keys:
 * the first column whose type it knows and for which a row really gets a different value.
 */
async function alterOneRow(client: pg.Client, table: string): Promise<string> {
  const t = qualifiedName(table)
  const columns = await changeableColumns(client, t)
  const tried: string[] = []
  for (const c of columns) {
    const col = quoteIdent(c.attname)
    const expr = changedValue(c, col)
    if (!expr) {
      tried.push(`${c.attname} (${c.typ}): no change known for this type`)
      continue
    }
    try {
      const r = await withoutTriggers(client, () =>
        client.query(
          `UPDATE ${t} SET ${col} = ${expr} WHERE (tableoid, ctid) = (SELECT tableoid, ctid FROM ${t}
           WHERE ${col} IS NOT NULL AND (${expr})::text IS DISTINCT FROM ${col}::text LIMIT 1)`
        )
      )
      if ((r.rowCount ?? 0) === 1)
        return `changed column ${c.attname} (${c.typ}) in one row of ${table}`
      tried.push(`${c.attname} (${c.typ}): no row with a value to change`)
    } catch (err) {
      tried.push(`${c.attname} (${c.typ}): ${(err as Error).message}`)
    }
  }
  throw new Error(
    columns.length === 0
      ? `${table} has no column outside its unique keys to change`
      : `no value of ${table} could be changed: ${tried.join('; ')}`
  )
}
