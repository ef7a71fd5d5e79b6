// verify-budget: which tables' contents are hashed this drill. Pure planning: the order (least
// recently verified first), what a table is expected to cost, and whether it still fits. The
// hashing itself (checks/checksums.ts) admits each table against the time left and caps its
// statement at that time, so the budget holds even when an estimate is wrong.
export type { ContentBudget } from './types.js'

/** What hashing costs on one connection: a fixed part per table and a pace per row. */
export interface HashPace {
  fixedSeconds: number
  rowsPerSecond: number
}

/**
 * Before anything is measured: a cautious pace (the text method on a busy server is slower than
 * this; the record method several times faster), corrected after the first tables.
 */
export const DEFAULT_PACE: HashPace = { fixedSeconds: 0.02, rowsPerSecond: 200_000 }

export interface PlannedTable {
  table: string
  rows: number
}

export const estimateSeconds = (rows: number, pace: HashPace): number =>
  pace.fixedSeconds + rows / pace.rowsPerSecond

/** FNV-1a: a stable scatter of names, so sizes are mixed along a never-verified stretch. */
function scatter(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * The order in which tables are offered to the budget: never verified first, then the longest
 * ago. Within one age: on the first drill (no history) by a scatter of the name, so the first
 * drill verifies a mix rather than a few big tables; once there is history, biggest first. A
 * table of that age was passed over because it did not fit what was left, and the biggest are
 * the ones a late start leaves out: offered first, they start with the budget whole, so no
 * table that fits a budget of its own is passed over drill after drill.
 */
export function hashOrder<T extends PlannedTable>(
  tables: readonly T[],
  drillsAgo: ReadonlyMap<string, number>
): T[] {
  const age = (t: PlannedTable) => drillsAgo.get(t.table) ?? Number.POSITIVE_INFINITY
  const withinAge =
    drillsAgo.size === 0
      ? (a: PlannedTable, b: PlannedTable) => scatter(a.table) - scatter(b.table)
      : (a: PlannedTable, b: PlannedTable) => b.rows - a.rows
  return [...tables].sort(
    (a, b) =>
      age(b) - age(a) || withinAge(a, b) || (a.table < b.table ? -1 : a.table > b.table ? 1 : 0)
  )
}

/** Tables that would not fit even in a budget of their own: never hashed, always warned about. */
export function beyondBudget(
  tables: readonly PlannedTable[],
  budgetSeconds: number,
  pace: HashPace
): PlannedTable[] {
  return tables.filter((t) => estimateSeconds(t.rows, pace) > budgetSeconds)
}

/** Whether a table expected to take `estimate` seconds may start with `elapsed` of the budget gone. */
export const fits = (estimate: number, elapsed: number, budgetSeconds: number): boolean =>
  elapsed + estimate <= budgetSeconds

/**
 * The pace learned from tables hashed so far: the hash statements' seconds for the rows, the rest
 * of each table's time (a transaction, its settings, the column list) for the fixed part. The
 * prior pace holds until enough rows were seen to measure one at all.
 */
export class PaceMeter {
  private tables = 0
  private rows = 0
  private statementSeconds = 0
  private overheadSeconds = 0

  constructor(private readonly prior: HashPace) {}

  record(rows: number, statementSeconds: number, overheadSeconds = 0): void {
    this.tables++
    this.rows += rows
    this.statementSeconds += statementSeconds
    this.overheadSeconds += Math.max(0, overheadSeconds)
  }

  /** Whether enough was hashed to replace the prior pace. */
  measured(): boolean {
    return this.rows >= 10_000 && this.statementSeconds > 0.05
  }

  pace(): HashPace {
    const fixedSeconds =
      this.tables > 0 ? this.overheadSeconds / this.tables : this.prior.fixedSeconds
    if (!this.measured()) return { ...this.prior, fixedSeconds }
    return { fixedSeconds, rowsPerSecond: this.rows / this.statementSeconds }
  }
}
