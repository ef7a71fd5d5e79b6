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
  const { targets } = targetsFor(before, options)
  const byTable = new Map<string, TableChecksum>()
  await mapLimit(targets, options.parallelism, async (t) => {
    byTable.set(t.table, await checksumTable(source, t.schema, t.name, t.only))
  })
  return { hashedAt: Date.now(), byTable }
}

async function hashBoth(ctx: CheckContext, target: Target, ahead: SourceHashes | null) {
  const hash = (db: typeof ctx.source, method?: ChecksumMethod) =>
    checksumTable(db, target.schema, target.name, target.only, method)
  const missing = (err: { code?: string }) => {
    if (err.code === '42P01') return null
    throw err
  }
  const known = ahead?.byTable.get(target.table)
  let [source, restored] = await Promise.all([
    known ? Promise.resolve(known) : hash(ctx.source),
    hash(ctx.restored).catch(missing)
  ])
  // The two servers chose different methods (e.g. different versions): compare by text on both.
  if (restored && restored.method !== source.method) {
    ;[source, restored] = await Promise.all([
      hash(ctx.source, 'text'),
      hash(ctx.restored, 'text').catch(missing)
    ])
  }
  return { target, source, restored }
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
    const hashed = await mapLimit(targets, ctx.options.parallelism, (target) =>
      hashBoth(ctx, target, ahead)
    )
    // Only a difference needs the counters: read them after the source hashes, once every write
    // made before the hashes has reached the statistics.
    const hashedAt = Date.now()
    const anyDifference = hashed.some(({ source, restored }) => restored?.hash !== source.hash)
    const closing = anyDifference
      ? await readCountersAfterFlush(ctx.source, hashedAt, ctx.options).catch(() => null)
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
          message: `content differs (source ${source.rows} rows, restored ${restored.rows}) although the table had no writes`,
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
    return {
      findings,
      tables,
      detail:
        count === 0 ? `${targets.length} tables hashed, content matches` : `${count} tables differ`
    }
  }
}
