import { describe, expect, it } from '@jest/globals'
import pg from 'pg'

describe('test PostgreSQL', () => {
  it('is reachable through PG_TEST_URL and is version 13 or newer', async () => {
    const client = new pg.Client({ connectionString: process.env.PG_TEST_URL })
    await client.connect()
    const { rows } = await client.query<{ v: string }>(
      "select current_setting('server_version_num') as v"
    )
    await client.end()
    expect(Number(rows[0].v)).toBeGreaterThanOrEqual(130000)
  })
})
