// Check: the content of the chosen tables (or all, with '*') hashes the same on both sides.
// The source is hashed at verify time, so a difference proves a loss only for a table nobody wrote
// to since the before snapshot: the write counters (inserts, updates, deletes), read once the
// statistics of every write before the source hash have been flushed, decide mismatch or drift.
import { writesInWindow } from '../bounds.js'
import { checksumTable, type ChecksumMethod, type TableChecksum } from '../checksum.js'
import { readCountersAfterFlush } from '../snapshot.js'
import { mapLimit } from '../sql.js'
import type pg from 'pg'
import type { Finding, SourceSnapshot, TableCount, VerifyOptions } from '../types.js'
import type { CheckContext, CheckModule, TablePart } from './context.js'
import { mismatches } from './context.js'
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

/** The source's hashes, computed ahead (e.g. while the restore runs), with when they were taken. */
export interface SourceHashes {
  hashedAt: number
  /** How long hashing the source took (it overlaps the restore, so it is not in the verify phase). */
  seconds: number
  byTable: Map<string, TableChecksum>
}

function partitionedTables(before: SourceSnapshot): { schema: string; name: string }[] {
  return before.schema
    .filter((o) => o.kind === 'table' && o.definition.startsWith('partitioned table'))
    .map((o) => {
      const dot = o.name.indexOf('.')
      return { schema: o.name.slice(0, dot), name: o.name.slice(dot + 1) }
    })
}

function targetsFor(before: SourceSnapshot, options: VerifyOptions) {
  return checksumTargets(options.checksumTables, before.counts.tables, partitionedTables(before))
}

/**
 * Hashes the chosen source tables now. The drill runs this while the restore runs, so the verify
 * phase only hashes the restored copy; the write counters still decide whether a difference is a
 * loss (they are read after these hashes).
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
  return { hashedAt, seconds: (hashedAt - startedAt) / 1000, byTable }
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
 * Hashes the chosen tables of the restored copy, null for a table missing there. The verify
 * context runs this once: the counts check takes its row counts from it, so a table that is
 * hashed is read once, not counted and then hashed.
 */
export async function hashRestoredTables(
  restored: pg.Pool,
  before: SourceSnapshot,
  options: VerifyOptions
): Promise<Map<string, TableChecksum | null>> {
  const { targets } = targetsFor(before, options)
  const hashes = await mapLimit(targets, options.parallelism, (t) => hashOrMissing(restored, t))
  return new Map(targets.map((t, i) => [t.table, hashes[i]]))
}

/**
 * Row counts of the hashed restored tables, for countTables' `known`. A partitioned parent named in
 * checksum-tables is hashed through its partitions, but countTables lists leaf tables only, so its
 * total is never taken for a table's own count.
 */
export function countsFromHashes(hashes: Map<string, TableChecksum | null>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const [table, hash] of hashes) if (hash) counts.set(table, hash.rows)
  return counts
}

async function hashBoth(
  ctx: CheckContext,
  target: Target,
  ahead: SourceHashes | null,
  restoredHashes: Promise<Map<string, TableChecksum | null>>
) {
  const known = ahead?.byTable.get(target.table)
  let source = known ?? (await hashOrMissing(ctx.source, target))
  let sourceHashedAt = known && ahead ? ahead.hashedAt : Date.now()
  let restored = (await restoredHashes).get(target.table) ?? null
  // The two servers chose different methods (e.g. different versions): compare by text on both.
  if (source && restored && restored.method !== source.method) {
    ;[source, restored] = await Promise.all([
      hashOrMissing(ctx.source, target, 'text'),
      hashOrMissing(ctx.restored, target, 'text')
    ])
    sourceHashedAt = Date.now()
  }
  if (!source) throw new Error(`table ${target.table} no longer exists in the source`)
  return { target, source, restored, sourceHashedAt }
}

export const checksumsCheck: CheckModule = {
  id: 'checksums',
  title: 'Content checksums',
  async run(ctx) {
    if (ctx.options.checksumTables.length === 0)
      return { findings: [], detail: 'no tables chosen', skipped: true }
    const { targets, unknown } = targetsFor(ctx.before, ctx.options)
    const ahead = ctx.sourceChecksums ? await ctx.sourceChecksums.catch(() => null) : null
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
    // Only a difference needs the counters: read them once every write made before the differing
    // tables' source hashes has reached the statistics (hashes taken ahead need a shorter wait).
    const differing = hashed.filter(({ source, restored }) => restored?.hash !== source.hash)
    const closing =
      differing.length > 0
        ? await readCountersAfterFlush(
            ctx.source,
            Math.max(...differing.map((h) => h.sourceHashedAt)),
            ctx.options
          ).catch(() => null)
        : null
    const tables: TablePart[] = []
    for (const { target, source, restored } of hashed) {
      const match = restored !== null && restored.hash === source.hash
      if (target.counted) {
        tables.push({
          table: target.table,
          checksum: { source: source.hash, restored: restored?.hash ?? '', match }
        })
      }
      if (match) continue
      if (restored === null) {
        findings.push({
          check: 'checksums',
          object: target.table,
          message: 'table missing from the restore',
          severity: 'mismatch'
        })
        continue
      }
      const opening = target.counted && {
        inserted: target.counted.inserted,
        deleted: target.counted.deleted,
        updated: target.counted.updated ?? 0
      }
      const writes = writesInWindow(opening || undefined, [closing?.tables[target.table]])
      const quiet = writes !== null && writes.inserted + writes.deleted + writes.updated === 0
      if (quiet && ctx.options.backupMode === 'capture') {
        findings.push({
          check: 'checksums',
          object: target.table,
          message: `content differs (source ${formatCount(source.rows)} rows, restored ${formatCount(restored.rows)}) although the table had no writes`,
          severity: 'mismatch'
        })
      } else {
        const why = !quiet
          ? writes === null
            ? 'its write counters are unavailable'
            : `it had ${writes.inserted} inserts, ${writes.updated} updates and ${writes.deleted} deletes since the snapshot`
          : 'the backup predates the source snapshot'
        findings.push({
          check: 'checksums',
          object: target.table,
          message: `content differs, but the source moved on (${why}); use maintenance: true for an exact comparison`,
          severity: 'warning'
        })
      }
    }
    const count = mismatches(findings)
    const verdict =
      count === 0
        ? `${plural(targets.length, 'table')} hashed, content matches`
        : `${plural(count, 'table')} differ${count === 1 ? 's' : ''}`
    // The source side's cost is not in this check's time: say where it went.
    const aheadNote = ahead
      ? `; source hashed during the restore in ${formatDuration(ahead.seconds)}`
      : ''
    return { findings, tables, detail: verdict + aheadNote }
  }
}
