// Check: the restored schema equals the source's, object by object.
import { diffSchema } from '../compare-schema.js'
import type { CheckModule } from './context.js'
import { mismatches } from './context.js'

export const schemaCheck: CheckModule = {
  id: 'schema',
  title: 'Schema matches the source',
  async run(ctx) {
    const findings = diffSchema(ctx.before.schema, await ctx.restoredSchema())
    const count = mismatches(findings)
    return {
      findings,
      detail:
        count === 0
          ? `${ctx.before.schema.length} objects match`
          : `${count} of ${ctx.before.schema.length} objects differ`
    }
  }
}
