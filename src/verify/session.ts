// One database session for a group of statements that must share settings (search_path, time zone...).
import type pg from 'pg'
import type { Queryable } from './types.js'

function isPool(db: Queryable): db is pg.Pool {
  return typeof (db as pg.Pool).connect === 'function' && 'totalCount' in (db as object)
}

/**
 * Runs `work` in one read-only transaction on one connection, after `SET LOCAL` of each setting.
 * A pool lends a connection for the duration; a client is used as it is.
 */
export async function inReadOnlyTransaction<T>(
  db: Queryable,
  settings: Record<string, string>,
  work: (session: Queryable) => Promise<T>
): Promise<T> {
  const client: Queryable & { release?: () => void } = isPool(db) ? await db.connect() : db
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY')
    try {
      // Every setting in one round trip: a checksum of a small table is mostly round trips.
      const pairs = Object.entries(settings)
      if (pairs.length > 0) {
        const calls = pairs.map(
          (_, i) => `pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, true)`
        )
        await client.query(`SELECT ${calls.join(', ')}`, pairs.flat())
      }
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  } finally {
    client.release?.()
  }
}
