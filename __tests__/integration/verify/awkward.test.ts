// The awkward fixture, dumped and restored for real: a clean restore passes with every table
// counted; each kind of damage to the restored copy fails, naming the damaged object.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type pg from 'pg'
import { fileURLToPath } from 'node:url'
import { writeCanary } from '../../../src/verify/canary.js'
import { countTables, snapshotSchema, snapshotSource } from '../../../src/verify/snapshot.js'
import type {
  SourceSnapshot,
  TransferLogLine,
  Verification,
  VerifyOptions
} from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
  dropDatabase,
  dumpAndRestore,
  dumpDatabase,
  loadSqlFile,
  options,
  removeDump,
  restoreDump,
  restoredPool,
  sourcePool,
  sql
} from './helpers.js'

const FIXTURE = fileURLToPath(new URL('../../fixtures/awkward.sql', import.meta.url))
const LEAF_TABLES = [
  'Sales Data.Customer Accounts',
  'audit.Empty Table',
  'audit.log',
  'public.Events 2025 H1',
  'public.Events 2025 other',
  'public.events_2024',
  'public.events_default',
  'public.nothing_here',
  'public.receipts',
  'public.tickets',
  'select.table'
]

let sourceName: string
let source: pg.Pool
let before: SourceSnapshot
let canary: { id: string }
let dumpFile: string
const created: string[] = []

beforeAll(async () => {
  sourceName = await createDatabase('verify_awkward_src')
  loadSqlFile(sourceName, FIXTURE)
  source = sourcePool(sourceName)
  canary = await writeCanary(source, { run: 'test' })
  before = await snapshotSource(source, { parallelism: 3 })
  dumpFile = dumpDatabase(sourceName)
})

afterAll(async () => {
  await source?.end()
  if (dumpFile) removeDump(dumpFile)
  for (const name of [sourceName, ...created]) if (name) await dropDatabase(name)
})

/** Restores the dump into a fresh database, applies `damage` to it, and verifies. */
async function restoreAndVerify(
  damage: string | null,
  overrides: Partial<VerifyOptions> = {}
): Promise<Verification> {
  const target = await createDatabase('verify_awkward_dst')
  created.push(target)
  const logs: TransferLogLine[] = restoreDump(dumpFile, target)
  if (damage) await sql(target, damage)
  const restored = restoredPool(target)
  try {
    const after = await countTables(source, { parallelism: 3 })
    return await verifyRestore({
      source,
      restored,
      before,
      after,
      restoreLogs: logs,
      options: options(overrides)
    })
  } finally {
    await restored.end()
  }
}

const mismatchObjects = (v: Verification): string[] =>
  v.findings.filter((f) => f.severity === 'mismatch').map((f) => `${f.check}:${f.object}`)

describe('snapshot of the awkward database', () => {
  test('counts every leaf table once, never the partitioned parents, the canary or extension objects', () => {
    expect(before.counts.tables.map((t) => t.table).sort()).toEqual(LEAF_TABLES)
    const rows = Object.fromEntries(before.counts.tables.map((t) => [t.table, t.rows]))
    expect(rows['Sales Data.Customer Accounts']).toBe(300)
    expect(
      rows['public.events_2024'] +
        rows['public.Events 2025 H1'] +
        rows['public.Events 2025 other'] +
        rows['public.events_default']
    ).toBe(1500)
    expect(rows['audit.log']).toBe(130) // 10 rows + one per ticket insert (trigger)
    expect(rows['public.nothing_here']).toBe(0)
  })

  test('lists every kind of object, and nothing of restore_drill, pg_catalog or the extensions', () => {
    const kinds = new Set(before.schema.map((o) => o.kind))
    for (const kind of [
      'schema',
      'table',
      'column',
      'index',
      'constraint',
      'sequence',
      'view',
      'materialized view',
      'function',
      'trigger',
      'extension',
      'enum',
      'domain',
      'policy',
      'type'
    ]) {
      expect(kinds).toContain(kind)
    }
    const names = before.schema.map((o) => o.name)
    expect(names).toContain('Sales Data.Customer Accounts."e.mail"')
    expect(names).toContain('select.table."a""quote"')
    expect(names.some((n) => n.startsWith('restore_drill'))).toBe(false)
    expect(names.some((n) => n.startsWith('public.similarity('))).toBe(false) // pg_trgm's own function
    expect(before.schema.find((o) => o.name === 'public.events_2024')?.definition).toMatch(
      /PARTITION OF public\.events FOR VALUES/
    )
    expect(
      before.schema.find((o) => o.name === 'Sales Data.Customer Accounts.name_upper')?.definition
    ).toMatch(/GENERATED ALWAYS AS/)
    expect(
      before.schema.find((o) => o.name === 'Sales Data.Customer Accounts.Id')?.definition
    ).toMatch(/GENERATED ALWAYS AS IDENTITY/)
    expect(before.extensions).toEqual(
      expect.arrayContaining(['citext', 'hstore', 'pg_trgm', 'plpgsql'])
    )
    const sorted = [...before.schema].sort((a, b) =>
      a.kind + '\0' + a.name < b.kind + '\0' + b.name ? -1 : 1
    )
    expect(before.schema).toEqual(sorted)
  })

  test('the source snapshot is stable: read twice, it is the same', async () => {
    expect(await snapshotSchema(source)).toEqual(before.schema)
  })
})

describe('verifyRestore on the awkward database', () => {
  test('a clean restore passes: every table counted, content, sequences, canary and checks all good', async () => {
    const v = await restoreAndVerify(null, {
      checksumTables: ['*'],
      canary,
      checks: [
        {
          name: 'customers exist',
          sql: 'SELECT count(*) = 300 FROM "Sales Data"."Customer Accounts"'
        },
        {
          name: 'quoted names',
          sql: `SELECT bool_and("a""quote" LIKE 'it''s%') FROM "select"."table"`
        }
      ]
    })
    expect(mismatchObjects(v)).toEqual([])
    expect(v.passed).toBe(true)
    expect(v.tablesChecked).toBe(LEAF_TABLES.length)
    expect(v.rowsChecked).toBe(before.counts.tables.reduce((s, t) => s + t.rows, 0))
    expect(v.tables.every((t) => t.status === 'match' && t.checksum?.match === true)).toBe(true)
    expect(v.checks.map((c) => `${c.id}:${c.status}`)).toEqual([
      'restore-warnings:passed',
      'schema:passed',
      'integrity:passed',
      'counts:passed',
      'sequences:passed',
      'checksums:passed',
      'large-objects:skipped',
      'matviews:passed',
      'canary:passed',
      'custom:passed'
    ])
  })

  test.each([
    ['drop a table', 'DROP TABLE "select"."table"', ['schema:select.table', 'counts:select.table']],
    [
      'delete rows',
      `DELETE FROM audit.log WHERE ctid IN (SELECT ctid FROM audit.log LIMIT 2)`,
      ['counts:audit.log']
    ],
    [
      'delete a partition row',
      `DELETE FROM public.events WHERE id = 7`,
      ['counts:public.events_2024']
    ],
    [
      'reset a sequence',
      `SELECT setval('public.shared_seq', 1000)`,
      ['sequences:public.shared_seq']
    ],
    [
      'reset an identity',
      `SELECT setval(pg_get_serial_sequence('"Sales Data"."Customer Accounts"', 'Id'), 5)`,
      ['sequences:Sales Data.Customer Accounts_Id_seq']
    ],
    ['drop an index', 'DROP INDEX "Sales Data"."trgm on name"', ['schema:Sales Data.trgm on name']],
    [
      'invalidate an index',
      `UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.events_kind_idx'::regclass`,
      ['integrity:public.events_kind_idx']
    ],
    [
      'a NOT VALID constraint',
      'ALTER TABLE public.receipts DROP CONSTRAINT receipts_ticket_fkey; ' +
        'ALTER TABLE public.receipts ADD CONSTRAINT receipts_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.tickets (id) NOT VALID',
      ['integrity:public.receipts.receipts_ticket_fkey']
    ],
    [
      'drop a trigger',
      'DROP TRIGGER "After Ticket" ON public.tickets',
      ['schema:public.tickets.After Ticket']
    ],
    [
      'change a column default',
      `ALTER TABLE "select"."table" ALTER COLUMN "where" SET DEFAULT 'x'`,
      ['schema:select.table.where']
    ],
    [
      'drop a view',
      'DROP VIEW "Sales Data"."Happy Customers"',
      ['schema:Sales Data.Happy Customers']
    ],
    [
      'drop a policy',
      'DROP POLICY "own notes" ON audit."Empty Table"',
      ['schema:audit.Empty Table.own notes']
    ],
    [
      'switch off row-level security',
      'ALTER TABLE audit."Empty Table" DISABLE ROW LEVEL SECURITY',
      ['schema:audit.Empty Table']
    ],
    [
      'drop an extension',
      'DROP EXTENSION hstore CASCADE',
      ['schema:hstore', 'schema:Sales Data.Customer Accounts.attrs']
    ]
  ])('%s fails, naming the object', async (_label, damage, expected) => {
    const v = await restoreAndVerify(damage)
    expect(v.passed).toBe(false)
    expect(mismatchObjects(v)).toEqual(expect.arrayContaining(expected))
  })

  test('one altered value fails the checksum of that table only (row count unchanged)', async () => {
    const v = await restoreAndVerify(
      `UPDATE "Sales Data"."Customer Accounts" SET profile = profile || '{"n": -1}' WHERE "Id" = 42`,
      { checksumTables: ['Sales Data.Customer Accounts', 'select.table', 'events'] }
    )
    expect(mismatchObjects(v)).toEqual(['checksums:Sales Data.Customer Accounts'])
    const row = v.tables.find((t) => t.table === 'Sales Data.Customer Accounts')
    expect(row?.status).toBe('match')
    expect(row?.checksum?.match).toBe(false)
    expect(v.tables.find((t) => t.table === 'select.table')?.checksum?.match).toBe(true)
  })

  test('checksums ignore physical row order', async () => {
    const v = await restoreAndVerify(
      'CREATE TEMP TABLE shuffled AS SELECT * FROM audit.log ORDER BY random(); ' +
        'DELETE FROM audit.log; INSERT INTO audit.log SELECT * FROM shuffled',
      { checksumTables: ['audit.log'] }
    )
    expect(mismatchObjects(v)).toEqual([])
    expect(v.tables.find((t) => t.table === 'audit.log')?.checksum?.match).toBe(true)
  })

  test('when hashing the restored copy fails, the counts check still counts and judges every table', async () => {
    // An enum label removed from the catalog: count(*) never prints the value, the text hash does.
    const v = await restoreAndVerify(
      `DELETE FROM pg_enum WHERE enumtypid = 'public.mood'::regtype AND enumlabel = 'sad'`,
      { checksumTables: ['*'] }
    )
    const check = (id: string) => v.checks.find((c) => c.id === id)
    expect(check('checksums')?.status).toBe('failed')
    expect(check('checksums')?.detail).toMatch(/check could not run: .*enum/)
    expect(check('counts')?.status).toBe('passed')
    const rows = Object.fromEntries(v.tables.map((t) => [t.table, t.restored]))
    expect(rows).toEqual(Object.fromEntries(before.counts.tables.map((t) => [t.table, t.rows])))
  })

  test('checksums catch two duplicate rows replaced by two other duplicates (XOR would not)', async () => {
    const v = await restoreAndVerify(
      `UPDATE audit.log SET what = 'other' WHERE ctid IN (SELECT ctid FROM audit.log WHERE what = 'dup' LIMIT 2)`,
      { checksumTables: ['audit.log'] }
    )
    expect(mismatchObjects(v)).toEqual(['checksums:audit.log'])
  })

  test('a sequence already behind in the source is a warning, not a restore failure', async () => {
    // Rows inserted with explicit ids past the sequence, in the source itself.
    const behindSource = await createDatabase('verify_awkward_seq')
    created.push(behindSource)
    await sql(
      behindSource,
      `CREATE TABLE t (id serial PRIMARY KEY); INSERT INTO t (id) VALUES (1), (2), (50)`
    )
    const src = sourcePool(behindSource)
    const target = await createDatabase('verify_awkward_seq_dst')
    created.push(target)
    const restored = restoredPool(target)
    try {
      const before = await snapshotSource(src, { parallelism: 1 })
      const logs = dumpAndRestore(behindSource, target)
      const after = await countTables(src, { parallelism: 1 })
      const v = await verifyRestore({
        source: src,
        restored,
        before,
        after,
        restoreLogs: logs,
        options: options()
      })
      expect(v.passed).toBe(true)
      expect(v.findings).toEqual([
        expect.objectContaining({
          object: 'public.t_id_seq',
          severity: 'warning',
          message: expect.stringMatching(/behind too/)
        })
      ])
    } finally {
      await src.end()
      await restored.end()
    }
  })

  test('an extension restored at another version passes with a warning naming both versions', async () => {
    // pg_restore's CREATE EXTENSION names no version: the target installs its default (citext 1.6).
    const oldExt = await createDatabase('verify_awkward_ext')
    created.push(oldExt)
    await sql(
      oldExt,
      `CREATE EXTENSION citext VERSION '1.4'; CREATE TABLE t (name citext); INSERT INTO t VALUES ('A')`
    )
    const src = sourcePool(oldExt)
    const target = await createDatabase('verify_awkward_ext_dst')
    created.push(target)
    const restored = restoredPool(target)
    try {
      const before = await snapshotSource(src, { parallelism: 1 })
      const logs = dumpAndRestore(oldExt, target)
      const v = await verifyRestore({
        source: src,
        restored,
        before,
        after: before.counts,
        restoreLogs: logs,
        options: options({ checksumTables: ['*'] })
      })
      const version = async (pool: typeof src) =>
        (await pool.query("SELECT extversion FROM pg_extension WHERE extname = 'citext'")).rows[0]
          .extversion as string
      const restoredVersion = await version(restored)
      expect(restoredVersion).not.toBe('1.4')
      expect(v.passed).toBe(true)
      expect(v.findings.filter((f) => f.severity === 'warning')).toEqual([
        expect.objectContaining({
          check: 'schema',
          object: 'citext',
          message: expect.stringContaining(
            `extension version 1.4 in the source, version ${restoredVersion} in the restore`
          )
        })
      ])
    } finally {
      await src.end()
      await restored.end()
    }
  })

  test('a missing canary, a false check and an erroring check each name themselves', async () => {
    const v = await restoreAndVerify('DELETE FROM restore_drill.canary', {
      canary,
      checks: [
        { name: 'always false', sql: 'SELECT false' },
        { name: 'broken sql', sql: 'SELECT * FROM no_such_table' },
        { name: 'two values', sql: 'SELECT true, true' },
        { name: 'no writes', sql: 'CREATE TABLE x (id int)' },
        { name: 'fine', sql: 'SELECT true' }
      ]
    })
    expect(mismatchObjects(v).sort()).toEqual(
      [
        'canary:restore_drill.canary',
        'custom:always false',
        'custom:broken sql',
        'check-error:two values',
        'custom:no writes'
      ].sort()
    )
  })

  test('with backup latest, counts out of bound are drift, not mismatch; schema still must match', async () => {
    const v = await restoreAndVerify(`DELETE FROM audit.log WHERE who = 'batch'`, {
      backupMode: 'latest'
    })
    expect(v.passed).toBe(true)
    expect(v.tables.find((t) => t.table === 'audit.log')?.status).toBe('drift')
    expect(v.findings.find((f) => f.object === 'audit.log')?.severity).toBe('warning')
  })
})
