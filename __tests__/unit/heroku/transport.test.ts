/** The HTTP layer against a real local socket: retries, resets, headers, once-only writes. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { HerokuTransport } from '../../../src/heroku/transport.js'
import { HerokuApiError } from '../../../src/heroku/types.js'
import {
  startFakeServer,
  httpFor,
  TEST_TOKEN,
  type FakeServer,
  type Handler
} from '../../fakes/fake-server.js'

let server: FakeServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function serve(handler: Handler): Promise<FakeServer> {
  server = await startFakeServer(handler)
  return server
}

const ok = (body: unknown, headers?: Record<string, string>) => ({ status: 200, body, headers })
const fail = (
  status: number,
  id: string,
  message = 'try again',
  headers?: Record<string, string>
) => ({
  status,
  body: { id, message },
  headers
})

describe('GET retries', () => {
  it('retries 429 and 503 until success, waiting as long as Retry-After asks', async () => {
    const s = await serve((_req, n) =>
      n === 1
        ? fail(429, 'rate_limit', 'slow down', { 'Retry-After': '3' })
        : n === 2
          ? fail(503, 'unavailable')
          : ok({ name: 'shop' })
    )
    const { http, clock, logs } = httpFor(s)
    await expect(http.get('platform', '/apps/shop')).resolves.toEqual({ name: 'shop' })
    expect(s.count('GET', '/apps/shop')).toBe(3)
    expect(clock.sleeps).toEqual([3000, 750]) // Retry-After, then backoff for attempt 2 (random 0.5)
    expect(logs[0]).toMatch(/GET \/apps\/shop: 429 rate_limit, retrying in 3\.0 s \(attempt 2\/8\)/)
  })

  it('retries a GET answered 200 with a body that is not JSON (a garbled answer), then reads the good one', async () => {
    const s = await serve((_req, n) =>
      n === 1 ? { status: 200, raw: '<html>upstream proxy error' } : ok({ name: 'shop' })
    )
    const { http, logs } = httpFor(s)
    await expect(http.get('platform', '/apps/shop')).resolves.toEqual({ name: 'shop' })
    expect(s.count('GET', '/apps/shop')).toBe(2)
    expect(logs[0]).toMatch(/GET \/apps\/shop: EBADJSON, retrying/)
  })

  it('never re-sends a write answered 200 with a garbled body: it is ambiguous (applied or not)', async () => {
    const s = await serve(() => ({ status: 200, raw: '{"id": "trunc' }))
    const { http } = httpFor(s)
    const failure = await http
      .request({ api: 'platform', method: 'POST', path: '/apps/shop/addons', body: {} })
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(HerokuApiError)
    expect((failure as HerokuApiError).ambiguous).toBe(true)
    expect(s.count('POST', '/apps/shop/addons')).toBe(1)
  })

  it('retries after the connection is dropped', async () => {
    const s = await serve((_req, n) => (n <= 2 ? 'reset' : ok([{ id: 'x' }])))
    const { http } = httpFor(s)
    await expect(http.get('data', '/client/v11/apps/shop/transfers')).resolves.toEqual([
      { id: 'x' }
    ])
    expect(s.count('GET', '/client/v11/apps/shop/transfers')).toBe(3)
  })

  it('retries a request that timed out', async () => {
    const s = await serve((_req, n) => (n === 1 ? 'hang' : ok({ id: 'acct' })))
    const { http } = httpFor(s, undefined, { timeoutMs: 150 })
    await expect(http.get('platform', '/account')).resolves.toEqual({ id: 'acct' })
    expect(s.count('GET', '/account')).toBe(2)
  })

  it('gives up after 8 attempts with one clear line', async () => {
    const s = await serve(() => fail(503, 'unavailable', 'Heroku is having trouble'))
    const { http, clock } = httpFor(s)
    await expect(http.get('platform', '/apps/shop')).rejects.toThrow(
      'Heroku API GET /apps/shop failed (503 unavailable): Heroku is having trouble'
    )
    expect(s.count('GET', '/apps/shop')).toBe(8)
    expect(clock.sleeps).toHaveLength(7)
  })

  it('does not retry a clear 4xx', async () => {
    const s = await serve(() => fail(404, 'not_found', "Couldn't find that app."))
    const { http } = httpFor(s)
    await expect(http.get('platform', '/apps/nope')).rejects.toMatchObject({
      status: 404,
      id: 'not_found'
    })
    expect(s.count('GET', '/apps/nope')).toBe(1)
  })

  it('slows down when RateLimit-Remaining runs low', async () => {
    const s = await serve(() => ok({}, { 'RateLimit-Remaining': '20' }))
    const { http, clock, logs } = httpFor(s)
    await http.get('platform', '/apps/a')
    expect(clock.sleeps).toEqual([])
    await http.get('platform', '/apps/a')
    expect(clock.sleeps).toEqual([8000])
    expect(logs).toContain('Heroku rate limit: 20 requests remaining, slowing down')
  })
})

describe('writes are never re-sent blindly', () => {
  it('the transport sends a POST exactly once, whether its socket is reset or it times out', async () => {
    const s = await serve((req) => (req.path === '/reset' ? 'reset' : 'hang'))
    const transport = new HerokuTransport(TEST_TOKEN, 100)
    const post = (path: string) =>
      transport.send({ method: 'POST', baseUrl: s.url, path, body: { name: 'x' } })
    await expect(post('/reset')).rejects.toMatchObject({ code: 'ECONNRESET' })
    await expect(post('/hang')).rejects.toMatchObject({ code: 'ETIMEDOUT' })
    // heroku-client re-sent each after about 1 s: wait past that to show nothing else arrives.
    await new Promise((r) => setTimeout(r, 1300))
    expect(s.count('POST', '/reset')).toBe(1)
    expect(s.count('POST', '/hang')).toBe(1)
  })

  it('a redirect is not followed: the token is sent to the Heroku host only', async () => {
    const s = await serve(() => ({ status: 302, headers: { Location: 'http://127.0.0.1:9/x' } }))
    const { http } = httpFor(s)
    await expect(http.get('platform', '/apps/shop')).rejects.toMatchObject({ status: 302 })
    expect(s.received).toHaveLength(1)
  })

  it('a POST that failed ambiguously (reset, 5xx, timeout) is sent once and reported as ambiguous', async () => {
    for (const reply of ['reset', fail(503, 'unavailable'), 'hang'] as const) {
      const s = await serve(() => reply)
      const { http } = httpFor(s, undefined, { timeoutMs: 150 })
      const error = await http
        .request({ api: 'data', method: 'POST', path: '/client/v11/databases/X/backups' })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(HerokuApiError)
      expect((error as HerokuApiError).ambiguous).toBe(true)
      await new Promise((r) => setTimeout(r, 200))
      expect(s.count('POST', '/client/v11/databases/X/backups')).toBe(1)
      await s.close()
      server = undefined
    }
  })

  it('a POST refused with 429 was not applied: it is sent again after Retry-After', async () => {
    const s = await serve((_req, n) =>
      n === 1 ? fail(429, 'rate_limit', 'slow', { 'Retry-After': '2' }) : ok({ id: 'A' })
    )
    const { http, clock } = httpFor(s)
    await expect(
      http.request({ api: 'platform', method: 'POST', path: '/apps/shop/addons', body: {} })
    ).resolves.toEqual({ id: 'A' })
    expect(s.count('POST', '/apps/shop/addons')).toBe(2)
    expect(clock.sleeps).toEqual([2000])
  })

  it('a clear 4xx on a write fails at once', async () => {
    const s = await serve(() =>
      fail(
        422,
        'invalid_params',
        'Couldn\'t find either the add-on service or the add-on plan of "heroku-postgresql:nope".'
      )
    )
    const { http } = httpFor(s)
    const error = (await http
      .request({ api: 'platform', method: 'POST', path: '/apps/shop/addons', body: {} })
      .catch((e: unknown) => e)) as HerokuApiError
    expect(error.status).toBe(422)
    expect(error.ambiguous).toBe(false)
    expect(error.message).toMatch(
      /^Heroku API POST \/apps\/shop\/addons failed \(422 invalid_params\): Couldn't find/
    )
    expect(s.count('POST', '/apps/shop/addons')).toBe(1)
  })
})

describe('wire details', () => {
  it('sends Basic auth with the token, the v3 Accept header, and no Range on single-object requests', async () => {
    const s = await serve(() => ok({}))
    const { http } = httpFor(s)
    await http.get('platform', '/apps/shop')
    await http.request({ api: 'data', method: 'POST', path: '/client/v11/databases/X/backups' })
    for (const r of s.received) {
      expect(r.headers.authorization).toBe(
        'Basic ' + Buffer.from(':' + TEST_TOKEN).toString('base64')
      )
      expect(r.headers.accept).toBe('application/vnd.heroku+json; version=3')
      expect(r.headers.range).toBeUndefined()
    }
  })

  it('sends Range on list requests and follows Next-Range, concatenating pages', async () => {
    const s = await serve((req) =>
      req.headers.range === 'id ..; max=1000'
        ? { status: 206, body: [{ id: 1 }], headers: { 'Next-Range': ']1..; max=1000' } }
        : ok([{ id: 2 }])
    )
    const { http } = httpFor(s)
    await expect(http.get('platform', '/apps/shop/addons', { list: true })).resolves.toEqual([
      { id: 1 },
      { id: 2 }
    ])
    expect(s.received.map((r) => r.headers.range)).toEqual(['id ..; max=1000', ']1..; max=1000'])
  })

  it('sends no Range on data API lists but still follows a Next-Range the server sends', async () => {
    const s = await serve((req) =>
      req.headers.range === undefined
        ? { status: 206, body: [{ num: 1 }], headers: { 'Next-Range': ']1..' } }
        : ok([{ num: 2 }])
    )
    const { http } = httpFor(s)
    await expect(http.get('data', '/client/v11/apps/shop/transfers')).resolves.toEqual([
      { num: 1 },
      { num: 2 }
    ])
    expect(s.received.map((r) => r.headers.range)).toEqual([undefined, ']1..'])
  })

  it('redacts the token and database credentials from error messages', async () => {
    const s = await serve(() =>
      fail(
        500,
        'internal_error',
        `boom with ${TEST_TOKEN} and postgres://role:hunter2hunter2@db:5432/x`
      )
    )
    const { http } = httpFor(s, undefined, { retry: { maxAttempts: 1 } })
    const error = (await http.get('platform', '/apps/shop').catch((e: unknown) => e)) as Error
    expect(error.message).toContain('boom with ***')
    expect(error.message).not.toContain(TEST_TOKEN)
    expect(error.message).not.toContain('hunter2')
  })

  it('prints nothing, even with DEBUG=http (which made heroku-client print bodies)', async () => {
    const s = await serve(() => ok({ DATABASE_URL: 'postgres://u:secretpw1234@h/d' }))
    const { http } = httpFor(s)
    const previous = process.env.DEBUG
    process.env.DEBUG = 'http'
    const writes: string[] = []
    const original = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string | Uint8Array) => {
      writes.push(String(chunk))
      return true
    }) as typeof process.stderr.write
    try {
      await http.get('platform', '/apps/shop/config-vars')
    } finally {
      process.stderr.write = original
      process.env.DEBUG = previous
    }
    expect(writes.join('')).not.toContain('secretpw1234')
  })
})
