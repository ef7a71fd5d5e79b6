// The self-test's defects, planted inside the self-test's transaction on the drill's own copy
// (self-test.ts owns the transaction and always rolls it back). Each plant runs in a savepoint of
// its own: a plant the schema refuses (a foreign key, a constraint) is undone and the next
// candidate is tried. Every statement here is transactional, ALTER SEQUENCE ... RESTART included
// (PostgreSQL 10+ gives the sequence a new relfilenode), unlike setval, which is never used.
import { qualifiedName, quoteIdent } from './sql.js'
import type { OpenTransaction } from './session.js'
import type { SequenceState, SequenceUse } from './checks/sequences.js'

/** Runs `plant` in a savepoint; false (and the savepoint undone) when the schema refuses it. */
export async function tryPlant(
  open: OpenTransaction,
  plant: () => Promise<boolean>
): Promise<boolean> {
  const savepoint = open.nextSavepoint()
  await open.query(`SAVEPOINT ${savepoint}`)
  try {
    if (await plant()) return true
  } catch {
    // Refused (a constraint, a permission): undone below, and the next candidate is tried.
  }
  await open.query(`ROLLBACK TO SAVEPOINT ${savepoint}`)
  return false
}

/**
 * The table's own triggers are switched off for the transaction first (ALTER TABLE is
 * transactional): a user trigger could act outside the database. Refused when not the owner.
 */
async function withoutUserTriggers(open: OpenTransaction, schema: string, name: string) {
  await open.query(`ALTER TABLE ONLY ${qualifiedName(schema, name)} DISABLE TRIGGER USER`)
}

/** A missing row: one row of the table deleted. */
export async function deleteOneRow(
  open: OpenTransaction,
  schema: string,
  name: string
): Promise<boolean> {
  await withoutUserTriggers(open, schema, name)
  const table = qualifiedName(schema, name)
  const result = (await open.query(
    `DELETE FROM ONLY ${table} WHERE ctid = (SELECT ctid FROM ONLY ${table} LIMIT 1)`
  )) as { rowCount?: number | null }
  return result.rowCount === 1
}

interface ColumnRow {
  attname: string
  category: string
  nullable: boolean
}

/** A new value for a column, by its type's category; null when there is no plain one. */
function changedValue(column: ColumnRow): string | null {
  const c = quoteIdent(column.attname)
  switch (column.category) {
    case 'N':
      return `${c} + 1`
    case 'S':
      return `CASE WHEN ${c} = 'a' THEN 'b' ELSE 'a' END`
    case 'B':
      return `NOT ${c}`
    case 'D':
      return `${c} + interval '1 day'`
    default:
      return column.nullable ? 'NULL' : null
  }
}

/** A changed value: one column of one row set to another value (the row count unchanged). */
export async function changeOneValue(
  open: OpenTransaction,
  schema: string,
  name: string
): Promise<boolean> {
  const table = qualifiedName(schema, name)
  const { rows: columns } = await open.query<ColumnRow>(
    `SELECT a.attname, t.typcategory::text AS category, NOT a.attnotnull AS nullable
       FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attgenerated = '' AND a.attidentity <> 'a'
      ORDER BY a.attnum`,
    [table]
  )
  for (const column of columns.slice(0, 12)) {
    const value = changedValue(column)
    if (value === null) continue
    const c = quoteIdent(column.attname)
    const changed = await tryPlant(open, async () => {
      await withoutUserTriggers(open, schema, name)
      const result = (await open.query(
        `UPDATE ONLY ${table} SET ${c} = ${value} ` +
          `WHERE ctid = (SELECT ctid FROM ONLY ${table} WHERE ${c} IS NOT NULL LIMIT 1) ` +
          `AND ${c} IS DISTINCT FROM ${value}`
      )) as { rowCount?: number | null }
      return result.rowCount === 1
    })
    if (changed) return true
  }
  return false
}

/**
 * A sequence set behind its column: restarted at the value its column already holds, so the
 * next value would collide. ALTER SEQUENCE RESTART is undone by the rollback.
 */
export async function restartBehind(
  open: OpenTransaction,
  use: SequenceUse,
  state: SequenceState
): Promise<boolean> {
  if (state.used === null) return false
  await open.query(
    `ALTER SEQUENCE ${qualifiedName(use.seq_schema, use.seq_name)} RESTART WITH ${state.used.toString()}`
  )
  return true
}
