// The connection settings each side gets: the source read-only, time-limited and one backend per
// connection (no parallel workers, so verify-connections bounds the load on production); the
// restored copy keeps parallel query.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { createDatabase, dropDatabase, restoredPool, sourcePool, sql } from './helpers.js'

let database: string

beforeAll(async () => {
  database = await createDatabase('verify_db')
  // Big enough that the planner would use parallel workers for a count where allowed.
  await sql(
    database,
    `CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 300000) g; ANALYZE big`
  )
})

afterAll(async () => {
  if (database) await dropDatabase(database)
})

const plan = async (pool: ReturnType<typeof sourcePool>): Promise<string> =>
  (await pool.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT count(*) FROM big')).rows
    .map((r) => r['QUERY PLAN'])
    .join('\n')

test('the source is read-only, has a statement timeout and never plans parallel workers', async () => {
  const source = sourcePool(database)
  try {
    const show = async (name: string) =>
      (await source.query(`SELECT current_setting('${name}') AS v`)).rows[0].v as string
    expect(await show('default_transaction_read_only')).toBe('on')
    expect(await show('statement_timeout')).toBe('1min')
    expect(await show('max_parallel_workers_per_gather')).toBe('0')
    expect(await plan(source)).not.toMatch(/Gather/)
  } finally {
    await source.end()
  }
})

test('the restored copy keeps parallel query', async () => {
  const restored = restoredPool(database)
  try {
    expect(await plan(restored)).toMatch(/Gather/)
  } finally {
    await restored.end()
  }
})
