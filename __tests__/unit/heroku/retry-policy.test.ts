import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  isRetryableFailure,
  parseRetryAfterMs,
  provesNotApplied,
  rateLimitDelayMs,
  retryDelayMs
} from '../../../src/heroku/retry-policy.js'
import { HerokuApiError } from '../../../src/heroku/types.js'

const err = (status: number, id: string, method = 'GET') =>
  new HerokuApiError('x', {
    status,
    id,
    method,
    ambiguous: method !== 'GET' && (status === 0 || status >= 500)
  })

describe('backoff', () => {
  it('doubles from 500 ms with half of each wait jittered, capped at 20 s', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, () => 0))).toEqual([250, 500, 1000, 2000])
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, () => 1))).toEqual([500, 1000, 2000, 4000])
    expect(backoffDelayMs(7, () => 1)).toBe(20_000)
    expect(backoffDelayMs(30, () => 0)).toBe(10_000)
  })

  it('spreads clients apart: different random draws give different waits', () => {
    expect(backoffDelayMs(3, () => 0.1)).not.toBe(backoffDelayMs(3, () => 0.9))
  })

  it('retries at most 8 times in all with about a minute of waiting at most', () => {
    let total = 0
    for (let a = 1; a < DEFAULT_RETRY_POLICY.maxAttempts; a++) total += backoffDelayMs(a, () => 1)
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(8)
    expect(total).toBeLessThanOrEqual(70_000)
  })
})

describe('Retry-After', () => {
  const now = Date.parse('2026-11-25T06:00:00Z')
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('7', now)).toBe(7000)
    expect(parseRetryAfterMs('Wed, 25 Nov 2026 06:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfterMs('Wed, 25 Nov 2026 05:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined()
    expect(parseRetryAfterMs('soon', now)).toBeUndefined()
  })

  it('makes the wait at least what the server asked, up to 2 minutes', () => {
    expect(retryDelayMs(1, 7000, () => 0)).toBe(7000)
    expect(retryDelayMs(1, undefined, () => 0)).toBe(250)
    expect(retryDelayMs(6, 100, () => 1)).toBe(16_000) // backoff longer than asked: backoff wins
    expect(retryDelayMs(1, 3_600_000, () => 0)).toBe(120_000)
  })
})

describe('rate-limit slowdown', () => {
  it('adds nothing while 100 or more requests remain, then grows to 10 s at 0', () => {
    expect(rateLimitDelayMs(undefined)).toBe(0)
    expect(rateLimitDelayMs(4500)).toBe(0)
    expect(rateLimitDelayMs(100)).toBe(0)
    expect(rateLimitDelayMs(99)).toBe(100)
    expect(rateLimitDelayMs(50)).toBe(5000)
    expect(rateLimitDelayMs(0)).toBe(10_000)
  })
})

describe('which failures are retried', () => {
  it('GETs: 429, 5xx (not 501) and dropped connections; never 4xx', () => {
    for (const e of [
      err(429, 'rate_limit'),
      err(500, 'x'),
      err(503, 'x'),
      err(0, 'ECONNRESET'),
      err(0, 'ECONNREFUSED'),
      err(0, 'ETIMEDOUT')
    ]) {
      expect(isRetryableFailure(e)).toBe(true)
    }
    for (const e of [
      err(401, 'unauthorized'),
      err(404, 'not_found'),
      err(422, 'invalid_params'),
      err(501, 'x'),
      err(0, 'ENOTFOUND')
    ]) {
      expect(isRetryableFailure(e)).toBe(false)
    }
  })

  it('writes: only answers proving the request was not applied (429, connection refused)', () => {
    expect(provesNotApplied(err(429, 'rate_limit', 'POST'))).toBe(true)
    expect(provesNotApplied(err(0, 'ECONNREFUSED', 'POST'))).toBe(true)
    for (const e of [
      err(503, 'x', 'POST'),
      err(500, 'x', 'POST'),
      err(0, 'ECONNRESET', 'POST'),
      err(0, 'ETIMEDOUT', 'POST'),
      err(422, 'invalid_params', 'POST')
    ]) {
      expect(provesNotApplied(e)).toBe(false)
    }
  })
})
