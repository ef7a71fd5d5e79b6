// The canary: written through a read-only source pool in an explicit READ WRITE transaction,
// table created on first use, rows older than 30 days pruned, found (or not) in a database.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { findCanary, writeCanary } from '../../../src/verify/canary.js'
import { createDatabase, dropDatabase, sourcePool, sql } from './helpers.js'

let database: string

beforeAll(async () => {
  database = await createDatabase('verify_canary')
})

afterAll(async () => {
  if (database) await dropDatabase(database)
})

test('creates restore_drill.canary on first use, writes through a read-only pool, prunes old rows', async () => {
  const pool = sourcePool(database, 1)
  try {
    expect(await findCanary(pool, 'x')).toBe('no-table')
    const first = await writeCanary(pool, { run: '1234' })
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/)
    await sql(
      database,
      `INSERT INTO restore_drill.canary VALUES ('old', now() - interval '31 days', 'ancient')`
    )
    const second = await writeCanary(pool)
    expect(second.id).not.toBe(first.id)
    expect(await findCanary(pool, first.id)).toBe('found')
    expect(await findCanary(pool, second.id)).toBe('found')
    expect(await findCanary(pool, 'old')).toBe('missing')
    // The pool itself stays read-only for everything else.
    await expect(pool.query('CREATE TABLE t (id int)')).rejects.toThrow(/read-only transaction/)
  } finally {
    await pool.end()
  }
})
