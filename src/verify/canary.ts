// The canary: a row written to the source just before the capture, which must be in the restore
// (proof that the backup is fresh and of the right database). The one write this action makes to
// production, opt-in, in its own schema, in an explicit READ WRITE transaction.
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { Queryable } from './types.js'

export const CANARY_SCHEMA = 'restore_drill'
const RETENTION = '30 days'

/** Writes a canary row (creating restore_drill.canary on first use) and prunes rows older than 30 days. */
export async function writeCanary(
  db: pg.Pool,
  opts: { run?: string } = {}
): Promise<{ id: string }> {
  const id = randomUUID()
  const client = await db.connect()
  try {
    // The source pool is read-only by default; this transaction says explicitly that it writes.
    await client.query('BEGIN TRANSACTION READ WRITE')
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${CANARY_SCHEMA}`)
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${CANARY_SCHEMA}.canary (id text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now(), run text)`
      )
      await client.query(
        `DELETE FROM ${CANARY_SCHEMA}.canary WHERE written_at < now() - interval '${RETENTION}'`
      )
      await client.query(
        `INSERT INTO ${CANARY_SCHEMA}.canary (id, written_at, run) VALUES ($1, now(), $2)`,
        [id, opts.run ?? process.env.GITHUB_RUN_ID ?? null]
      )
      await client.query('COMMIT')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  } finally {
    client.release()
  }
  return { id }
}

/** Whether the canary row is in a database: 'found', 'missing', or 'no-table' (restore_drill.canary absent). */
export async function findCanary(
  db: Queryable,
  id: string
): Promise<'found' | 'missing' | 'no-table'> {
  const { rows: table } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('${CANARY_SCHEMA}.canary') IS NOT NULL AS exists`
  )
  if (!table[0].exists) return 'no-table'
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${CANARY_SCHEMA}.canary WHERE id = $1) AS found`,
    [id]
  )
  return rows[0].found ? 'found' : 'missing'
}
