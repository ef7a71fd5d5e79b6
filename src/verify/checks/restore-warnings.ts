// Check: pg_restore's warnings and errors, triaged as `restore-warnings` says.
import { classifyRestoreLog, restoreWarningSeverity } from '../warnings.js'
import type { Finding } from '../types.js'
import type { CheckModule } from './context.js'
import { mismatches } from './context.js'

export const restoreWarningsCheck: CheckModule = {
  id: 'restore-warnings',
  title: 'Restore warnings',
  async run(ctx) {
    const { harmless, real } = classifyRestoreLog(ctx.restoreLogs)
    const mode = ctx.options.restoreWarnings
    const findings: Finding[] = [
      ...real.map((line) => ({
        check: 'restore-warnings',
        object: line,
        message: `restore problem: ${line}`,
        severity: restoreWarningSeverity(mode, 'real')
      })),
      ...harmless.map((line) => ({
        check: 'restore-warnings',
        object: line,
        message: `known harmless on Heroku: ${line}`,
        severity: restoreWarningSeverity(mode, 'harmless')
      }))
    ]
    const failing = mismatches(findings)
    return {
      findings,
      detail: `${real.length} real, ${harmless.length} harmless (${mode})${failing ? `: ${failing} fail the drill` : ''}`
    }
  }
}
