// Check: the canary row written to the source before the capture is in the restore.
import { findCanary } from '../canary.js'
import type { CheckModule } from './context.js'

export const canaryCheck: CheckModule = {
  id: 'canary',
  title: 'Canary row present',
  async run(ctx) {
    const canary = ctx.options.canary
    if (!canary) return { findings: [], detail: 'no canary written', skipped: true }
    const found = await findCanary(ctx.restored, canary.id)
    if (found === 'found') return { findings: [], detail: `canary ${canary.id} found` }
    const message =
      found === 'no-table'
        ? 'restore_drill.canary is missing from the restore: the backup predates the canary or is of another database'
        : `canary ${canary.id} is missing from the restore: the backup is older than the canary or of another database`
    return {
      findings: [
        { check: 'canary', object: 'restore_drill.canary', message, severity: 'mismatch' }
      ],
      detail: 'canary missing'
    }
  }
}
