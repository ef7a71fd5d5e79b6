/** A tiny scripted HTTP server on 127.0.0.1:0 for transport tests, recording every request it receives. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHerokuHttp, type HerokuHttp, type HerokuHttpOptions } from '../../src/heroku/http.js'
import { SecretRegistry } from '../../src/safety.js'

export interface ReceivedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * Reply with a status, JSON body and headers (`raw`: this text as the body, as sent, e.g. a
 * garbled answer); or 'reset' to destroy the socket after reading the request.
 */
export type Reply =
  | { status: number; body?: unknown; raw?: string; headers?: Record<string, string> }
  | 'reset'
  | 'hang'

export type Handler = (req: ReceivedRequest, count: number) => Reply

export interface FakeServer {
  url: string
  received: ReceivedRequest[]
  /** Requests received with this method whose path matches. */
  count(method: string, path: RegExp | string): number
  close(): Promise<void>
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const received: ReceivedRequest[] = []
  const sockets = new Set<import('node:net').Socket>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      received.push(entry)
      const reply = handler(entry, received.length)
      if (reply === 'reset') {
        req.socket.destroy()
        return
      }
      if (reply === 'hang') return
      const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body))
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers })
      res.end(payload)
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    count: (method, path) =>
      received.filter(
        (r) =>
          r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path))
      ).length,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

export interface FakeClock {
  nowMs: number
  sleeps: number[]
  sleep: (ms: number) => Promise<void>
  now: () => number
}

/** A clock that advances only when slept on, so retries and waits run instantly. */
export function fakeClock(startMs = Date.parse('2026-11-25T06:00:00Z')): FakeClock {
  const clock: FakeClock = {
    nowMs: startMs,
    sleeps: [],
    sleep: async (ms: number) => {
      clock.sleeps.push(ms)
      clock.nowMs += ms
    },
    now: () => clock.nowMs
  }
  return clock
}

export const TEST_TOKEN = 'hrku-test-token-0123456789abcdef'

/** An HerokuHttp on the fake server with an instant clock, random fixed at 0.5. */
export function httpFor(
  server: { url: string },
  clock = fakeClock(),
  extra: Partial<HerokuHttpOptions> = {}
): { http: HerokuHttp; clock: FakeClock; logs: string[]; secrets: SecretRegistry } {
  const logs: string[] = []
  const secrets = extra.secrets ?? new SecretRegistry()
  const http = createHerokuHttp({
    token: TEST_TOKEN,
    apiUrl: server.url,
    dataApiUrl: server.url,
    secrets,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    log: (line) => logs.push(line),
    ...extra
  })
  return { http, clock, logs, secrets }
}
