// Check: each user assertion (`checks` input) returns exactly one value, and it is true.
// Runs on the restored database in a read-only transaction with a statement timeout, always
// rolled back, as exactly one query (check-sql.ts). The one rule for a check, here and in the
// promote drill: one row, one column, SQL `true`; anything else (1, 't', 'yes', false, null, no
// row) fails.
import type pg from 'pg'
import { inReadOnlyTransaction } from '../session.js'
import { asOneQuery, checkErrorText } from './check-sql.js'
import type { CustomCheck, Finding } from '../types.js'
import type { CheckModule } from './context.js'

const DEFAULT_TIMEOUT_MS = 60_000

/** Finding.check of a check whose SQL cannot answer true or false: the SQL is at fault, not the backup. */
export const CHECK_ERROR = 'check-error'

const AS_CONDITION =
  "the check's SQL is at fault, not the backup: write a condition that returns one true or false, e.g. select count(*) > 0 from orders"

/** What a check's result says, without echoing row contents; `shape` when it is no true/false answer. */
function verdict(rows: unknown[][]): { problem: string; shape: boolean } | null {
  if (rows.length !== 1)
    return { problem: `returned ${rows.length} rows; ${AS_CONDITION}`, shape: true }
  const values = rows[0]
  if (values.length !== 1)
    return { problem: `returned ${values.length} columns; ${AS_CONDITION}`, shape: true }
  const value = values[0]
  if (value === true) return null
  if (value === false || value === null) return { problem: `returned ${value}`, shape: false }
  return { problem: `returned ${kindOf(value)}, not true or false; ${AS_CONDITION}`, shape: true }
}

/** pg gives bigint and numeric as strings: `select count(*)` returns "a number", not "a string". */
function kindOf(value: unknown): string {
  if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)))
    return 'a number'
  return typeof value === 'string' ? 'text' : `a ${typeof value} value`
}

/** null when the check passed, otherwise what it returned or how it failed (no row contents). */
export async function runCustomCheck(
  db: pg.Pool,
  check: CustomCheck,
  timeoutMs = DEFAULT_TIMEOUT_MS
): Promise<string | null> {
  return (await judgeCustomCheck(db, check, timeoutMs))?.problem ?? null
}

/** As runCustomCheck, and whether the SQL gave no true/false answer at all (`shape`). */
async function judgeCustomCheck(
  db: pg.Pool,
  check: CustomCheck,
  timeoutMs: number
): Promise<{ problem: string; shape: boolean } | null> {
  try {
    const rows = await inReadOnlyTransaction(
      db,
      { statement_timeout: String(timeoutMs) },
      async (session) => {
        // Rows as arrays: two columns of the same name must still count as two values.
        return (await (session as unknown as pg.ClientBase).query<unknown[]>(asOneQuery(check.sql)))
          .rows
      }
    )
    return verdict(rows)
  } catch (err) {
    return { problem: `failed: ${checkErrorText(err, check.sql)}`, shape: false }
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
      const judged = await judgeCustomCheck(
        ctx.restored,
        check,
        ctx.options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS
      )
      if (judged)
        findings.push({
          check: judged.shape ? CHECK_ERROR : 'custom',
          object: check.name,
          message: `check "${check.name}" ${judged.problem}`,
          severity: 'mismatch'
        })
    }
    return { findings, detail: `${checks.length - findings.length} of ${checks.length} passed` }
  }
}
