// Check: every table's restored row count lies within the bound derived from the source's
// before/after counts and write counters (bounds.ts explains the bound).
import { judgeCount, writesInWindow } from '../bounds.js'
import type { Finding, TableResult } from '../types.js'
import type { CheckModule } from './context.js'
import { mismatches } from './context.js'

export const countsCheck: CheckModule = {
  id: 'counts',
  title: 'Row counts',
  async run(ctx) {
    const restored = new Map((await ctx.restoredCounts()).tables.map((t) => [t.table, t.rows]))
    const after = new Map(ctx.after.tables.map((t) => [t.table, t]))
    const closing = await ctx.closingCounters()
    const resetAt = ctx.before.counts.statsResetAt
    const resetChanged =
      resetAt !== undefined &&
      [ctx.after.statsResetAt, closing?.statsResetAt].some(
        (later) => later !== undefined && later !== resetAt
      )
    const findings: Finding[] = []
    const tables: TableResult[] = []
    for (const before of ctx.before.counts.tables) {
      const later = after.get(before.table)
      const opening = {
        inserted: before.inserted,
        deleted: before.deleted,
        updated: before.updated ?? 0
      }
      const writes = writesInWindow(
        opening,
        [
          later && {
            inserted: later.inserted,
            deleted: later.deleted,
            updated: later.updated ?? 0
          },
          later?.countersAfterCount,
          closing?.tables[before.table]
        ],
        resetChanged
      )
      const judgement = judgeCount({
        before: before.rows,
        after: later ? later.rows : null,
        restored: restored.get(before.table) ?? null,
        writes,
        backupMode: ctx.options.backupMode
      })
      tables.push({
        table: before.table,
        sourceBefore: before.rows,
        sourceAfter: later ? later.rows : before.rows,
        restored: restored.get(before.table) ?? null,
        expectedMin: judgement.min,
        expectedMax: judgement.max,
        status: judgement.status,
        ...(judgement.note ? { note: judgement.note } : {})
      })
      if (judgement.finding)
        findings.push({ check: 'counts', object: before.table, ...judgement.finding })
    }
    const rows = tables.reduce((sum, t) => sum + (t.restored ?? 0), 0)
    const count = mismatches(findings)
    return {
      findings,
      tables,
      detail:
        count === 0
          ? `${tables.length} tables, ${rows} rows within bounds`
          : `${count} of ${tables.length} tables out of bounds or missing`
    }
  }
}
