// Check: the content of the chosen tables (all with '*'; with 'auto' every table without writes in
// the window) hashes the same on both sides. The source is hashed after the capture, so a
// difference proves a loss only for a table nobody wrote to since the before snapshot: the write
// counters (inserts, updates, deletes) and the relfilenode (a TRUNCATE or other rewrite changes it),
// read once the statistics of every write before the source hash have been flushed, decide
// mismatch or drift. With 'auto' the same read decides which tables are compared at all.
import { openingCounters, writesInWindow } from '../bounds.js'
import { checksumTable, type ChecksumMethod, type TableChecksum } from '../checksum.js'
import { readCountersAfterFlush } from '../snapshot.js'
import { mapLimit } from '../sql.js'
import type pg from 'pg'
import type {
  Finding,
  SourceSnapshot,
  TableCount,
  TableCounters,
  VerifyOptions,
  WriteCounters
} from '../types.js'
import { windowWatched } from '../types.js'
import type {
  CheckContext,
  CheckModule,
  RestoredHashes,
  SourceHashes,
  TablePart
} from './context.js'
import { mismatches } from './context.js'

export type { RestoredHashes, SourceHashes } from './context.js'
import { formatCount, formatDuration, plural } from '../../format.js'

interface Target {
  table: string
  schema: string
  name: string
  /** False for a partitioned table named explicitly: its partitions' rows are hashed through it. */
  only: boolean
  counted?: TableCount
}

/** The tables to hash: every counted table for '*', otherwise each name (a bare name means public.name). */
export function checksumTargets(
  wanted: string[],
  counted: TableCount[],
  partitioned: { schema: string; name: string }[]
): { targets: Target[]; unknown: string[] } {
  if (wanted.includes('*')) {
    return {
      targets: counted.map((t) => ({
        table: t.table,
        schema: t.schema,
        name: t.name,
        only: true,
        counted: t
      })),
      unknown: []
    }
  }
  const targets: Target[] = []
  const unknown: string[] = []
  for (const raw of wanted) {
    const name = raw.trim()
    if (!name) continue
    const candidates = name.includes('.') ? [name] : [name, `public.${name}`]
    const table = counted.find((t) => candidates.includes(t.table))
    const parent = partitioned.find((p) => candidates.includes(`${p.schema}.${p.name}`))
    if (table)
      targets.push({
        table: table.table,
        schema: table.schema,
        name: table.name,
        only: true,
        counted: table
      })
    else if (parent)
      targets.push({ table: `${parent.schema}.${parent.name}`, ...parent, only: false })
    else unknown.push(name)
  }
  return { targets, unknown }
}

export const isAuto = (options: VerifyOptions): boolean =>
  options.checksumTables.length === 1 && options.checksumTables[0] === 'auto'

/** No insert, update, delete or rewrite between the opening read and every later one. */
function unchangedSince(opening: TableCounters, later: (TableCounters | undefined)[]): boolean {
  const writes = writesInWindow(opening, later)
  return (
    writes !== null &&
    !writes.rewritten &&
    writes.inserted + writes.deleted + writes.updated === 0 &&
    later.every((read) => read?.relfilenode === opening.relfilenode)
  )
}

function partitionedTables(before: SourceSnapshot): { schema: string; name: string }[] {
  return before.schema
    .filter((o) => o.kind === 'table' && o.definition.startsWith('partitioned table'))
    .map((o) => {
      const dot = o.name.indexOf('.')
      return { schema: o.name.slice(0, dot), name: o.name.slice(dot + 1) }
    })
}

/** With 'auto': the tables already unchanged while the before snapshot counted them. */
function targetsFor(before: SourceSnapshot, options: VerifyOptions) {
  if (isAuto(options)) {
    const quiet = before.counts.tables.filter((t) =>
      unchangedSince(openingCounters(t), [t.countersAfterCount])
    )
    return checksumTargets(['*'], quiet, [])
  }
  return checksumTargets(options.checksumTables, before.counts.tables, partitionedTables(before))
}

/** The hashed tables whose counters and relfilenode in `closing` are those of the opening read. */
function unchangedTables(targets: Target[], closing: WriteCounters | null): Set<string> {
  const unchanged = new Set<string>()
  for (const t of targets) {
    if (
      t.counted &&
      closing &&
      unchangedSince(openingCounters(t.counted), [closing.tables[t.table]])
    )
      unchanged.add(t.table)
  }
  return unchanged
}

/**
 * Hashes the chosen source tables now. The drill runs this while the restore runs, so the verify
 * phase only hashes the restored copy. The counters are then read once every write made before
 * the last hash has reached the statistics (the wait overlaps the restore too): a table still as
 * at the opening read was unchanged from the before snapshot through its hash, so the dump and
 * the hash saw the same rows.
 */
export async function hashSourceTables(
  source: pg.Pool,
  before: SourceSnapshot,
  options: VerifyOptions
): Promise<SourceHashes> {
  const startedAt = Date.now()
  const { targets } = targetsFor(before, options)
  const byTable = new Map<string, TableChecksum>()
  await mapLimit(targets, options.parallelism, async (t) => {
    byTable.set(t.table, await checksumTable(source, t.schema, t.name, t.only))
  })
  const hashedAt = Date.now()
  const closing =
    targets.length > 0
      ? await readCountersAfterFlush(source, hashedAt, options).catch(() => null)
      : null
  const unchanged = unchangedTables(targets, closing)
  return { hashedAt, seconds: (hashedAt - startedAt) / 1000, byTable, unchanged }
}

/** A table's hash, or null when the table does not exist there. */
async function hashOrMissing(db: pg.Pool, target: Target, method?: ChecksumMethod) {
  try {
    return await checksumTable(db, target.schema, target.name, target.only, method)
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null
    throw err
  }
}

/**
 * The tables compared: with 'auto' only those the source hashes showed unchanged through their
 * hash (a busy table is judged by its count bounds alone), otherwise every chosen table.
 */
function comparedTargets(targets: Target[], options: VerifyOptions, ahead: SourceHashes | null) {
  if (!isAuto(options)) return targets
  if (!ahead) throw new Error('the source tables could not be hashed')
  return targets.filter((t) => ahead.unchanged.has(t.table))
}

/**
 * Hashes the chosen tables of the restored copy, null for a table missing there. The verify
 * context runs this once: the counts check takes its row counts from it, so a table that is
 * hashed is read once, not counted and then hashed. With 'auto' it waits for the source hashes.
 */
export async function hashRestoredTables(
  restored: pg.Pool,
  before: SourceSnapshot,
  options: VerifyOptions,
  sourceHashes?: Promise<SourceHashes>
): Promise<RestoredHashes> {
  const ahead = isAuto(options) && sourceHashes ? await sourceHashes : null
  const targets = comparedTargets(targetsFor(before, options).targets, options, ahead)
  const startedAt = Date.now()
  const hashes = await mapLimit(targets, options.parallelism, (t) => hashOrMissing(restored, t))
  return {
    byTable: new Map(targets.map((t, i) => [t.table, hashes[i]])),
    seconds: (Date.now() - startedAt) / 1000
  }
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
  const what = auto
    ? `contents of ${compared} of ${plural(total, 'table')} compared (every table without writes in the window)`
    : `contents of ${plural(compared, 'table')} compared`
  const verdict =
    count === 0
      ? `${what}, all match`
      : `${what}: ${plural(count, 'table')} differ${count === 1 ? 's' : ''}`
  const source = ahead
    ? `${formatDuration(ahead.seconds)} on the source (during the restore) and `
    : ''
  return `${verdict}; hashing took ${source}${formatDuration(restoredSeconds)} on the restored copy`
}

export const checksumsCheck: CheckModule = {
  id: 'checksums',
  title: 'Content checksums',
  async run(ctx) {
    if (ctx.options.checksumTables.length === 0)
      return { findings: [], detail: 'no tables chosen (checksum-tables: none)', skipped: true }
    const { targets: chosen, unknown } = targetsFor(ctx.before, ctx.options)
    const ahead = ctx.sourceChecksums ? await ctx.sourceChecksums.catch(() => null) : null
    const targets = comparedTargets(chosen, ctx.options, ahead)
    const findings: Finding[] = unknown.map((name) => ({
      check: 'checksums',
      object: name,
      message: 'table named in checksum-tables is not in the source',
      severity: 'mismatch'
    }))
    // Started first: the restored copy is hashed while any source table not hashed ahead is.
    const restoredHashes = ctx.restoredChecksums()
    restoredHashes.catch(() => {})
    const hashed = await mapLimit(targets, ctx.options.parallelism, (target) =>
      hashBoth(ctx, target, ahead, restoredHashes)
    )
    // Only a difference not already proven a loss needs the counters: read them once every write
    // made before those tables' source hashes has reached the statistics.
    const differing = hashed.filter(({ source, restored }) => restored?.hash !== source.hash)
    const unsure = differing.filter((h) => !h.unchanged)
    const closing =
      unsure.length > 0
        ? await readCountersAfterFlush(
            ctx.source,
            Math.max(...unsure.map((h) => h.sourceHashedAt)),
            ctx.options
          ).catch(() => null)
        : null
    const tables: TablePart[] = []
    for (const { target, source, restored } of hashed) {
      const match = restored !== null && restored.hash === source.hash
      if (target.counted)
        tables.push({
          table: target.table,
          checksum: { source: source.hash, restored: restored?.hash ?? '', match }
        })
    }
    findings.push(...differing.map((h) => differenceFinding(ctx, h, closing)))
    const { seconds } = await restoredHashes
    const detail = checksumDetail(ctx, targets.length, mismatches(findings), ahead, seconds)
    return { findings, tables, detail }
  }
}
