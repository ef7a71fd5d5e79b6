// verify-budget on a real restore: 40 tables of mixed sizes drilled again and again with the
// coverage carried from drill to drill (as the history does) and a budget that holds about a
// quarter of the hashing. Each drill's hashing stays within the budget, each drill verifies at
// least one table never verified before until every table has been, and the coverage line is
// right each time. How many drills that takes depends on the machine's load during them (the
// budget is calibrated once, before them): about four on a quiet machine, at most eight here.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { hashSourceTables } from '../../../src/verify/checks/source-hashes.js'
import {
  coverageLine,
  drillsAgo,
  nextCoverage,
  type ContentCoverage
} from '../../../src/verify/coverage.js'
import { snapshotSource } from '../../../src/verify/snapshot.js'
import type { SourceSnapshot, Verification, VerifyOptions } from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
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

// Sizes growing by 6% from table to table: 32,000 rows up to about 310,000, 5 million in all. The
// biggest is 6% of the whole: one table is hashed on one connection, so with 3 connections a
// quarter of the hashing holds a table of up to a twelfth of it.
const SIZES = Array.from({ length: 40 }, (_, i) => Math.round(32_000 * 1.06 ** i))
const tableName = (i: number) => `t${String(i).padStart(2, '0')}`
const TABLES = SIZES.map((_, i) => `public.${tableName(i)}`)

beforeAll(async () => {
  sourceName = await createDatabase('budget_src')
  targetName = await createDatabase('budget_dst')
  await sql(
    sourceName,
    SIZES.map(
      (rows, i) =>
        `CREATE TABLE ${tableName(i)} (id serial PRIMARY KEY, label text, amount numeric, at timestamptz);
         INSERT INTO ${tableName(i)} (label, amount, at)
           SELECT 'row ' || g, g * 1.5, timestamptz '2024-01-01' + g * interval '1 minute'
             FROM generate_series(1, ${rows}) g;`
    ).join('\n')
  )
  const source = sourcePool(sourceName, 3)
  try {
    before = await snapshotSource(source, { parallelism: 3 })
  } finally {
    await source.end()
  }
  dumpAndRestore(sourceName, targetName)
}, 600_000)

afterAll(async () => {
  for (const name of [sourceName, targetName]) if (name) await dropDatabase(name)
})

/** One drill's verification, the source hashed ahead as the drill does while the restore runs. */
async function drill(
  overrides: Partial<VerifyOptions>
): Promise<{ v: Verification; verifySeconds: number }> {
  const source = sourcePool(sourceName, 3)
  const restored = restoredPool(targetName, 3)
  try {
    const opts = options({ checksumTables: ['auto'], ...overrides })
    // The drill's source pool is warm: its snapshot used every connection.
    await Promise.all([1, 2, 3].map(() => source.query('SELECT 1')))
    const sourceChecksums = hashSourceTables(source, before, opts)
    await sourceChecksums
    const startedAt = performance.now()
    const v = await verifyRestore({
      source,
      restored,
      before,
      after: before.counts,
      restoreLogs: [],
      options: opts,
      sourceChecksums
    })
    return { v, verifySeconds: (performance.now() - startedAt) / 1000 }
  } finally {
    await source.end()
    await restored.end()
  }
}

/** The coverage line as a reader works it out from which drill verified what. */
function expectedLine(lastVerified: Map<string, number>, drillNumber: number, now: number): string {
  const head = `contents of ${now} of 40 tables this drill`
  const never = TABLES.filter((t) => !lastVerified.has(t))
  if (never.length > 0)
    return `${head}; ${never.length} table${never.length === 1 ? '' : 's'} not verified yet (e.g. ${never[0]})`
  const oldest = TABLES.reduce((a, b) => (lastVerified.get(b)! < lastVerified.get(a)! ? b : a))
  const ago = drillNumber - lastVerified.get(oldest)!
  if (ago === 0) return head
  return `${head}; every table within the last ${ago + 1} drills; oldest: ${oldest}, ${ago} drill${ago === 1 ? '' : 's'} ago`
}

describe('verify-budget', () => {
  test('drills with a quarter of the hashing each: within the budget, each one reaching tables never verified until all are, the line right', async () => {
    // What the whole hashing takes, and what the checks cost without any hashing.
    const full = await drill({})
    expect(full.v.contents!.verified).toHaveLength(40)
    const hashing = full.v.contents!.restoredSeconds
    const fixed = (await drill({ checksumTables: [] })).verifySeconds
    // About a quarter: a little more, for what parallel hashing cannot pack into the budget's tail.
    const budgetSeconds = hashing * 0.3

    let coverage: ContentCoverage | undefined
    const lastVerified = new Map<string, number>()
    for (let n = 1; lastVerified.size < TABLES.length; n++) {
      // Eight drills hold 2.4 times the whole hashing: enough for a machine twice as busy as at
      // the calibration; a rotation that starves some tables never gets there.
      expect(n).toBeLessThanOrEqual(8)
      const contentBudget = {
        seconds: budgetSeconds,
        drillsAgo: drillsAgo(coverage),
        ...(coverage?.rowsPerSecond ? { rowsPerSecond: coverage.rowsPerSecond } : {})
      }
      const { v, verifySeconds } = await drill({ contentBudget })
      if (process.env.DEBUG_VERIFY)
        console.log(
          n,
          budgetSeconds,
          fixed,
          verifySeconds,
          v.contents!.verified.join(' '),
          v.contents!.deferred.length,
          v.contents!.sourceRows,
          v.contents!.sourceSeconds,
          v.contents!.restoredSeconds,
          v.contents!.rowsPerSecond,
          v.notVerified
        )
      expect(v.passed).toBe(true)
      const contents = v.contents!
      // Within the budget (each hash is capped at the time left) plus the fixed costs.
      expect(contents.sourceSeconds).toBeLessThanOrEqual(budgetSeconds + 1)
      expect(contents.restoredSeconds).toBeLessThanOrEqual(budgetSeconds + 0.5)
      expect(verifySeconds).toBeLessThanOrEqual(budgetSeconds + fixed * 2 + 1)
      expect(contents.verified.length).toBeGreaterThan(0)
      expect(contents.verified.length).toBeLessThan(40)
      // Every table is either verified or deferred; none is lost from the account.
      expect([...contents.verified, ...contents.deferred].sort()).toEqual(TABLES)
      // Progress: tables never verified come first, so each drill reaches at least one.
      expect(contents.verified.filter((t) => !lastVerified.has(t)).length).toBeGreaterThan(0)
      for (const table of contents.verified) lastVerified.set(table, n)
      coverage = nextCoverage(
        coverage,
        new Date().toISOString(),
        contents.verified,
        TABLES,
        contents.rowsPerSecond
      )
      expect(coverageLine(coverage, TABLES)).toBe(
        expectedLine(lastVerified, n, contents.verified.length)
      )
    }
    expect([...lastVerified.keys()].sort()).toEqual(TABLES)
  }, 600_000)
})
