// Check: every materialized view populated in the source is populated in the restore, with its
// row count. The restore does not copy a view's rows: it re-runs the view's query (REFRESH) on the
// restored tables, so a source view not refreshed since its tables changed legitimately holds
// other rows. A count difference is therefore a warning; an unpopulated restored view (its
// REFRESH failed) is a mismatch. A view created WITH NO DATA is noted, never an error.
import { EXCLUDED_SCHEMAS } from '../snapshot.js'
import { mapLimit, objectName, qualifiedName } from '../sql.js'
import type { Finding, Queryable } from '../types.js'
import type { CheckModule } from './context.js'
import { formatCount, plural } from '../../format.js'

interface Matview {
  schema: string
  name: string
  populated: boolean
}

async function listMatviews(db: Queryable): Promise<Map<string, Matview>> {
  const { rows } = await db.query<Matview>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relispopulated AS populated
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'm' AND n.nspname <> ALL ($1::text[]) ORDER BY 1, 2`,
    [EXCLUDED_SCHEMAS]
  )
  return new Map(rows.map((m) => [objectName(m.schema, m.name), m]))
}

async function countRows(db: Queryable, view: Matview): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${qualifiedName(view.schema, view.name)}`
  )
  return Number(rows[0].n)
}

/** The finding for one view present on both sides, or null when its counts agree. */
async function judgeView(
  ctx: { source: Queryable; restored: Queryable },
  name: string,
  source: Matview,
  restored: Matview
): Promise<Finding | null> {
  const base = { check: 'matviews', object: name }
  if (!source.populated)
    return {
      ...base,
      message: 'not populated in the source (WITH NO DATA): nothing to count',
      severity: 'info'
    }
  if (!restored.populated)
    return {
      ...base,
      message: 'populated in the source but not in the restore: its REFRESH failed',
      severity: 'mismatch'
    }
  const [s, r] = await Promise.all([
    countRows(ctx.source, source),
    countRows(ctx.restored, restored)
  ])
  if (s === r) return null
  return {
    ...base,
    message:
      `source holds ${formatCount(s)} rows, restore ${formatCount(r)}: the restore refreshes the view from the restored tables, ` +
      `so this is expected when the source view was not refreshed since its tables changed`,
    severity: 'warning'
  }
}

export const matviewsCheck: CheckModule = {
  id: 'matviews',
  title: 'Materialized views',
  async run(ctx) {
    const [source, restored] = await Promise.all([
      listMatviews(ctx.source),
      listMatviews(ctx.restored)
    ])
    if (source.size === 0) return { findings: [], detail: 'no materialized views', skipped: true }
    // A view missing from the restore is the schema check's finding.
    const both = [...source].filter(([name]) => restored.has(name))
    const judged = await mapLimit(both, ctx.options.parallelism, ([name, view]) =>
      judgeView(ctx, name, view, restored.get(name) as Matview)
    )
    const findings = judged.filter((f): f is Finding => f !== null)
    const populated = both.filter(([, view]) => view.populated).length
    const differ = findings.filter((f) => f.severity !== 'info').length
    return {
      findings,
      detail:
        `${plural(populated, 'populated materialized view')} counted` +
        (differ > 0 ? `, ${formatCount(differ)} differ` : ', counts match') +
        (populated < both.length
          ? `; ${formatCount(both.length - populated)} not populated in the source`
          : '')
    }
  }
}
