// The verifier's self-test (self-test: true): after verification, inside one transaction on the
// drill's own copy that is always rolled back, plant known defects and re-run exactly the checks
// that must see them, each on the one object planted in:
//   a missing row in a hashed table   → the counts check (a hashed table's count comes from its hash)
//   a sequence set behind its column  → the sequences check
//   a changed value in a quiet table  → the checksums check
// Each must fail. The re-runs never read the source: the source's hash of a table is the copy's
// own, proven equal by the verification; the source is asked nothing else.
import type pg from 'pg'
import { hashRestoredTables, type SourceHashes } from './checks/checksums.js'
import { checksumsCheck } from './checks/checksums.js'
import type { CheckContext, CheckModule } from './checks/context.js'
import { countsCheck } from './checks/counts.js'
import { judgeSequences, sequenceState, sequenceUses } from './checks/sequences.js'
import type { SequenceUse } from './checks/sequences.js'
import { checksumTable } from './checksum.js'
import { changeOneValue, deleteOneRow, restartBehind, tryPlant } from './plant.js'
import { OpenTransaction } from './session.js'
import { objectName, qualifiedName } from './sql.js'
import type {
  DefectKind,
  Finding,
  PlantedDefect,
  SelfTestResult,
  TableCount,
  TableResult,
  VerifyOptions
} from './types.js'
export type { DefectKind, PlantedDefect, SelfTestResult } from './types.js'
export { defectDescription, selfTestLine } from './lines.js'
import { windowWatched } from './types.js'

/** How many candidates of each kind are tried before the defect is reported as not planted. */
const CANDIDATES = 5

/** The source as the re-runs see it: never read (a read would be a bug, and fails the catch). */
const NO_SOURCE = {
  query: () => Promise.reject(new Error('the self-test does not read the source'))
} as unknown as pg.Pool

/**
 * The one guard: the self-test writes (then rolls back) only on the drill's copy. It refuses a
 * connection that is read-only by default (how the source is opened) and a database that is the
 * source's (same server address, port and name).
 */
export async function assertDrillCopy(restored: pg.Pool, source: pg.Pool): Promise<void> {
  const IDENTITY = `SELECT current_database() AS db, COALESCE(inet_server_addr()::text, 'local') AS addr,
    COALESCE(inet_server_port(), 0) AS port, current_setting('default_transaction_read_only') AS ro`
  const [copy, origin] = await Promise.all([
    restored.query<{ db: string; addr: string; port: number; ro: string }>(IDENTITY),
    source.query<{ db: string; addr: string; port: number }>(IDENTITY)
  ])
  const c = copy.rows[0]
  const o = origin.rows[0]
  if (c.ro === 'on') throw new Error('the self-test refuses a read-only connection (the source)')
  if (c.db === o.db && c.addr === o.addr && c.port === o.port)
    throw new Error('the self-test refuses the source database')
}

/** Tables verified exactly (count equal, contents equal and unchanged): the plant's candidates. */
function exactTables(tables: TableResult[], unchanged: Set<string>): TableResult[] {
  return tables
    .filter((t) => t.status === 'match' && t.checksum?.match && (t.restored ?? 0) > 0)
    .filter((t) => unchanged.has(t.table))
    .sort((a, b) => (a.restored ?? 0) - (b.restored ?? 0))
}

/**
 * The tables no foreign key points at come first for a missing row: deleting a row elsewhere may
 * break a reference (the smallest tables of a normal schema are lookups, all referenced).
 */
async function unreferencedFirst(
  open: OpenTransaction,
  ctx: CheckContext,
  candidates: TableResult[]
): Promise<TableResult[]> {
  const { rows } = await open.query<{ schema: string; name: string }>(
    `SELECT DISTINCT n.nspname AS schema, c.relname AS name
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.confrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f'`
  )
  const referenced = new Set(rows.map((r) => JSON.stringify([r.schema, r.name])))
  const isReferenced = (t: TableResult): number => {
    const table = ctx.before.counts.tables.find((c) => c.table === t.table)
    return table && !referenced.has(JSON.stringify([table.schema, table.name])) ? 0 : 1
  }
  return [...candidates].sort((a, b) => isReferenced(a) - isReferenced(b))
}

/** The context of one re-run: the one table, the copy in the open transaction, no source. */
function defectContext(
  ctx: CheckContext,
  open: OpenTransaction,
  table: TableCount,
  sourceHash: SourceHashes
): CheckContext {
  const before = {
    ...ctx.before,
    counts: { ...ctx.before.counts, tables: [table], timedOut: [] }
  }
  const after = {
    ...ctx.after,
    tables: ctx.after.tables.filter((t) => t.table === table.table),
    timedOut: []
  }
  const { contentBudget: _all, ...rest } = ctx.options
  const options: VerifyOptions = { ...rest, checksumTables: [table.table], parallelism: 1 }
  const restored = open as unknown as pg.Pool
  const sourceChecksums = Promise.resolve(sourceHash)
  const restoredChecksums = () => hashRestoredTables(restored, before, options, sourceChecksums)
  return {
    source: NO_SOURCE,
    restored,
    before,
    after,
    restoreLogs: [],
    options,
    sourceChecksums,
    sourceHashedAhead: true,
    restoredSchema: () => Promise.reject(new Error('not re-run by the self-test')),
    // As in the verification: a hashed table's count comes from its hash.
    restoredCounts: async () => {
      const hashes = await restoredChecksums()
      const hash = hashes.byTable.get(table.table)
      return {
        takenAt: new Date().toISOString(),
        tables: hash ? [{ ...table, rows: hash.rows }] : []
      }
    },
    restoredChecksums,
    closingCounters: async () => null,
    closingCountersAfterFlush: async () => null
  }
}

/** Whether the re-run's findings name the planted object as the damage the verification fails on. */
function judged(
  findings: Finding[],
  check: string,
  object: string,
  options: VerifyOptions
): { caught: boolean; finding: string } {
  // Where no loss can be proven (an older backup), the check's warning is all it can say.
  const strong = (f: Finding) =>
    f.severity === 'mismatch' || (!windowWatched(options) && f.severity === 'warning')
  const own = findings.find((f) => f.check === check && f.object === object && strong(f))
  if (own) return { caught: true, finding: own.message }
  const other = findings[0]
  return { caught: false, finding: other ? other.message : 'no finding' }
}

async function runCheck(check: CheckModule, ctx: CheckContext): Promise<Finding[]> {
  try {
    return (await check.run(ctx)).findings
  } catch (err) {
    return [
      {
        check: check.id,
        object: check.title,
        message: (err as Error).message,
        severity: 'mismatch'
      }
    ]
  }
}

type Plant = (open: OpenTransaction, schema: string, name: string) => Promise<boolean>

/** A missing row or a changed value in one of the exactly verified tables, then its check re-run. */
async function tablePlant(
  ctx: CheckContext,
  open: OpenTransaction,
  candidates: TableResult[],
  kind: DefectKind,
  plant: Plant
): Promise<PlantedDefect | string> {
  const check = kind === 'missing-row' ? countsCheck : checksumsCheck
  const ordered =
    kind === 'missing-row' ? await unreferencedFirst(open, ctx, candidates) : candidates
  for (const candidate of ordered.slice(0, CANDIDATES)) {
    const table = ctx.before.counts.tables.find((t) => t.table === candidate.table)
    if (!table) continue
    // The source's hash as the verification found it: equal to the copy's, read here untouched.
    const own = await checksumTable(open, table.schema, table.name)
    if (own.hash !== candidate.checksum?.restored) continue
    const hashes: SourceHashes = {
      hashedAt: Date.now(),
      seconds: 0,
      byTable: new Map([[table.table, own]]),
      unchanged: new Set([table.table]),
      notHashed: new Map(),
      rows: own.rows
    }
    const savepoint = open.nextSavepoint()
    await open.query(`SAVEPOINT ${savepoint}`)
    try {
      if (!(await tryPlant(open, () => plant(open, table.schema, table.name)))) continue
      const findings = await runCheck(check, defectContext(ctx, open, table, hashes))
      return {
        kind,
        check: check.id,
        object: table.table,
        ...judged(findings, check.id, table.table, ctx.options)
      }
    } finally {
      await open.query(`ROLLBACK TO SAVEPOINT ${savepoint}`)
    }
  }
  return candidates.length === 0
    ? 'no table was verified exactly (count and contents, without writes) with a row to plant in'
    : 'every candidate table refused the change (constraints or ownership)'
}

/** A sequence restarted behind its column, then the sequences check re-run on it. */
async function sequencePlant(
  ctx: CheckContext,
  open: OpenTransaction,
  uses: SequenceUse[]
): Promise<PlantedDefect | string> {
  for (const use of uses.slice(0, CANDIDATES * 4)) {
    const state = await sequenceState(open, use)
    if (
      state.used === null ||
      (BigInt(use.increment) > 0n ? state.next <= state.used : state.next >= state.used)
    )
      continue
    const savepoint = open.nextSavepoint()
    await open.query(`SAVEPOINT ${savepoint}`)
    try {
      if (!(await tryPlant(open, () => restartBehind(open, use, state)))) continue
      const object = objectName(use.seq_schema, use.seq_name)
      const restored = open as unknown as pg.Pool
      const findings = await judgeSequences(
        { restored, source: NO_SOURCE, options: { ...ctx.options, parallelism: 1 } },
        [use]
      ).catch((err: Error): Finding[] => [
        { check: 'sequences', object, message: err.message, severity: 'mismatch' }
      ])
      return {
        kind: 'sequence-behind',
        check: 'sequences',
        object,
        ...judged(findings, 'sequences', object, ctx.options)
      }
    } finally {
      await open.query(`ROLLBACK TO SAVEPOINT ${savepoint}`)
    }
  }
  return 'no sequence feeds a column that holds values and is ahead of it'
}

/** The sequences' states, to prove them unchanged after the rollback. */
async function sequenceStates(db: pg.Pool, uses: SequenceUse[]): Promise<Map<string, string>> {
  const states = new Map<string, string>()
  for (const use of uses) {
    const name = qualifiedName(use.seq_schema, use.seq_name)
    const { rows } = await db.query<{ v: string }>(
      `SELECT last_value::text || ':' || is_called::text AS v FROM ${name}`
    )
    states.set(name, rows[0].v)
  }
  return states
}

/**
 * The rollback undoes every plant (ALTER SEQUENCE RESTART included); this proves it for the
 * sequences. Should one ever differ, it is set back as it was and the self-test fails loudly.
 */
async function provenUnchanged(
  db: pg.Pool,
  before: Map<string, string>,
  uses: SequenceUse[]
): Promise<void> {
  const after = await sequenceStates(db, uses)
  for (const [name, state] of before) {
    if (after.get(name) === state) continue
    const [last, called] = state.split(':')
    await db.query(`SELECT pg_catalog.setval($1::regclass, $2::bigint, $3::boolean)`, [
      name,
      last,
      called === 'true'
    ])
    throw new Error(`the self-test left sequence ${name} changed (set back as it was)`)
  }
}

/** Plants every defect in the open transaction; each in its own savepoint, undone before the next. */
async function plantAll(
  ctx: CheckContext,
  open: OpenTransaction,
  candidates: TableResult[],
  uses: SequenceUse[]
): Promise<Pick<SelfTestResult, 'planted' | 'notPlanted'>> {
  const outcomes: [DefectKind, PlantedDefect | string][] = [
    ['missing-row', await tablePlant(ctx, open, candidates, 'missing-row', deleteOneRow)],
    ['sequence-behind', await sequencePlant(ctx, open, uses)],
    ['changed-value', await tablePlant(ctx, open, candidates, 'changed-value', changeOneValue)]
  ]
  const planted: PlantedDefect[] = []
  const notPlanted: SelfTestResult['notPlanted'] = []
  for (const [kind, outcome] of outcomes)
    if (typeof outcome === 'string') notPlanted.push({ kind, why: outcome })
    else planted.push(outcome)
  return { planted, notPlanted }
}

/**
 * Runs the self-test on the drill's copy (`ctx.restored`), after the verification gave `tables`.
 * The transaction is always rolled back; a connection whose rollback fails is closed, which
 * aborts its transaction. The sequences are read again afterwards and must be as before.
 */
export async function selfTestVerifier(
  ctx: CheckContext,
  tables: TableResult[]
): Promise<SelfTestResult> {
  const startedAt = performance.now()
  await assertDrillCopy(ctx.restored, ctx.source)
  const ahead = ctx.sourceChecksums ? await ctx.sourceChecksums.catch(() => null) : null
  const candidates = exactTables(tables, ahead?.unchanged ?? new Set())
  const uses = await sequenceUses(ctx.restored)
  const client = await ctx.restored.connect()
  let discard = false
  let outcome: Pick<SelfTestResult, 'planted' | 'notPlanted'>
  const sequencesBefore = await sequenceStates(ctx.restored, uses.slice(0, CANDIDATES * 4))
  try {
    await client.query('BEGIN TRANSACTION READ WRITE')
    outcome = await plantAll(ctx, new OpenTransaction(client), candidates, uses)
  } finally {
    await client.query('ROLLBACK').catch(() => (discard = true))
    client.release(discard)
  }
  await provenUnchanged(ctx.restored, sequencesBefore, uses.slice(0, CANDIDATES * 4))
  return {
    passed: outcome.planted.every((d) => d.caught),
    ...outcome,
    seconds: Math.round(performance.now() - startedAt) / 1000
  }
}
