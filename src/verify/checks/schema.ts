// Check: the restored schema equals the source's, object by object. In a capture drill the
// source may change during the window (a deploy's migration): a difference the source shows too
// when read again now is the source moving on, not a fault of the restore.
import { schemaDifferences } from '../compare-schema.js'
import { snapshotSchema } from '../snapshot.js'
import type { Finding } from '../types.js'
import type { CheckModule } from './context.js'
import { mismatches } from './context.js'
import { formatCount, plural } from '../../format.js'

export const schemaCheck: CheckModule = {
  id: 'schema',
  title: 'Schema matches the source',
  async run(ctx) {
    const restored = await ctx.restoredSchema()
    const differences = schemaDifferences(ctx.before.schema, restored)
    let findings: Finding[] = differences.map((d) => d.finding)
    if (findings.some((f) => f.severity === 'mismatch')) {
      const now = await snapshotSchema(ctx.source).catch(() => null)
      if (now) {
        const stillDifferent = new Set(schemaDifferences(now, restored).map((d) => d.key))
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
    const count = mismatches(findings)
    const total = ctx.before.schema.length
    return {
      findings,
      detail:
        count === 0
          ? `${plural(total, 'object')} match${total === 1 ? 'es' : ''}`
          : `${formatCount(count)} of ${plural(total, 'object')} differ`
    }
  }
}
