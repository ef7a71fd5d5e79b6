// The verifier's self-test on a real restore: known defects planted in the copy inside a
// transaction that is rolled back, each caught by the check that must see it; the copy is exactly
// as it was afterwards; the one guard refuses anything but the drill's copy.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import pg from 'pg'
import { checksumTable } from '../../../src/verify/checksum.js'
import { assertDrillCopy, selfTestLine } from '../../../src/verify/self-test.js'
import { snapshotSource } from '../../../src/verify/snapshot.js'
import { qualifiedName } from '../../../src/verify/sql.js'
import type {
  SourceSnapshot,
  TransferLogLine,
  Verification,
  VerifyOptions
} from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  dumpAndRestore,
  options,
  restoredPool,
  sourcePool,
  sql
} from './helpers.js'

let sourceName: string
let targetName: string
let before: SourceSnapshot
let logs: TransferLogLine[]

// Foreign keys (a referenced row refuses the delete), a user trigger that writes elsewhere,
// an identity column, a check constraint, an enum, an empty table and a table without a sequence.
const SCHEMA = `
  CREATE TYPE mood AS ENUM ('calm', 'busy');
  CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, mood mood NOT NULL DEFAULT 'calm');
  CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                       customer_id int NOT NULL REFERENCES customers(id),
                       total numeric(10,2) NOT NULL CHECK (total >= 0), placed date NOT NULL);
  CREATE TABLE audit (id serial PRIMARY KEY, note text);
  CREATE FUNCTION audit_orders() RETURNS trigger LANGUAGE plpgsql AS
    $$BEGIN INSERT INTO audit (note) VALUES (TG_OP); RETURN NULL; END$$;
  CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OR DELETE ON orders FOR EACH ROW EXECUTE FUNCTION audit_orders();
  CREATE TABLE settings (key text PRIMARY KEY, value jsonb);
  CREATE TABLE empty_things (id serial PRIMARY KEY);
  INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 40) g;
  INSERT INTO orders (customer_id, total, placed)
    SELECT 1 + g % 40, g, date '2024-01-01' + g FROM generate_series(1, 300) g;
  INSERT INTO settings VALUES ('a', '{"x": 1}'), ('b', '[1, 2]');`

beforeAll(async () => {
  sourceName = await createDatabase('selftest_src')
  targetName = await createDatabase('selftest_dst')
  await sql(sourceName, SCHEMA)
  const source = sourcePool(sourceName, 2)
  try {
    before = await snapshotSource(source, { parallelism: 2 })
  } finally {
    await source.end()
  }
  logs = dumpAndRestore(sourceName, targetName)
})

afterAll(async () => {
  for (const name of [sourceName, targetName]) if (name) await dropDatabase(name)
})

/** Every table's content hash and every sequence's state: the copy as it is. */
async function copyState(database: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl(database) })
  await client.connect()
  try {
    const state: Record<string, string> = {}
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      `SELECT schemaname AS schema, relname AS name FROM pg_stat_user_tables ORDER BY 1, 2`
    )
    for (const t of tables)
      state[`${t.schema}.${t.name}`] = (await checksumTable(client, t.schema, t.name)).hash
    const { rows: sequences } = await client.query<{ schema: string; name: string }>(
      `SELECT schemaname AS schema, sequencename AS name FROM pg_sequences ORDER BY 1, 2`
    )
    for (const s of sequences) {
      const { rows } = await client.query<{ v: string }>(
        `SELECT last_value::text || ':' || is_called::text AS v FROM ${qualifiedName(s.schema, s.name)}`
      )
      state[`sequence ${s.schema}.${s.name}`] = rows[0].v
    }
    return state
  } finally {
    await client.end()
  }
}

async function verify(
  overrides: Partial<VerifyOptions>,
  restoredDatabase = targetName
): Promise<Verification> {
  const source = sourcePool(sourceName, 2)
  const restored = restoredPool(restoredDatabase, 2)
  try {
    return await verifyRestore({
      source,
      restored,
      before,
      after: before.counts,
      restoreLogs: logs,
      options: options({ checksumTables: ['auto'], selfTest: true, ...overrides })
    })
  } finally {
    await source.end()
    await restored.end()
  }
}

describe('the verifier self-test', () => {
  test('a default run plants three defects, catches each, and leaves the copy exactly as it was', async () => {
    const copyBefore = await copyState(targetName)
    const v = await verify({})
    expect(v.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(v.passed).toBe(true)
    const result = v.selfTest!
    expect(result.planted.map((d) => [d.kind, d.check, d.caught])).toEqual([
      ['missing-row', 'counts', true],
      ['sequence-behind', 'sequences', true],
      ['changed-value', 'checksums', true]
    ])
    // Each caught by a finding on the object planted in, as the verification words a real loss.
    expect(result.planted[0].finding).toMatch(/expected|out of bounds|rows/i)
    expect(result.planted[1].finding).toMatch(/would collide/)
    expect(result.planted[2].finding).toMatch(/content differs/)
    expect(selfTestLine(result)).toBe('verifier self-test: 3 of 3 planted defects caught')
    expect(v.checks.find((c) => c.id === 'self-test')).toMatchObject({
      status: 'passed',
      detail: 'verifier self-test: 3 of 3 planted defects caught'
    })
    expect(await copyState(targetName)).toEqual(copyBefore)
  })

  test('with the checksum comparison broken on purpose, the self-test fails the verification', async () => {
    const copyBefore = await copyState(targetName)
    const v = await verify({ testOnlyBrokenChecksums: true })
    expect(v.passed).toBe(false)
    const changed = v.selfTest!.planted.find((d) => d.kind === 'changed-value')!
    expect(changed.caught).toBe(false)
    // The other checks still see their defects: only the broken one is reported.
    expect(v.selfTest!.planted.filter((d) => d.caught).map((d) => d.kind)).toEqual([
      'missing-row',
      'sequence-behind'
    ])
    const failing = v.findings.filter((f) => f.severity === 'mismatch')
    expect(failing).toEqual([
      expect.objectContaining({ check: 'self-test', object: changed.object })
    ])
    expect(failing[0].message).toMatch(/was not caught by the checksums check/)
    expect(selfTestLine(v.selfTest!)).toMatch(
      /^verifier self-test: 2 of 3 planted defects caught; /
    )
    expect(await copyState(targetName)).toEqual(copyBefore)
  })

  test('real damage on the copy is still found, and the self-test still proves the checks', async () => {
    await sql(targetName, `DELETE FROM settings WHERE key = 'b'`)
    try {
      const v = await verify({})
      expect(v.passed).toBe(false)
      expect(v.findings.some((f) => f.check === 'counts' && f.object === 'public.settings')).toBe(
        true
      )
      expect(v.selfTest!.passed).toBe(true)
    } finally {
      await dropDatabase(targetName)
      targetName = await createDatabase('selftest_dst')
      logs = dumpAndRestore(sourceName, targetName)
    }
  })

  test('self-test off: nothing is planted', async () => {
    const v = await verify({ selfTest: false })
    expect(v.selfTest).toBeUndefined()
    expect(v.checks.some((c) => c.id === 'self-test')).toBe(false)
  })

  test('the guard: never the source, whether opened read-only or as a writable copy', async () => {
    const source = sourcePool(sourceName, 1)
    const sourceAsCopy = restoredPool(sourceName, 1)
    try {
      await expect(assertDrillCopy(source, source)).rejects.toThrow(/read-only/)
      await expect(assertDrillCopy(sourceAsCopy, source)).rejects.toThrow(/source database/)
    } finally {
      await source.end()
      await sourceAsCopy.end()
    }
    const sourceBefore = await copyState(sourceName)
    const v = await verify({}, sourceName)
    expect(v.selfTest).toBeUndefined()
    expect(v.findings).toContainEqual(
      expect.objectContaining({ check: 'self-test', severity: 'warning' })
    )
    expect(await copyState(sourceName)).toEqual(sourceBefore)
  })
})
