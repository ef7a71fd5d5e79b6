// One rule for a custom check, in verification and in the promote drill: it passes when it
// returns exactly one value and that value is SQL true. A check returning 1, 't' or 'yes' fails
// in both places (it once passed the promote drill and failed verification).
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { createPgDatabases } from '../../../src/databases.js'
import { runPromoteDrill } from '../../../src/steps/promote.js'
import { Ownership } from '../../../src/safety.js'
import { DrillState } from '../../../src/state.js'
import { CHECK_ERROR } from '../../../src/verify/checks/custom.js'
import { countTables, snapshotSource } from '../../../src/verify/snapshot.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import type { CustomCheck } from '../../../src/verify/types.js'
import { FakeHeroku } from '../../fakes/fake-heroku.js'
import { createDatabase, databaseUrl, dropDatabase, options, sourcePool, sql } from './helpers.js'

const CHECKS: CustomCheck[] = [
  { name: 'true', sql: 'select true' },
  { name: 'comparison', sql: 'select count(*) > 0 from item' },
  { name: 'one', sql: 'select 1' },
  { name: 't', sql: "select 't'" },
  { name: 'yes', sql: "select 'yes'" },
  { name: 'false', sql: 'select false' },
  { name: 'null', sql: 'select null::boolean' },
  { name: 'two values', sql: 'select true, true' },
  { name: 'no row', sql: 'select true from item where false' }
]
const PASSING = ['true', 'comparison']

let name: string
beforeAll(async () => {
  name = await createDatabase('check_rule')
  await sql(name, 'CREATE TABLE item (id int PRIMARY KEY); INSERT INTO item VALUES (1), (2)')
})
afterAll(async () => {
  await dropDatabase(name)
})

async function passingInVerification(): Promise<string[]> {
  const pool = sourcePool(name)
  try {
    const before = await snapshotSource(pool, { parallelism: 1 })
    const after = await countTables(pool)
    const verification = await verifyRestore({
      source: pool,
      restored: pool,
      before,
      after,
      restoreLogs: [],
      options: options({ checks: CHECKS })
    })
    const failed = new Set(
      verification.findings
        .filter((f) => f.check === 'custom' || f.check === CHECK_ERROR)
        .map((f) => f.object)
    )
    return CHECKS.map((c) => c.name).filter((n) => !failed.has(n))
  } finally {
    await pool.end()
  }
}

async function passingInPromoteDrill(): Promise<string[]> {
  const heroku = new FakeHeroku()
  const platform = heroku.platform()
  // DATABASE_URL, as the promote drill reads it after the promote, is the test database.
  platform.getConfigVars = async () => ({ DATABASE_URL: databaseUrl(name) })
  const databases = createPgDatabases(1)
  const ownership = new Ownership()
  ownership.recordCreated({ id: 'drill-id', name: 'restore-drill-x', app: { name: 'shop' } })
  heroku.addons.push({ ...heroku.addons[0], id: 'drill-id', name: 'restore-drill-x' })
  const result = await runPromoteDrill(
    {
      app: 'shop',
      platform,
      databases,
      ownership,
      state: new DrillState({ saveState: () => {} }, 'shop'),
      deadline: new Date(Date.now() + 60_000),
      log: () => {}
    },
    { id: 'drill-id', name: 'restore-drill-x' },
    { id: 'prod-id', name: 'postgresql-prod-1' },
    CHECKS
  )
  await databases.closeAll()
  expect(result.problem).toBeUndefined()
  return result.checks
    .filter((c) => c.status === 'passed')
    .map((c) => c.id.replace(/^promote:/, ''))
}

test('a check is judged the same way in verification and in the promote drill', async () => {
  expect(await passingInVerification()).toEqual(PASSING)
  expect(await passingInPromoteDrill()).toEqual(PASSING)
})
