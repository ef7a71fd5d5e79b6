// Check: every table's restored row count lies within the bound derived from the source's
// before/after counts and write counters (bounds.ts explains the bound).
import { judgeCount, openingCounters, writesInWindow } from '../bounds.js'
import { windowWatched } from '../types.js'
import type { Finding, Queryable, TableResult, WriteCounters } from '../types.js'
import type { CheckContext, CheckModule } from './context.js'
import { mismatches } from './context.js'
import { plural } from '../../format.js'

/**
 * A backend flushes its write counters only between statements, so writes made just before a
 * long statement are not counted while it runs. Such sessions are named in a count mismatch,
 * so a reader can tell a possible counting delay from a lost row (the finding stays a mismatch).
 */
async function longStatementHint(source: Queryable): Promise<string | null> {
  const { rows } = await source
    .query<{ n: number; oldest: string | null }>(
      `SELECT count(*)::int AS n, min(query_start)::text AS oldest FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
          AND query_start < now() - interval '10 seconds'`
    )
    .catch(() => ({ rows: [] as { n: number; oldest: string | null }[] }))
  const n = rows[0]?.n ?? 0
  if (n === 0) return null
  return (
    `${n} source session(s) were running a statement started more than 10 s ago (oldest ${rows[0].oldest}); ` +
    `writes made just before such a statement are not in the statistics until it ends, so re-run the drill to confirm`
  )
}

/** Every table's count judged against the bound from the before/after reads and `closing`. */
function judgeAll(
  ctx: CheckContext,
  restored: Map<string, number>,
  closing: WriteCounters | null
): { findings: Finding[]; tables: TableResult[] } {
  const after = new Map(ctx.after.tables.map((t) => [t.table, t]))
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
    const writes = writesInWindow(
      openingCounters(before),
      [later && openingCounters(later), later?.countersAfterCount, closing?.tables[before.table]],
      resetChanged
    )
    const judgement = judgeCount({
      before: before.rows,
      after: later ? later.rows : null,
      restored: restored.get(before.table) ?? null,
      writes,
      backupMode: ctx.options.backupMode,
      watched: windowWatched(ctx.options)
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
  return { findings, tables }
}

/** A warning for each table whose source count the statement timeout cancelled (source-statement-timeout). */
function timedOutFindings(ctx: CheckContext): Finding[] {
  const warn = (table: string, when: string): Finding => ({
    check: 'counts',
    object: table,
    message: `row count not verified: counting it on the source ${when} took longer than source-statement-timeout`,
    severity: 'warning'
  })
  const before = ctx.before.counts.timedOut ?? []
  return [
    ...before.map((table) => warn(table, 'before the backup')),
    ...(ctx.after.timedOut ?? [])
      .filter((table) => !before.includes(table))
      .map((table) => warn(table, 'after the backup'))
  ]
}

export const countsCheck: CheckModule = {
  id: 'counts',
  title: 'Row counts',
  async run(ctx) {
    const restored = new Map((await ctx.restoredCounts()).tables.map((t) => [t.table, t.rows]))
    let judged = judgeAll(ctx, restored, await ctx.closingCounters())
    if (judged.tables.some((t) => t.status === 'mismatch'))
      judged = judgeAll(ctx, restored, await ctx.closingCountersAfterFlush())
    const { tables } = judged
    const findings = [...judged.findings, ...timedOutFindings(ctx)]
    const outOfBounds = findings.filter(
      (f) =>
        f.severity === 'mismatch' &&
        tables.some((t) => t.table === f.object && t.status === 'mismatch')
    )
    if (outOfBounds.length > 0) {
      const hint = await longStatementHint(ctx.source)
      if (hint) for (const finding of outOfBounds) finding.message += `; ${hint}`
    }
    const rows = tables.reduce((sum, t) => sum + (t.restored ?? 0), 0)
    const count = mismatches(findings)
    return {
      findings,
      tables,
      detail:
        (count === 0
          ? `${plural(tables.length, 'table')}, ${plural(rows, 'row')} within bounds`
          : `${count} of ${tables.length} tables out of bounds or missing`) +
        // restoredCounts takes a hashed table's count from its checksum: that pass is timed here.
        (ctx.options.checksumTables.length > 0
          ? '; hashed tables counted by their checksum pass'
          : '')
    }
  }
}
