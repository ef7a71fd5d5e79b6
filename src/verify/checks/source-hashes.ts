// The source side of the content check: hashes the chosen tables while the restore runs, within
// verify-budget and source-statement-timeout, then reads which of them stayed unchanged.
import type pg from 'pg'
import { beyondBudget, estimateSeconds, PaceMeter } from '../budget.js'
import { checksumTable, isStatementTimeout, type TableChecksum } from '../checksum.js'
import { readCountersAfterFlush } from '../snapshot.js'
import { mapLimit } from '../sql.js'
import type { SourceSnapshot, VerifyOptions } from '../types.js'
import type { NotHashed, SourceHashes } from './context.js'
import {
  capFor,
  planned,
  SOURCE_STATEMENT_TIMEOUT_MS,
  targetsFor,
  unchangedTables,
  type Limits,
  type Target
} from './hash-plan.js'

/** One table's hash within the limits: null when skipped or cancelled (`why` says which). */
async function hashWithin(
  db: pg.Pool,
  target: Target,
  limits: Limits,
  estimate: number
): Promise<{ hash: TableChecksum; seconds: number; overhead: number } | { why: NotHashed }> {
  const cap = capFor(limits, estimate)
  if (cap === 'skip') return { why: 'budget' }
  const began = Date.now()
  try {
    const hash = await checksumTable(db, target.schema, target.name, target.only, undefined, cap)
    const total = (Date.now() - began) / 1000
    const seconds = hash.seconds ?? total
    return { hash, seconds, overhead: total - seconds }
  } catch (err) {
    if (!isStatementTimeout(err)) throw err
    return { why: cap === undefined ? 'timeout' : 'budget' }
  }
}

/**
 * Hashes the chosen source tables now. The drill runs this while the restore runs, so the verify
 * phase only hashes the restored copy. The counters are then read once every write made before
 * the last hash has reached the statistics (the wait overlaps the restore too): a table still as
 * at the opening read was unchanged from the before snapshot through its hash, so the dump and
 * the hash saw the same rows. With verify-budget, tables are hashed while their estimate fits the
 * time left, and each statement is capped at that time; a hash cancelled by the source's
 * statement timeout leaves that table unverified, not the drill.
 */
export async function hashSourceTables(
  source: pg.Pool,
  before: SourceSnapshot,
  options: VerifyOptions
): Promise<SourceHashes> {
  const startedAt = Date.now()
  const { targets } = targetsFor(before, options)
  const { order, prior } = planned(targets, options)
  const budgetSeconds = options.contentBudget?.seconds
  const limits: Limits = {
    startedAt,
    statementTimeoutMs: options.sourceStatementTimeoutMs ?? SOURCE_STATEMENT_TIMEOUT_MS,
    ...(budgetSeconds !== undefined ? { budgetSeconds } : {})
  }
  const rowsOf = (t: Target): number => t.counted?.rows ?? 0
  const tooBig = new Set(
    budgetSeconds === undefined
      ? []
      : beyondBudget(
          order.map((t) => ({ table: t.table, rows: rowsOf(t) })),
          budgetSeconds,
          prior
        ).map((t) => t.table)
  )
  const meter = new PaceMeter(prior)
  const byTable = new Map<string, TableChecksum>()
  const notHashed = new Map<string, NotHashed>()
  await mapLimit(
    order.filter((t) => !tooBig.has(t.table)),
    options.parallelism,
    async (t) => {
      const done = await hashWithin(source, t, limits, estimateSeconds(rowsOf(t), meter.pace()))
      if ('why' in done) {
        notHashed.set(t.table, done.why)
        return
      }
      byTable.set(t.table, done.hash)
      meter.record(done.hash.rows, done.seconds, done.overhead)
    }
  )
  // Judged again at the pace measured now: what fits a budget of its own is only deferred.
  const pace = meter.pace()
  for (const table of tooBig) {
    const rows = rowsOf(order.find((t) => t.table === table)!)
    notHashed.set(table, estimateSeconds(rows, pace) > budgetSeconds! ? 'beyond-budget' : 'budget')
  }
  const hashedAt = Date.now()
  const hashed = targets.filter((t) => byTable.has(t.table))
  const closing =
    hashed.length > 0
      ? await readCountersAfterFlush(source, hashedAt, options).catch(() => null)
      : null
  const rows = [...byTable.values()].reduce((sum, h) => sum + h.rows, 0)
  return {
    hashedAt,
    seconds: (hashedAt - startedAt) / 1000,
    byTable,
    unchanged: unchangedTables(hashed, closing),
    notHashed,
    rows,
    ...(meter.measured() ? { rowsPerSecond: Math.round(pace.rowsPerSecond) } : {})
  }
}
