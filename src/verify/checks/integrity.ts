// Check: every index of the restore is valid and every constraint validated.
import { integrityFindings } from '../compare-schema.js'
import type { CheckModule } from './context.js'
import { mismatches } from './context.js'
import { formatCount } from '../../format.js'

export const integrityCheck: CheckModule = {
  id: 'integrity',
  title: 'Indexes valid, constraints validated',
  async run(ctx) {
    const restored = await ctx.restoredSchema()
    const findings = integrityFindings(ctx.before.schema, restored)
    const total = restored.filter((o) => o.kind === 'index' || o.kind === 'constraint').length
    const count = mismatches(findings)
    return {
      findings,
      detail:
        count === 0
          ? `${formatCount(total)} indexes and constraints valid`
          : `${formatCount(count)} not valid`
    }
  }
}
