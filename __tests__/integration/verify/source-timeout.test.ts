// source-statement-timeout: a table whose hash or count on the source runs past the limit is
// reported by name as not verified (a warning), and the rest of the verification goes on. The
// statement is held up by a lock another session keeps on the table, so it surely exceeds 1 s.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import pg from 'pg'
import { openDatabase } from '../../../src/db.js'
import { hashSourceTables } from '../../../src/verify/checks/source-hashes.js'
import { countTables, snapshotSource } from '../../../src/verify/snapshot.js'
import type { SourceSnapshot } from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  dumpAndRestore,
  options,
  restoredPool,
  sql
} from './helpers.js'

let sourceName: string
let targetName: string
const TIMEOUT_MS = 1000

beforeAll(async () => {
  sourceName = await createDatabase('timeout_src')
  targetName = await createDatabase('timeout_dst')
  await sql(
    sourceName,
    `CREATE TABLE events (id serial PRIMARY KEY, what text);
     INSERT INTO events (what) SELECT 'e' || g FROM generate_series(1, 5000) g;
     CREATE TABLE users (id serial PRIMARY KEY, name text);
     INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 300) g;
     CREATE TABLE plans (code text PRIMARY KEY);
     INSERT INTO plans VALUES ('basic'), ('pro');`
  )
  dumpAndRestore(sourceName, targetName)
})

afterAll(async () => {
  for (const name of [sourceName, targetName]) if (name) await dropDatabase(name)
})

/** The source as the drill opens it, with source-statement-timeout 1 s. */
const limitedSource = () =>
  openDatabase(databaseUrl(sourceName), {
    role: 'source',
    maxConnections: 3,
    statementTimeoutMs: TIMEOUT_MS
  })

/** Runs `work` while another session holds an exclusive lock on `table` of the source. */
async function whileLocked<T>(table: string, work: () => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: databaseUrl(sourceName) })
  await holder.connect()
  try {
    await holder.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`)
    return await work()
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined)
    await holder.end()
  }
}

const opts = options({
  checksumTables: ['auto'],
  sourceStatementTimeoutMs: TIMEOUT_MS,
  selfTest: true
})

describe('source-statement-timeout', () => {
  test('a hash past the limit: a warning naming the table, the rest verified, the drill passes', async () => {
    const source = limitedSource()
    const restored = restoredPool(targetName, 3)
    try {
      const before: SourceSnapshot = await snapshotSource(source, { parallelism: 3 })
      const sourceChecksums = await whileLocked('events', () =>
        hashSourceTables(source, before, opts)
      )
      expect([...sourceChecksums.notHashed!]).toEqual([['public.events', 'timeout']])
      const v = await verifyRestore({
        source,
        restored,
        before,
        after: before.counts,
        restoreLogs: [],
        options: opts,
        sourceChecksums: Promise.resolve(sourceChecksums)
      })
      expect(v.passed).toBe(true)
      expect(v.findings.filter((f) => f.severity !== 'info')).toEqual([
        {
          check: 'checksums',
          object: 'public.events',
          message:
            'contents not verified: hashing it on the source took longer than source-statement-timeout (1.0s)',
          severity: 'warning'
        }
      ])
      expect(v.notVerified).toEqual([{ table: 'public.events', why: 'hash-timeout' }])
      expect(v.contents!.verified.sort()).toEqual(['public.plans', 'public.users'])
      // Its count is still compared (the count ran before the lock).
      expect(v.tables.find((t) => t.table === 'public.events')?.status).toBe('match')
      expect(v.selfTest?.passed).toBe(true)
    } finally {
      await source.end()
      await restored.end()
    }
  })

  test('a count past the limit: a warning naming the table, the snapshot and the rest go on', async () => {
    const source = limitedSource()
    const restored = restoredPool(targetName, 3)
    try {
      // The schema is read first (its catalog functions wait for the lock too), then the counts.
      const unlocked = await snapshotSource(source, { parallelism: 3 })
      const counts = await whileLocked('users', () =>
        countTables(source, { parallelism: 3, skipTimedOut: true })
      )
      const before: SourceSnapshot = { ...unlocked, counts }
      expect(before.counts.timedOut).toEqual(['public.users'])
      expect(before.counts.tables.map((t) => t.table)).toEqual(['public.events', 'public.plans'])
      const v = await verifyRestore({
        source,
        restored,
        before,
        after: before.counts,
        restoreLogs: [],
        options: opts
      })
      expect(v.passed).toBe(true)
      expect(v.findings.filter((f) => f.severity !== 'info')).toEqual([
        {
          check: 'counts',
          object: 'public.users',
          message:
            'row count not verified: counting it on the source before the backup took longer than source-statement-timeout',
          severity: 'warning'
        }
      ])
      expect(v.notVerified).toEqual([{ table: 'public.users', why: 'count-timeout' }])
      expect(v.contents!.verified.sort()).toEqual(['public.events', 'public.plans'])
    } finally {
      await source.end()
      await restored.end()
    }
  })
})
