// One database session for a group of statements that must share settings (search_path, time zone...).
import type pg from 'pg'
import type { Queryable } from './types.js'

function isPool(db: Queryable): db is pg.Pool {
  return typeof (db as pg.Pool).connect === 'function' && 'totalCount' in (db as object)
}

/**
 * A connection inside a transaction its owner opened and will roll back (the verifier's self-test).
 * inReadOnlyTransaction runs work on it inside a savepoint: it never begins, commits or ends
 * the owner's transaction.
 */
export class OpenTransaction implements Queryable {
  private savepoints = 0
  constructor(private readonly client: Queryable) {}

  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]) {
    return this.client.query<R>(text, values)
  }

  nextSavepoint(): string {
    return `drill_session_${++this.savepoints}`
  }
}

/** `SELECT set_config(..., true), ...`: every setting in one round trip, for this transaction. */
async function setLocal(client: Queryable, settings: Record<string, string>): Promise<void> {
  const pairs = Object.entries(settings)
  if (pairs.length === 0) return
  const calls = pairs.map((_, i) => `pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, true)`)
  await client.query(`SELECT ${calls.join(', ')}`, pairs.flat())
}

/** Work inside the owner's transaction, in a savepoint; its settings last until that transaction ends. */
async function inSavepoint<T>(
  open: OpenTransaction,
  settings: Record<string, string>,
  work: (session: Queryable) => Promise<T>
): Promise<T> {
  const savepoint = open.nextSavepoint()
  await open.query(`SAVEPOINT ${savepoint}`)
  try {
    await setLocal(open, settings)
    const result = await work(open)
    await open.query(`RELEASE SAVEPOINT ${savepoint}`)
    return result
  } catch (err) {
    await open.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => {})
    throw err
  }
}

/**
 * Runs `work` in one read-only transaction on one connection, after `SET LOCAL` of each setting,
 * and rolls it back.
 * A pool lends a connection for the duration; a client is used as it is; an OpenTransaction
 * gets a savepoint instead (its owner's transaction is read-write and is never committed here).
 */
export async function inReadOnlyTransaction<T>(
  db: Queryable,
  settings: Record<string, string>,
  work: (session: Queryable) => Promise<T>
): Promise<T> {
  if (db instanceof OpenTransaction) return inSavepoint(db, settings, work)
  const client: Queryable & { release?: (destroy?: boolean) => void } = isPool(db)
    ? await db.connect()
    : db
  let rolledBack = false
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY')
    try {
      // Every setting in one round trip: a checksum of a small table is mostly round trips.
      await setLocal(client, settings)
      return await work(client)
    } finally {
      // Never COMMIT: READ ONLY lets large-object writes (lo_create, lo_unlink, lowrite...) through,
      // and a rollback undoes them; there is nothing a reader needs to keep.
      rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false
      )
    }
  } finally {
    // A connection whose rollback failed never goes back to the pool.
    client.release?.(!rolledBack)
  }
}
