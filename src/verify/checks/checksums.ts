// Check: the content of the chosen tables (all with '*'; with 'auto' every table without writes in
// the window) hashes the same on both sides. The source is hashed after the capture
// (source-hashes.ts), so a difference proves a loss only for a table nobody wrote to since the
// before snapshot: the write counters (inserts, updates, deletes) and the relfilenode (a TRUNCATE
// or other rewrite changes it), read once the statistics of every write before the source hash
// have been flushed, decide mismatch or drift. With 'auto' the same read decides which tables are
// compared at all (hash-plan.ts).
import type pg from 'pg'
import { formatCount, formatDuration, plural } from '../../format.js'
import { openingCounters, writesInWindow } from '../bounds.js'
import {
  checksumTable,
  isStatementTimeout,
  type ChecksumMethod,
  type TableChecksum
} from '../checksum.js'
import { readCountersAfterFlush } from '../snapshot.js'
import { mapLimit } from '../sql.js'
import type { Finding, SourceSnapshot, VerifyOptions, WriteCounters } from '../types.js'
import { windowWatched } from '../types.js'
import type {
  CheckContext,
  CheckModule,
  RestoredHashes,
  SourceHashes,
  TablePart
} from './context.js'
import { mismatches } from './context.js'
import {
  capFor,
  comparedTargets,
  isAuto,
  planned,
  SOURCE_STATEMENT_TIMEOUT_MS,
  targetsFor,
  unchangedSince,
  type Limits,
  type Target
} from './hash-plan.js'

export type { NotHashed, RestoredHashes, SourceHashes } from './context.js'

/** A table's hash, or null when the table does not exist there. */
async function hashOrMissing(db: pg.Pool, target: Target, method?: ChecksumMethod, cap?: number) {
  try {
    return await checksumTable(db, target.schema, target.name, target.only, method, cap)
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null
    throw err
  }
}

/**
 * Hashes the chosen tables of the restored copy, null for a table missing there. The verify
 * context runs this once: the counts check takes its row counts from it, so a table that is
 * hashed is read once, not counted and then hashed. It waits for the source hashes, which decide
 * the tables; with verify-budget each hash is capped at the budget's time left (a table cut off
 * is compared by a later drill).
 */
export async function hashRestoredTables(
  restored: pg.Pool,
  before: SourceSnapshot,
  options: VerifyOptions,
  sourceHashes?: Promise<SourceHashes>
): Promise<RestoredHashes> {
  const ahead = sourceHashes ? await sourceHashes : null
  // In the source's order: what the budget cuts off here is what was verified most recently.
  const targets = planned(
    comparedTargets(targetsFor(before, options).targets, options, ahead),
    options
  ).order
  const startedAt = Date.now()
  const budgetSeconds = options.contentBudget?.seconds
  const limits: Limits = {
    startedAt,
    statementTimeoutMs: Number.POSITIVE_INFINITY,
    ...(budgetSeconds !== undefined ? { budgetSeconds } : {})
  }
  const cutOff = new Set<string>()
  const byTable = new Map<string, TableChecksum | null>()
  await mapLimit(targets, options.parallelism, async (t) => {
    const cap = capFor(limits, 0)
    if (cap === 'skip') {
      cutOff.add(t.table)
      return
    }
    try {
      byTable.set(t.table, await hashOrMissing(restored, t, undefined, cap))
    } catch (err) {
      if (cap === undefined || !isStatementTimeout(err)) throw err
      cutOff.add(t.table)
    }
  })
  return { byTable, seconds: (Date.now() - startedAt) / 1000, cutOff }
}

/**
 * Row counts of the hashed restored tables, for countTables' `known`. A partitioned parent named in
 * checksum-tables is hashed through its partitions, but countTables lists leaf tables only, so its
 * total is never taken for a table's own count.
 */
export function countsFromHashes(hashes: RestoredHashes): Map<string, number> {
  const counts = new Map<string, number>()
  for (const [table, hash] of hashes.byTable) if (hash) counts.set(table, hash.rows)
  return counts
}

async function hashBoth(
  ctx: CheckContext,
  target: Target,
  ahead: SourceHashes | null,
  restoredHashes: Promise<RestoredHashes>
) {
  const known = ahead?.byTable.get(target.table)
  let source = known ?? (await hashOrMissing(ctx.source, target))
  let sourceHashedAt = known && ahead ? ahead.hashedAt : Date.now()
  let unchanged = known !== undefined && ahead !== null && ahead.unchanged.has(target.table)
  let restored = (await restoredHashes).byTable.get(target.table) ?? null
  // The two servers chose different methods (e.g. different versions): compare by text on both.
  if (source && restored && restored.method !== source.method) {
    ;[source, restored] = await Promise.all([
      hashOrMissing(ctx.source, target, 'text'),
      hashOrMissing(ctx.restored, target, 'text')
    ])
    sourceHashedAt = Date.now()
    unchanged = false
  }
  if (!source) throw new Error(`table ${target.table} no longer exists in the source`)
  return { target, source, restored, sourceHashedAt, unchanged }
}

type Hashed = Awaited<ReturnType<typeof hashBoth>>

/** A difference is a loss when the table was unchanged through its source hash, else drift. */
function differenceFinding(
  ctx: CheckContext,
  { target, source, restored, unchanged }: Hashed,
  closing: WriteCounters | null
): Finding {
  const base = { check: 'checksums', object: target.table }
  if (restored === null)
    return { ...base, message: 'table missing from the restore', severity: 'mismatch' }
  const later = closing?.tables[target.table]
  const writes = target.counted ? writesInWindow(openingCounters(target.counted), [later]) : null
  const quiet =
    unchanged ||
    (target.counted !== undefined && unchangedSince(openingCounters(target.counted), [later]))
  if (quiet && windowWatched(ctx.options)) {
    return {
      ...base,
      message: `content differs (source ${formatCount(source.rows)} rows, restored ${formatCount(restored.rows)}) although the table had no writes`,
      severity: 'mismatch'
    }
  }
  const why = quiet
    ? 'the backup predates the source snapshot'
    : writes === null
      ? 'its write counters are unavailable'
      : writes.rewritten
        ? 'it was rewritten (TRUNCATE, VACUUM FULL or CLUSTER) since the snapshot'
        : `it had ${writes.inserted} inserts, ${writes.updated} updates and ${writes.deleted} deletes since the snapshot`
  return {
    ...base,
    message: `content differs, but the source moved on (${why}); use maintenance: true for an exact comparison`,
    severity: 'warning'
  }
}

/** What was compared and what hashing cost (the source side overlaps the restore when hashed ahead). */
function checksumDetail(
  ctx: CheckContext,
  compared: number,
  count: number,
  ahead: SourceHashes | null,
  restoredSeconds: number
): string {
  const auto = isAuto(ctx.options)
  const total = ctx.before.counts.tables.length
  const budget = ctx.options.contentBudget
  const what = budget
    ? `contents of ${compared} of ${plural(total, 'table')} compared within verify-budget ${formatDuration(budget.seconds)} (least recently verified first)`
    : auto
      ? `contents of ${compared} of ${plural(total, 'table')} compared (every table without writes in the window)`
      : `contents of ${plural(compared, 'table')} compared`
  const verdict =
    count === 0
      ? `${what}, all match`
      : `${what}: ${plural(count, 'table')} differ${count === 1 ? 's' : ''}`
  const when = ctx.sourceHashedAhead ? ' (during the restore)' : ''
  const source = ahead ? `${formatDuration(ahead.seconds)} on the source${when} and ` : ''
  return `${verdict}; hashing took ${source}${formatDuration(restoredSeconds)} on the restored copy`
}

/** A warning for each table the source's statement timeout or no budget kept from being hashed. */
function notHashedFindings(ctx: CheckContext, ahead: SourceHashes | null): Finding[] {
  const limit = formatDuration(
    (ctx.options.sourceStatementTimeoutMs ?? SOURCE_STATEMENT_TIMEOUT_MS) / 1000
  )
  const budget = formatDuration(ctx.options.contentBudget?.seconds ?? 0)
  const findings: Finding[] = []
  for (const [table, why] of ahead?.notHashed ?? []) {
    if (why === 'budget') continue
    const message =
      why === 'timeout'
        ? `contents not verified: hashing it on the source took longer than source-statement-timeout (${limit})`
        : `contents not verified: hashing it is expected to take longer than all of verify-budget (${budget}); no budget can hold it`
    findings.push({ check: 'checksums', object: table, message, severity: 'warning' })
  }
  return findings
}

/** Whether both sides hash the same; with the test-only switch every table is taken as matching. */
const matches = (ctx: CheckContext, { source, restored }: Hashed): boolean =>
  ctx.options.testOnlyBrokenChecksums === true ||
  (restored !== null && restored.hash === source.hash)

/** Each compared table's hashes. */
function tableParts(ctx: CheckContext, hashed: Hashed[]): TablePart[] {
  const tables: TablePart[] = []
  for (const h of hashed) {
    const { target, source, restored } = h
    const match = matches(ctx, h)
    if (target.counted)
      tables.push({
        table: target.table,
        checksum: { source: source.hash, restored: restored?.hash ?? '', match }
      })
  }
  return tables
}

export const checksumsCheck: CheckModule = {
  id: 'checksums',
  title: 'Content checksums',
  async run(ctx) {
    if (ctx.options.checksumTables.length === 0)
      return { findings: [], detail: 'no tables chosen (checksum-tables: none)', skipped: true }
    const { targets: chosen, unknown } = targetsFor(ctx.before, ctx.options)
    const ahead = ctx.sourceChecksums ? await ctx.sourceChecksums.catch(() => null) : null
    const findings: Finding[] = unknown.map((name) => ({
      check: 'checksums',
      object: name,
      message: 'table named in checksum-tables is not in the source',
      severity: 'mismatch'
    }))
    findings.push(...notHashedFindings(ctx, ahead))
    // Started first: the restored copy is hashed while any source table not hashed ahead is.
    const restoredHashes = ctx.restoredChecksums()
    restoredHashes.catch(() => {})
    // A table whose restored hash the budget cut off is compared by a later drill.
    const cutOff = ahead ? (await restoredHashes).cutOff : new Set<string>()
    const targets = comparedTargets(chosen, ctx.options, ahead).filter((t) => !cutOff.has(t.table))
    const hashed = await mapLimit(targets, ctx.options.parallelism, (target) =>
      hashBoth(ctx, target, ahead, restoredHashes)
    )
    const tables = tableParts(ctx, hashed)
    // Only a difference not already proven a loss needs the counters: read them once every write
    // made before those tables' source hashes has reached the statistics.
    const differing = hashed.filter((h) => !matches(ctx, h))
    const unsure = differing.filter((h) => !h.unchanged)
    const closing =
      unsure.length > 0
        ? await readCountersAfterFlush(
            ctx.source,
            Math.max(...unsure.map((h) => h.sourceHashedAt)),
            ctx.options
          ).catch(() => null)
        : null
    findings.push(...differing.map((h) => differenceFinding(ctx, h, closing)))
    const { seconds } = await restoredHashes
    const detail = checksumDetail(ctx, targets.length, mismatches(findings), ahead, seconds)
    return { findings, tables, detail }
  }
}
