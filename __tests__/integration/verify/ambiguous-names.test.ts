// Names with dots: `a."b.c"` and `"a.b".c` are two tables that an unquoted `schema.name` spells
// the same (`a.b.c`), as it spells their sequences, indexes and columns the same. A restore that
// lost one of them once passed: every comparison keyed both by that one name. Each object is
// named by its parts, quoted where a part holds a dot or a quote, so the lost one is named.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { countTables, snapshotSource } from '../../../src/verify/snapshot.js'
import type { SourceSnapshot, Verification, VerifyOptions } from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
  dropDatabase,
  dumpDatabase,
  options,
  removeDump,
  restoreDump,
  restoredPool,
  sourcePool,
  sql
} from './helpers.js'

// Twins: the same columns, rows and definitions, so nothing but the name tells them apart (an
// index or a serial would: its name or its default names the table).
const TWIN = (table: string) =>
  `CREATE TABLE ${table} (id int NOT NULL, code text NOT NULL);
   INSERT INTO ${table} SELECT g, 'c' || g FROM generate_series(1, 20) g;`
const SETUP = `CREATE SCHEMA a; CREATE SCHEMA "a.b"; CREATE SCHEMA "a.v"; CREATE SCHEMA "a.s";
  ${TWIN('a."b.c"')} ${TWIN('"a.b".c')}
  CREATE MATERIALIZED VIEW a."v.w" AS SELECT 1 AS one;
  CREATE MATERIALIZED VIEW "a.v".w AS SELECT 1 AS one;
  CREATE SEQUENCE a."s.q"; CREATE SEQUENCE "a.s".q;`

let sourceName: string
let before: SourceSnapshot
let dumpFile: string
const created: string[] = []

beforeAll(async () => {
  sourceName = await createDatabase('verify_dots_src')
  await sql(sourceName, SETUP)
  const source = sourcePool(sourceName)
  try {
    before = await snapshotSource(source, { parallelism: 2 })
  } finally {
    await source.end()
  }
  dumpFile = dumpDatabase(sourceName)
})

afterAll(async () => {
  if (dumpFile) removeDump(dumpFile)
  for (const name of [sourceName, ...created]) if (name) await dropDatabase(name)
})

async function restoreDamagedAndVerify(
  damage: string | null,
  overrides: Partial<VerifyOptions> = {}
): Promise<Verification> {
  const target = await createDatabase('verify_dots_dst')
  created.push(target)
  const logs = restoreDump(dumpFile, target)
  if (damage) await sql(target, damage)
  const source = sourcePool(sourceName)
  const restored = restoredPool(target)
  try {
    return await verifyRestore({
      source,
      restored,
      before,
      after: await countTables(source, { parallelism: 2 }),
      restoreLogs: logs,
      options: options(overrides)
    })
  } finally {
    await source.end()
    await restored.end()
  }
}

const mismatchObjects = (v: Verification): string[] =>
  v.findings.filter((f) => f.severity === 'mismatch').map((f) => `${f.check}:${f.object}`)

test('the two tables are counted under two names, each quoted where it holds a dot', () => {
  expect(before.counts.tables.map((t) => t.table).sort()).toEqual(['"a.b".c', 'a."b.c"'])
})

test('a clean restore of the twins passes, the contents of each compared with its own', async () => {
  const v = await restoreDamagedAndVerify(null, { checksumTables: ['*'] })
  expect(mismatchObjects(v)).toEqual([])
  expect(v.tables.map((t) => [t.table, t.status, t.checksum?.match]).sort()).toEqual([
    ['"a.b".c', 'match', true],
    ['a."b.c"', 'match', true]
  ])
})

test('checksum-tables names one twin as objectName spells it: only that one is hashed', async () => {
  const v = await restoreDamagedAndVerify(`UPDATE "a.b".c SET code = 'changed' WHERE id = 3`, {
    checksumTables: ['"a.b".c']
  })
  expect(mismatchObjects(v)).toEqual(['checksums:"a.b".c'])
  expect(v.tables.find((t) => t.table === '"a.b".c')?.checksum?.match).toBe(false)
  expect(v.tables.find((t) => t.table === 'a."b.c"')?.checksum).toBeUndefined()
})

test.each([
  ['"a.b".c', 'DROP TABLE "a.b".c'],
  ['a."b.c"', 'DROP TABLE a."b.c"']
])('a restore that lost %s of the twins fails, naming it', async (lost, damage) => {
  const v = await restoreDamagedAndVerify(damage)
  expect(v.passed).toBe(false)
  expect(mismatchObjects(v)).toEqual(expect.arrayContaining([`schema:${lost}`, `counts:${lost}`]))
  expect(v.tables.find((t) => t.table === lost)?.status).toBe('missing')
})

test('a restore that lost one of two twin materialized views fails, naming it', async () => {
  const v = await restoreDamagedAndVerify('DROP MATERIALIZED VIEW "a.v".w')
  expect(mismatchObjects(v)).toEqual(['schema:"a.v".w'])
})

test('a restore that lost one of two twin sequences fails, naming it', async () => {
  const v = await restoreDamagedAndVerify('DROP SEQUENCE a."s.q"')
  expect(mismatchObjects(v)).toEqual(['schema:a."s.q"'])
})
