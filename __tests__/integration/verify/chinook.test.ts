// The Chinook sample database, dumped and restored for real: verification passes with
// 11 tables and 15,607 rows, content checksums included.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checksumTable } from '../../../src/verify/checksum.js'
import { countTables, snapshotSource } from '../../../src/verify/snapshot.js'
import type pg from 'pg'
import type { SourceSnapshot, VerifyOptions } from '../../../src/verify/types.js'
import { hashSourceTables, verifyRestore, type SourceHashes } from '../../../src/verify/verify.js'
import {
  createDatabase,
  dropDatabase,
  dumpAndRestore,
  loadSqlFile,
  options,
  restoredPool,
  sourcePool,
  sql
} from './helpers.js'

const CHINOOK = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/chinook/chinook.sql')
let sourceName: string
let targetName: string

beforeAll(async () => {
  sourceName = await createDatabase('verify_chinook_src')
  targetName = await createDatabase('verify_chinook_dst')
  loadSqlFile(sourceName, CHINOOK)
})

/** Verifies the restored copy against a source nobody wrote to since `before`. */
function verifyQuiet(
  source: pg.Pool,
  restored: pg.Pool,
  before: SourceSnapshot,
  opts: VerifyOptions,
  sourceChecksums?: Promise<SourceHashes>
) {
  return verifyRestore({
    source,
    restored,
    before,
    after: before.counts,
    restoreLogs: [],
    options: opts,
    sourceChecksums
  })
}

afterAll(async () => {
  for (const name of [sourceName, targetName]) if (name) await dropDatabase(name)
})

test('Chinook round trip passes: 11 tables, 15,607 rows, checksums and the 10 serial sequences (playlist_track has none)', async () => {
  const source = sourcePool(sourceName)
  const restored = restoredPool(targetName)
  try {
    const before = await snapshotSource(source, { parallelism: 3 })
    const logs = dumpAndRestore(sourceName, targetName)
    const after = await countTables(source, { parallelism: 3 })
    const v = await verifyRestore({
      source,
      restored,
      before,
      after,
      restoreLogs: logs,
      options: options({ checksumTables: ['*'] })
    })
    expect(v.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(v.passed).toBe(true)
    expect(v.tablesChecked).toBe(11)
    expect(v.rowsChecked).toBe(15_607)
    expect(v.tables.every((t) => t.status === 'match' && t.checksum?.match)).toBe(true)
    expect(v.checks.find((c) => c.id === 'sequences')?.detail).toMatch(/^10 sequences ahead/)
  } finally {
    await source.end()
    await restored.end()
  }
})

test('the fast record hash covers Chinook, and one altered price in the restore is caught', async () => {
  const source = sourcePool(sourceName)
  const restored = restoredPool(targetName)
  try {
    // Restored by the previous test; hashed with hash_record_extended (no enum or user type).
    const hashed = await checksumTable(source, 'public', 'track')
    expect(hashed.method).toBe('record')
    expect(hashed.rows).toBe(3503)
    expect((await checksumTable(restored, 'public', 'track')).hash).toBe(hashed.hash)
    await sql(targetName, 'UPDATE track SET unit_price = unit_price + 0.01 WHERE track_id = 1')
    const before = await snapshotSource(source, { parallelism: 3 })
    const opts = options({ checksumTables: ['track', 'album'] })
    // Hashed during the verify, and hashed ahead (as the drill does while the restore runs).
    for (const sourceChecksums of [undefined, hashSourceTables(source, before, opts)]) {
      const v = await verifyQuiet(source, restored, before, opts, sourceChecksums)
      expect(v.findings.filter((f) => f.severity === 'mismatch').map((f) => f.object)).toEqual([
        'public.track'
      ])
      expect(v.tables.find((t) => t.table === 'public.album')?.checksum?.match).toBe(true)
      // Hashing ahead is not in the check's time, so the detail says what it cost.
      const detail = v.checks.find((c) => c.id === 'checksums')?.detail ?? ''
      expect(
        /hashing took (\d\.\ds|\d+s|\d+m \d+s) on the source \(during the restore\)/.test(detail)
      ).toBe(!!sourceChecksums)
    }
  } finally {
    await source.end()
    await restored.end()
  }
})

test('with every table hashed, the counts come from the hashes and still catch lost rows and a lost table', async () => {
  const source = sourcePool(sourceName)
  const restored = restoredPool(targetName)
  try {
    // The restored copy of the earlier tests, damaged again: rows deleted, a table dropped.
    await sql(targetName, 'DELETE FROM playlist_track WHERE playlist_id = 1')
    await sql(targetName, 'DROP TABLE genre CASCADE')
    const before = await snapshotSource(source, { parallelism: 3 })
    const v = await verifyQuiet(source, restored, before, options({ checksumTables: ['*'] }))
    const playlistTrack = v.tables.find((t) => t.table === 'public.playlist_track')
    const sourceRows = before.counts.tables.find((t) => t.table === 'public.playlist_track')?.rows
    const deleted = Number(
      (await source.query('SELECT count(*) AS n FROM playlist_track WHERE playlist_id = 1')).rows[0]
        .n
    )
    expect(deleted).toBeGreaterThan(0)
    expect(playlistTrack?.restored).toBe((sourceRows ?? 0) - deleted)
    expect(playlistTrack?.status).toBe('mismatch')
    expect(v.tables.find((t) => t.table === 'public.genre')?.restored).toBeNull()
    const failed = (check: string) =>
      v.findings
        .filter((f) => f.severity === 'mismatch' && f.check === check)
        .map((f) => f.object)
        .sort()
    expect(failed('counts')).toEqual(['public.genre', 'public.playlist_track'])
    expect(failed('checksums')).toEqual(['public.genre', 'public.playlist_track', 'public.track'])
    expect(v.passed).toBe(false)
  } finally {
    await source.end()
    await restored.end()
  }
})
