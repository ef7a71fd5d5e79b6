// The Heroku API's retry policy, pure: how long to wait before the next attempt (backoff,
// Retry-After, a low RateLimit-Remaining), and which failures a GET or a write may be retried after.
import type { HerokuApiError } from './types.js'

export interface RetryPolicy {
  /** Attempts in all, first included. */
  maxAttempts: number
  baseDelayMs: number
  factor: number
  maxDelayMs: number
  /** Longest Retry-After honoured; longer values are cut to this. */
  maxRetryAfterMs: number
  /** Below this RateLimit-Remaining every request is delayed... */
  rateLimitThreshold: number
  /** ...by up to this much (reached at 0 remaining). */
  rateLimitMaxDelayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 500,
  factor: 2,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
  rateLimitThreshold: 100,
  rateLimitMaxDelayMs: 10_000
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to 0. */
export function backoffDelayMs(
  attempt: number,
  random: () => number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY
): number {
  const exp = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * policy.factor ** Math.max(0, attempt - 1)
  )
  return Math.round(exp / 2 + random() * (exp / 2))
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/** Extra wait before a request when the account's token pool runs low (Heroku refills ~75/min). */
export function rateLimitDelayMs(
  remaining: number | undefined,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY
): number {
  if (remaining === undefined || remaining >= policy.rateLimitThreshold) return 0
  const shortfall = (policy.rateLimitThreshold - Math.max(0, remaining)) / policy.rateLimitThreshold
  return Math.round(policy.rateLimitMaxDelayMs * shortfall)
}

/** The wait before attempt `attempt + 1`: backoff, or longer when the server asked for it. */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY
): number {
  const backoff = backoffDelayMs(attempt, random, policy)
  if (retryAfterMs === undefined) return backoff
  return Math.max(backoff, Math.min(retryAfterMs, policy.maxRetryAfterMs))
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  // A 2xx whose body is not JSON (a proxy's page, a cut-off answer): for a read, as good as a 5xx.
  'EBADJSON'
])
// Errors raised before a connection existed: the request cannot have reached Heroku.
export const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH'])

/** A GET may be retried after this failure. */
export function isRetryableFailure(err: HerokuApiError): boolean {
  if (err.status === 0) return TRANSIENT_CODES.has(err.id)
  return err.status === 429 || (err.status >= 500 && err.status !== 501)
}

/** A write failed in a way that proves it was not applied, so sending it again is safe. */
export function provesNotApplied(err: HerokuApiError): boolean {
  if (err.status === 0) return NOT_SENT_CODES.has(err.id) && err.id !== 'ENOTFOUND'
  return err.status === 429
}
