// Check: the restored schema equals the source's, object by object. In a capture drill the
// source may change during the window (a deploy's migration): a difference the source shows too
// when read again now is the source moving on, not a fault of the restore. On a copy of another
// major (an upgrade rehearsal) what differs only in form between the majors is judged equal
// (compare-schema.ts alignAcrossMajors, across-majors.ts); on one major nothing is.
import { serverMajor, unavailableExtensions, viewsOfSameMeaning } from '../across-majors.js'
import { alignAcrossMajors, schemaDifferences } from '../compare-schema.js'
import { snapshotSchema } from '../snapshot.js'
import type { AcrossMajors, Finding, SchemaObject } from '../types.js'
import type { CheckContext, CheckModule } from './context.js'
import { mismatches } from './context.js'
import { formatCount, plural } from '../../format.js'

type Differences = ReturnType<typeof schemaDifferences>

/** How the two schemas are compared: as they are on one major, aligned across two. */
interface Comparison {
  differences(source: SchemaObject[], restored: SchemaObject[]): Differences
  across?: AcrossMajors
}

async function comparisonFor(ctx: CheckContext, restored: SchemaObject[]): Promise<Comparison> {
  const [sourceMajor, copyMajor] = await Promise.all([
    serverMajor(ctx.source),
    serverMajor(ctx.restored)
  ])
  if (sourceMajor === copyMajor) return { differences: (s, r) => schemaDifferences(s, r) }
  // Views not asked about (a copy this drill may not write to) stay differences: never a false pass.
  const sameMeaning = await viewsOfSameMeaning(
    ctx.restored,
    ctx.source,
    ctx.before.schema,
    restored
  ).catch(() => new Set<string>())
  const differences = (s: SchemaObject[], r: SchemaObject[]): Differences => {
    const aligned = alignAcrossMajors(s, r, sameMeaning)
    return schemaDifferences(aligned.source, aligned.restored)
  }
  const aligned = alignAcrossMajors(ctx.before.schema, restored, sameMeaning)
  return {
    differences,
    across: {
      sourceMajor,
      copyMajor,
      judgedEqual: aligned.judgedEqual,
      notNullConstraints: aligned.notNullConstraints,
      unavailableExtensions: await unavailableExtensions(ctx.restored, ctx.before.extensions)
    }
  }
}

/** An extension the copy's major does not offer: say so rather than "missing from the restore". */
function namingUnavailable(findings: Finding[], across: AcrossMajors | undefined): Finding[] {
  const unavailable = new Set(across?.unavailableExtensions ?? [])
  return findings.map((f) =>
    f.severity === 'mismatch' && unavailable.has(f.object) && /^extension /.test(f.message)
      ? {
          ...f,
          message: `extension is not available on PostgreSQL ${across?.copyMajor} (the copy's server): an upgrade would lose it and what uses it`
        }
      : f
  )
}

export const schemaCheck: CheckModule = {
  id: 'schema',
  title: 'Schema matches the source',
  async run(ctx) {
    const restored = await ctx.restoredSchema()
    const comparison = await comparisonFor(ctx, restored)
    const differences = comparison.differences(ctx.before.schema, restored)
    let findings: Finding[] = differences.map((d) => d.finding)
    if (findings.some((f) => f.severity === 'mismatch')) {
      const now = await snapshotSchema(ctx.source).catch(() => null)
      if (now) {
        const stillDifferent = new Set(comparison.differences(now, restored).map((d) => d.key))
        findings = differences.map(({ key, finding }) =>
          finding.severity === 'mismatch' && !stillDifferent.has(key)
            ? {
                ...finding,
                message: `${finding.message} (the source changed during the drill; the restore matches it as it is now)`,
                severity: 'info' as const
              }
            : finding
        )
      }
    }
    findings = namingUnavailable(findings, comparison.across)
    const count = mismatches(findings)
    const total = ctx.before.schema.length
    const across = comparison.across
    const inForm = across?.judgedEqual.length
      ? ` (${plural(across.judgedEqual.length, 'object')} differ only in form between PostgreSQL ${across.sourceMajor} and ${across.copyMajor})`
      : ''
    return {
      findings,
      detail:
        count === 0
          ? `${plural(total, 'object')} match${total === 1 ? 'es' : ''}${inForm}`
          : `${formatCount(count)} of ${plural(total, 'object')} differ${inForm}`,
      ...(across ? { acrossMajors: across } : {})
    }
  }
}
