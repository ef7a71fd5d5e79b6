// Check: each user assertion (`checks` input) returns exactly one value, and it is true.
// Runs on the restored database in a read-only transaction with a statement timeout.
import type pg from 'pg'
import { inReadOnlyTransaction } from '../session.js'
import { withoutRowValues } from '../sql.js'
import type { Finding } from '../types.js'
import type { CheckModule } from './context.js'

const DEFAULT_TIMEOUT_MS = 60_000

/** What a check's result says, without echoing row contents. */
function verdict(rows: unknown[][]): string | null {
  if (rows.length !== 1) return `returned ${rows.length} rows, expected exactly one value`
  const values = rows[0]
  if (values.length !== 1) return `returned ${values.length} columns, expected exactly one value`
  const value = values[0]
  if (value === true) return null
  if (value === false || value === null) return `returned ${value}`
  return `returned a ${typeof value} value, expected true`
}

export const customCheck: CheckModule = {
  id: 'custom',
  title: 'Custom checks',
  async run(ctx) {
    const checks = ctx.options.checks
    if (checks.length === 0) return { findings: [], detail: 'none configured', skipped: true }
    const timeout = String(ctx.options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS)
    const findings: Finding[] = []
    for (const check of checks) {
      let problem: string | null
      try {
        const rows = await inReadOnlyTransaction(
          ctx.restored,
          { statement_timeout: timeout },
          async (session) => {
            // Rows as arrays: two columns of the same name must still count as two values.
            return (
              await (session as unknown as pg.ClientBase).query<unknown[]>({
                text: check.sql,
                rowMode: 'array'
              })
            ).rows
          }
        )
        problem = verdict(rows)
      } catch (err) {
        problem = `failed: ${withoutRowValues((err as Error).message)}`
      }
      if (problem)
        findings.push({
          check: 'custom',
          object: check.name,
          message: `check "${check.name}" ${problem}`,
          severity: 'mismatch'
        })
    }
    return { findings, detail: `${checks.length - findings.length} of ${checks.length} passed` }
  }
}
