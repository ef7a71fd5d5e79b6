// Which tables the content check hashes, in which order, and within which limits: pure planning
// shared by the source hashing (source-hashes.ts) and the restored side (checksums.ts).
import { openingCounters, writesInWindow } from '../bounds.js'
import { DEFAULT_PACE, fits, hashOrder, type HashPace } from '../budget.js'
import type {
  SourceSnapshot,
  TableCount,
  TableCounters,
  VerifyOptions,
  WriteCounters
} from '../types.js'
import { nameParts, objectName } from '../sql.js'
import type { SourceHashes } from './context.js'

export interface Target {
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
    const parts = nameParts(name)
    const candidates = parts?.length === 1 ? [name, objectName('public', parts[0])] : [name]
    const table = counted.find((t) => candidates.includes(t.table))
    const parent = partitioned.find((p) => candidates.includes(objectName(p.schema, p.name)))
    if (table)
      targets.push({
        table: table.table,
        schema: table.schema,
        name: table.name,
        only: true,
        counted: table
      })
    else if (parent)
      targets.push({ table: objectName(parent.schema, parent.name), ...parent, only: false })
    else unknown.push(name)
  }
  return { targets, unknown }
}

/** The connection's statement timeout on the source when source-statement-timeout is not given. */
export const SOURCE_STATEMENT_TIMEOUT_MS = 10 * 60_000

export const isAuto = (options: VerifyOptions): boolean =>
  options.checksumTables.length === 1 && options.checksumTables[0] === 'auto'

/** No insert, update, delete or rewrite between the opening read and every later one. */
export function unchangedSince(
  opening: TableCounters,
  later: (TableCounters | undefined)[]
): boolean {
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
    .map((o) => nameParts(o.name))
    .filter((parts): parts is [string, string] => parts?.length === 2)
    .map(([schema, name]) => ({ schema, name }))
}

/** With 'auto': the tables already unchanged while the before snapshot counted them. */
export function targetsFor(before: SourceSnapshot, options: VerifyOptions) {
  if (isAuto(options)) {
    const quiet = before.counts.tables.filter((t) =>
      unchangedSince(openingCounters(t), [t.countersAfterCount])
    )
    return checksumTargets(['*'], quiet, [])
  }
  return checksumTargets(options.checksumTables, before.counts.tables, partitionedTables(before))
}

/** The hashed tables whose counters and relfilenode in `closing` are those of the opening read. */
export function unchangedTables(targets: Target[], closing: WriteCounters | null): Set<string> {
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

export interface Limits {
  budgetSeconds?: number
  startedAt: number
  /** The connection's own statement timeout: a cap at or above it is not set. */
  statementTimeoutMs: number
}

/**
 * The statement cap for the next table (the budget's time left), or 'skip' when its estimate no
 * longer fits; undefined when no budget applies.
 */
export function capFor(limits: Limits, estimate: number): number | 'skip' | undefined {
  if (limits.budgetSeconds === undefined) return undefined
  const elapsed = (Date.now() - limits.startedAt) / 1000
  if (!fits(estimate, elapsed, limits.budgetSeconds)) return 'skip'
  const leftMs = (limits.budgetSeconds - elapsed) * 1000
  return leftMs < limits.statementTimeoutMs ? leftMs : undefined
}

/** The order and the prior pace: with verify-budget, least recently verified first (budget.ts). */
export function planned(
  targets: Target[],
  options: VerifyOptions
): { order: Target[]; prior: HashPace } {
  const budget = options.contentBudget
  const prior = budget?.rowsPerSecond
    ? { ...DEFAULT_PACE, rowsPerSecond: budget.rowsPerSecond }
    : DEFAULT_PACE
  if (!budget) return { order: targets, prior }
  const rows = targets.map((t) => ({ ...t, rows: t.counted?.rows ?? 0 }))
  return { order: hashOrder(rows, budget.drillsAgo), prior }
}

/**
 * The tables compared: those the source hashed (with 'auto' only those it showed unchanged
 * through their hash: a busy table is judged by its count bounds alone).
 */
export function comparedTargets(
  targets: Target[],
  options: VerifyOptions,
  ahead: SourceHashes | null
) {
  if (!ahead) {
    if (isAuto(options)) throw new Error('the source tables could not be hashed')
    return targets
  }
  const hashed = targets.filter((t) => !ahead.notHashed?.has(t.table))
  return isAuto(options) ? hashed.filter((t) => ahead.unchanged.has(t.table)) : hashed
}
