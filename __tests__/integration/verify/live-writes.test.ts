// Live writes on the source while the backup is taken: writers insert, delete, update and abort
// during the dump, and keep writing while we verify. No false alarm on the busy tables, while a
// single row deleted from a quiet table of the restore is still caught.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { countTables, snapshotSource } from '../../../src/verify/snapshot.js'
import type { Verification } from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  options,
  restoreDump,
  restoredPool,
  sourcePool,
  sql
} from './helpers.js'

const run = promisify(execFile)
const binDir = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin'

const SETUP = `
  CREATE TABLE busy (id bigserial PRIMARY KEY, v text);
  CREATE TABLE churn (id bigserial PRIMARY KEY, v text);
  CREATE TABLE quiet (id int PRIMARY KEY, v text);
  CREATE TABLE "Busy Partitioned" (id bigserial, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE "bp 1" PARTITION OF "Busy Partitioned" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE "bp 2" PARTITION OF "Busy Partitioned" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  INSERT INTO busy (v) SELECT 'b' || g FROM generate_series(1, 2000) g;
  INSERT INTO churn (v) SELECT 'c' || g FROM generate_series(1, 2000) g;
  INSERT INTO quiet SELECT g, 'q' || g FROM generate_series(1, 500) g;
  INSERT INTO "Busy Partitioned" (at) SELECT date '2024-01-01' + (g % 700) FROM generate_series(1, 1000) g;
`

/** Writers looping until stopped: inserts, deletes, updates, aborted inserts, multi-row batches. */
function startWriters(database: string, count: number): { stop: () => Promise<number> } {
  let running = true
  let operations = 0
  const loops = Array.from({ length: count }, async (_, n) => {
    const client = new pg.Client({ connectionString: databaseUrl(database) })
    await client.connect()
    try {
      let i = 0
      while (running) {
        i++
        switch ((i + n) % 6) {
          case 0:
            await client.query(
              `INSERT INTO busy (v) SELECT 'w' FROM generate_series(1, 1 + $1::int % 7)`,
              [i]
            )
            break
          case 1:
            await client.query(
              'DELETE FROM churn WHERE id IN (SELECT id FROM churn ORDER BY id LIMIT 3)'
            )
            await client.query(`INSERT INTO churn (v) SELECT 'n' FROM generate_series(1, 3)`)
            break
          case 2:
            await client.query('UPDATE busy SET v = v || $1 WHERE id = $2', ['u', 1 + (i % 2000)])
            break
          case 3:
            await client.query('BEGIN')
            await client.query(`INSERT INTO busy (v) VALUES ('rolled back')`)
            await client.query('ROLLBACK')
            break
          case 4:
            await client.query(
              `INSERT INTO "Busy Partitioned" (at) VALUES (date '2024-01-01' + $1::int % 700)`,
              [i]
            )
            break
          default:
            await client.query('DELETE FROM busy WHERE id = (SELECT min(id) FROM busy)')
        }
        operations++
      }
    } finally {
      await client.end()
    }
  })
  return {
    stop: async () => {
      running = false
      await Promise.all(loops)
      return operations
    }
  }
}

let sourceName: string
const created: string[] = []
let dir: string

beforeAll(async () => {
  sourceName = await createDatabase('verify_live_src')
  await sql(sourceName, SETUP)
  dir = mkdtempSync(join(tmpdir(), 'verify-live-'))
})

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  for (const name of [sourceName, ...created]) if (name) await dropDatabase(name)
})

/** The drill's sequence with writers running throughout: before, capture, after, restore, verify. */
async function drillUnderWrites(
  damage: string | null,
  checksumTables: string[] = []
): Promise<{ v: Verification; operations: number }> {
  const source = sourcePool(sourceName)
  const writers = startWriters(sourceName, 3)
  const target = await createDatabase('verify_live_dst')
  created.push(target)
  try {
    await new Promise((resolve) => setTimeout(resolve, 300))
    const before = await snapshotSource(source, { parallelism: 3 })
    const file = join(dir, `${target}.dump`)
    await run(join(binDir, 'pg_dump'), ['-Fc', '-f', file, '-d', databaseUrl(sourceName)])
    const after = await countTables(source, { parallelism: 3 })
    const logs = restoreDump(file, target)
    if (damage) await sql(target, damage)
    const restored = restoredPool(target)
    try {
      const v = await verifyRestore({
        source,
        restored,
        before,
        after,
        restoreLogs: logs,
        // As in a real drill, where the restore alone outlasts the statistics flush delay.
        options: options({ statsFlushWaitMs: 11_000, checksumTables })
      })
      return { v, operations: await writers.stop() }
    } finally {
      await restored.end()
    }
  } finally {
    await writers.stop()
    await source.end()
  }
}

/**
 * The drill's sequence without writers: before snapshot, `beforeDump` SQL on the source, capture,
 * `afterDump` SQL, after counts, restore, verify.
 */
async function drillWithWindowSql(window: {
  beforeDump?: string
  afterDump?: string
  /** SQL run on the restored copy before the verify. */
  damage?: string
  checksumTables?: string[]
}): Promise<Verification> {
  const source = sourcePool(sourceName)
  const target = await createDatabase('verify_live_dst')
  created.push(target)
  try {
    const before = await snapshotSource(source, { parallelism: 2 })
    if (window.beforeDump) await sql(sourceName, window.beforeDump)
    const file = join(dir, `${target}.dump`)
    await run(join(binDir, 'pg_dump'), ['-Fc', '-f', file, '-d', databaseUrl(sourceName)])
    if (window.afterDump) await sql(sourceName, window.afterDump)
    const after = await countTables(source, { parallelism: 2 })
    const logs = restoreDump(file, target)
    if (window.damage) await sql(target, window.damage)
    const restored = restoredPool(target)
    try {
      return await verifyRestore({
        source,
        restored,
        before,
        after,
        restoreLogs: logs,
        options: options({ checksumTables: window.checksumTables ?? [] })
      })
    } finally {
      await restored.end()
    }
  } finally {
    await source.end()
  }
}

describe('verification under live writes', () => {
  test('no false alarm while the source is busy during the capture', async () => {
    const { v, operations } = await drillUnderWrites(null)
    expect(operations).toBeGreaterThan(50)
    if (process.env.DEBUG_VERIFY) console.log(operations, JSON.stringify(v.tables, null, 1))
    expect(v.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(v.passed).toBe(true)
    const status = Object.fromEntries(v.tables.map((t) => [t.table, t.status]))
    expect(status['public.quiet']).toBe('match')
    expect(status['public.busy']).toBe('within-bounds')
    expect(v.tables.find((t) => t.table === 'public.busy')?.note).toMatch(
      /inserts and [\d,]+ deletes counted/
    )
  })

  test('one row deleted from a quiet table of the restore is caught while the others move', async () => {
    const { v } = await drillUnderWrites('DELETE FROM quiet WHERE id = 250')
    expect(v.passed).toBe(false)
    expect(v.findings.filter((f) => f.severity === 'mismatch').map((f) => f.object)).toEqual([
      'public.quiet'
    ])
    expect(v.findings[0].message).toMatch(/restored 499 rows, expected 500/)
  })

  test('auto: the quiet table is hashed on both sides, so one altered value is caught; busy ones are not compared', async () => {
    const { v } = await drillUnderWrites(`UPDATE quiet SET v = 'altered' WHERE id = 7`, ['auto'])
    expect(v.passed).toBe(false)
    expect(v.findings.filter((f) => f.severity === 'mismatch')).toEqual([
      expect.objectContaining({ check: 'checksums', object: 'public.quiet' })
    ])
    expect(v.findings[0].message).toMatch(/content differs .* although the table had no writes/)
    const hashed = v.tables.filter((t) => t.checksum).map((t) => t.table)
    expect(hashed).toContain('public.quiet')
    expect(hashed).not.toContain('public.busy')
    expect(hashed).not.toContain('public.churn')
    expect(v.checks.find((c) => c.id === 'checksums')?.detail).toMatch(
      /^contents of \d+ of \d+ tables compared \(every table without writes in the window\).*; hashing took/
    )
  })

  // A nightly cleanup job: TRUNCATE and refill, before or after the dump, with fewer, as many or
  // more rows than before. TRUNCATE is not counted as deletes; the new relfilenode says it happened.
  test.each([
    ['before the dump, refilled with fewer rows', 'beforeDump', 1200],
    ['after the dump, refilled with more rows', 'afterDump', 2600],
    ['after the dump, left empty', 'afterDump', 0]
  ])('a TRUNCATE on the source %s: no false alarm', async (_, when, refill) => {
    const cleanup = `TRUNCATE churn; INSERT INTO churn (v) SELECT 'r' FROM generate_series(1, ${refill})`
    const v = await drillWithWindowSql({ [when]: cleanup, checksumTables: ['auto'] })
    expect(v.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(v.passed).toBe(true)
    const churn = v.tables.find((t) => t.table === 'public.churn')
    expect(churn?.status).toBe('within-bounds')
    expect(churn?.note).toMatch(/rewritten during the window/)
    // The truncated table's content is not compared; the quiet one's is.
    expect(churn?.checksum).toBeUndefined()
    expect(v.tables.find((t) => t.table === 'public.quiet')?.checksum?.match).toBe(true)
  })

  test('with a TRUNCATE in the window, a lost table and one lost row of a quiet table are still caught', async () => {
    const v = await drillWithWindowSql({
      afterDump: `TRUNCATE churn; INSERT INTO churn (v) SELECT 'r' FROM generate_series(1, 2000)`,
      damage: 'DROP TABLE busy; DELETE FROM quiet WHERE id = 250',
      checksumTables: ['auto']
    })
    expect(v.passed).toBe(false)
    const mismatched = v.findings.filter((f) => f.severity === 'mismatch')
    const objects = new Set(mismatched.map((f) => f.object))
    expect(objects.has('public.busy')).toBe(true)
    expect(objects.has('public.quiet')).toBe(true)
    expect(objects.has('public.churn')).toBe(false)
    expect(
      mismatched.find((f) => f.check === 'counts' && f.object === 'public.quiet')?.message
    ).toMatch(/restored 499 rows, expected 500/)
    expect(v.tables.find((t) => t.table === 'public.busy')?.status).toBe('missing')
    expect(v.tables.find((t) => t.table === 'public.churn')?.status).toBe('within-bounds')
  })

  test('a restore holding more rows than a rewritten table could have had is still a mismatch', async () => {
    const v = await drillWithWindowSql({
      afterDump: 'TRUNCATE churn',
      damage: `INSERT INTO churn (v) SELECT 'extra' FROM generate_series(1, 10)`
    })
    const finding = v.findings.find((f) => f.object === 'public.churn')
    expect(finding?.severity).toBe('mismatch')
    expect(finding?.message).toMatch(/restored 2,010 rows, expected 0\.\.2,000/)
  })

  test('statistics reset during the window: no false alarm, and the note says the counters were reset', async () => {
    const v = await drillWithWindowSql({
      beforeDump: `INSERT INTO busy (v) SELECT 'r' FROM generate_series(1, 10)`,
      afterDump: 'SELECT pg_stat_reset()'
    })
    expect(v.passed).toBe(true)
    const busy = v.tables.find((t) => t.table === 'public.busy')
    expect(busy?.status).toBe('within-bounds')
    expect(busy?.note).toMatch(/reset or unavailable/)
  })

  test('a migration on the source during the window is not blamed on the restore', async () => {
    const v = await drillWithWindowSql({
      beforeDump:
        'ALTER TABLE quiet ADD COLUMN added_by_deploy int; CREATE INDEX quiet_v ON quiet (v)'
    })
    expect(v.passed).toBe(true)
    expect(
      v.findings.filter((f) => f.check === 'schema').map((f) => `${f.severity} ${f.object}`)
    ).toEqual(['info public.quiet.added_by_deploy', 'info public.quiet_v'])
  })
})
