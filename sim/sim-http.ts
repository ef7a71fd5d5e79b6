// HTTP plumbing of the simulator: errors as {id, message}, JSON bodies, routing, Range paging,
// the rate-limit pool and redaction of secrets for the audit log.
import type { IncomingMessage } from 'node:http'

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

/** Answered with an HTML page, not JSON (the data API does so for a malformed database id). */
export class SimHtmlError extends SimHttpError {
  readonly html = true
}

export const notFound = (message = 'Couldn\u2019t find that resource.'): SimHttpError =>
  new SimHttpError(404, 'not_found', message)
export const invalidParams = (message: string): SimHttpError =>
  new SimHttpError(422, 'invalid_params', message)

export interface SimRequest {
  method: string
  url: URL
  /** Path segments, URL-decoded. */
  segments: string[]
  headers: IncomingMessage['headers']
  body: unknown
  params: Record<string, string>
}

export interface SimResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** A file streamed as application/octet-stream instead of a JSON body. */
  file?: string
  /** An HTML page instead of a JSON body. */
  html?: string
}

export type Handler = (req: SimRequest) => Promise<SimResponse> | SimResponse

export interface Route {
  method: string
  pattern: string[]
  handler: Handler
}

/** `route('GET', '/apps/:app/addons', h)`: `:name` segments become params. */
export function route(method: string, path: string, handler: Handler): Route {
  return { method, pattern: path.split('/').filter(Boolean), handler }
}

export function matchRoute(
  routes: Route[],
  method: string,
  segments: string[]
): { route: Route; params: Record<string, string> } | { methodMismatch: boolean } {
  let methodMismatch = false
  for (const r of routes) {
    if (r.pattern.length !== segments.length) continue
    const params: Record<string, string> = {}
    let ok = true
    for (let i = 0; i < r.pattern.length; i++) {
      const p = r.pattern[i]
      if (p.startsWith(':')) params[p.slice(1)] = segments[i]
      else if (p !== segments[i]) {
        ok = false
        break
      }
    }
    if (!ok) continue
    if (r.method !== method) {
      methodMismatch = true
      continue
    }
    return { route: r, params }
  }
  return { methodMismatch }
}

export async function readBody(req: IncomingMessage, limitBytes = 1 << 20): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limitBytes)
      throw new SimHttpError(413, 'request_entity_too_large', 'Body too large.')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Parses a JSON request body; an unparseable one is 422 invalid_params. Empty means undefined. */
export function parseJsonBody(raw: string): unknown {
  if (raw.trim() === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    throw invalidParams('Request body is not valid JSON.')
  }
}

export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body))
    throw invalidParams('Request body must be a JSON object.')
  return body as Record<string, unknown>
}

/**
 * Range paging of Platform lists: `Range: <field> [start]..[end]; max=N, order=asc|desc`,
 * with `]value` meaning "after value". Answers 206 with Next-Range while more remain.
 */
export function paged<T extends Record<string, unknown>>(
  req: SimRequest,
  items: T[],
  fields: string[] = ['id', 'name'],
  defaultMax = 200
): SimResponse {
  const header = req.headers['range']
  const rangeText = Array.isArray(header) ? header[0] : header
  let field = fields[0]
  let start: string | undefined
  let startExclusive = false
  let max = defaultMax
  let order: 'asc' | 'desc' = 'asc'
  if (rangeText) {
    const m = /^\s*([a-z_]+)\s*(\]?)([^;]*?)\.\.([^;]*?)\s*(?:;\s*(.*))?$/i.exec(rangeText)
    if (!m || !fields.includes(m[1])) {
      throw new SimHttpError(
        416,
        'requested_range_not_satisfiable',
        `Invalid Range header; ranges are supported on ${fields.join(', ')}.`
      )
    }
    field = m[1]
    startExclusive = m[2] === ']'
    start = m[3].trim() || undefined
    for (const opt of (m[5] ?? '').split(',')) {
      const [k, v] = opt.split('=').map((s) => s.trim())
      if (k === 'max') {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > 1000)
          throw new SimHttpError(416, 'requested_range_not_satisfiable', 'max must be 1..1000.')
        max = n
      } else if (k === 'order') {
        if (v !== 'asc' && v !== 'desc')
          throw new SimHttpError(
            416,
            'requested_range_not_satisfiable',
            'order must be asc or desc.'
          )
        order = v
      }
    }
  }
  const key = (item: T): string | number => {
    const v = item[field]
    return typeof v === 'number' ? v : String(v ?? '')
  }
  const cmp = (a: string | number, b: string | number): number =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0
  const sorted = [...items].sort((a, b) => (order === 'asc' ? 1 : -1) * cmp(key(a), key(b)))
  const typedStart = (v: string): string | number =>
    sorted.length > 0 && typeof key(sorted[0]) === 'number' ? Number(v) : v
  const rest =
    start === undefined
      ? sorted
      : sorted.filter((item) => {
          const c = (order === 'asc' ? 1 : -1) * cmp(key(item), typedStart(start))
          return startExclusive ? c > 0 : c >= 0
        })
  const page = rest.slice(0, max)
  if (rest.length > max) {
    const last = key(page[page.length - 1])
    return {
      status: 206,
      body: page,
      headers: {
        'Next-Range': `${field} ]${last}..; max=${max}${order === 'desc' ? ', order=desc' : ''}`,
        'Accept-Ranges': fields.join(', ')
      }
    }
  }
  return { status: 200, body: page, headers: { 'Accept-Ranges': fields.join(', ') } }
}

/** Heroku's account pool: 4,500 tokens, refilled at 75 a minute. */
export class RateLimitPool {
  private tokens: number
  private last = Date.now()
  constructor(
    private readonly capacity = 4500,
    private readonly perMinute = 75
  ) {
    this.tokens = capacity
  }
  private refill(): void {
    const now = Date.now()
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.last) / 60_000) * this.perMinute
    )
    this.last = now
  }
  take(): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
  remaining(): number {
    this.refill()
    return Math.floor(this.tokens)
  }
}

/** Replaces every known secret, any credential in a URL and any password/token-named field. */
export function redactValue(value: unknown, secrets: Iterable<string>): unknown {
  const list = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)
  const redactString = (s: string): string => {
    let out = s
    for (const secret of list) out = out.split(secret).join('[REDACTED]')
    return out.replace(/(:\/\/[^\s/:@]*:)[^\s/@]+@/g, '$1[REDACTED]@')
  }
  const walk = (v: unknown, key?: string): unknown => {
    if (key !== undefined && /password|token|secret|api_key|authorization/i.test(key) && v != null)
      return '[REDACTED]'
    if (typeof v === 'string') return redactString(v)
    if (Array.isArray(v)) return v.map((x) => walk(x))
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]))
    return v
  }
  return walk(value)
}
