// The inputs that bound verification on a big database: verify-budget, source-statement-timeout
// and self-test. Each bad value is one line naming the input, the problem and a good example,
// handed to `fail` (inputs.ts throws its InputError with it).

/** Ends the parse with an input error; never returns. */
export type Fail = (input: string, message: string) => never

/** `90s`, `5m`, `1h`: whole seconds, minutes or hours. */
const SHORT_DURATION = /^(\d{1,6})(s|m|h)$/

const seconds = (value: string): number | null => {
  const match = SHORT_DURATION.exec(value)
  if (!match) return null
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h']
}

const echo = (value: string): string =>
  `(got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)})`

/** verify-budget: empty (every quiet table hashed, as before) or a duration from 1s to 24h. */
export function readVerifyBudget(value: string, fail: Fail): number | null {
  const trimmed = value.trim()
  if (trimmed === '') return null
  const budget = seconds(trimmed)
  if (budget === null || budget < 1 || budget > 86_400)
    return fail(
      'verify-budget',
      `Input "verify-budget" must be a duration from 1s to 24h such as 90s, 5m or 1h, or empty to hash every quiet table ${echo(trimmed)}.`
    )
  return budget
}

/** source-statement-timeout: a duration from 1s to 24h; empty means the default, 10m. */
export function readSourceStatementTimeout(value: string, fail: Fail): number {
  const trimmed = value.trim()
  if (trimmed === '') return 600
  const limit = seconds(trimmed)
  if (limit === null || limit < 1 || limit > 86_400)
    return fail(
      'source-statement-timeout',
      `Input "source-statement-timeout" must be a duration from 1s to 24h such as 30s, 10m or 1h ${echo(trimmed)}.`
    )
  return limit
}

/** self-test: true (default) or false. */
export function readSelfTest(value: string, fail: Fail): boolean {
  const trimmed = value.trim()
  if (trimmed === '' || ['true', 'True', 'TRUE'].includes(trimmed)) return true
  if (['false', 'False', 'FALSE'].includes(trimmed)) return false
  return fail(
    'self-test',
    `Input "self-test" must be true or false, e.g. self-test: true ${echo(trimmed)}.`
  )
}
