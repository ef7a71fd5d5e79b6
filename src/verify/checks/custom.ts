// Check: each user assertion (`checks` input) returns exactly one value, and it is true.
// Runs on the restored database in a read-only transaction with a statement timeout. The one
// rule for a check, here and in the promote drill: one row, one column, SQL `true`; anything
// else (1, 't', 'yes', false, null, no row) fails.
import type pg from 'pg'
import { inReadOnlyTransaction } from '../session.js'
import { withoutRowValues } from '../sql.js'
import type { CustomCheck, Finding } from '../types.js'
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

/** null when the check passed, otherwise what it returned or how it failed (no row contents). */
export async function runCustomCheck(
  db: pg.Pool,
  check: CustomCheck,
  timeoutMs = DEFAULT_TIMEOUT_MS
): Promise<string | null> {
  try {
    const rows = await inReadOnlyTransaction(
      db,
      { statement_timeout: String(timeoutMs) },
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
    return verdict(rows)
  } catch (err) {
    return `failed: ${withoutRowValues((err as Error).message)}`
  }
}

export const customCheck: CheckModule = {
  id: 'custom',
  title: 'Custom checks',
  async run(ctx) {
    const checks = ctx.options.checks
    if (checks.length === 0) return { findings: [], detail: 'none configured', skipped: true }
    const findings: Finding[] = []
    for (const check of checks) {
      const problem = await runCustomCheck(ctx.restored, check, ctx.options.checkTimeoutMs)
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
