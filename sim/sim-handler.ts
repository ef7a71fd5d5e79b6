// One request to the simulator: audited, its armed HTTP faults applied, authorised (the token,
// the Platform API's media type, the rate limit), routed, and answered as Heroku answers (errors
// `{id, message}`; an unexpected error a 500 with secrets redacted).
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FaultBoard } from './sim-faults.js'
import {
  RateLimitPool,
  SimHtmlError,
  SimHttpError,
  matchRoute,
  notFound,
  parseJsonBody,
  readBody,
  redactValue,
  type Route,
  type SimRequest,
  type SimResponse
} from './sim-http.js'
import type { AuditEntry } from './server.js'

const PLATFORM_ACCEPT = /application\/vnd\.heroku\+json;\s*version=3/i

export interface HandlerContext {
  token: string
  secrets: Set<string>
  faults: FaultBoard
  pool: RateLimitPool
  auditLog: AuditEntry[]
  simRoutes: Route[]
  apiRoutes: Route[]
}

export function requestHandler(
  ctx: HandlerContext
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { token, secrets, faults, pool, auditLog, simRoutes, apiRoutes } = ctx
  return handle

  /** The token, the Platform API's media type and version, and the rate limit: else an error. */
  function admit(req: IncomingMessage, url: URL): void {
    if (!authorized(req, token))
      throw new SimHttpError(401, 'unauthorized', 'Invalid credentials provided.')
    // The Platform API wants its media type and version (Accept: application/vnd.heroku+json; version=3).
    if (!url.pathname.startsWith('/client/') && !PLATFORM_ACCEPT.test(req.headers.accept ?? ''))
      throw new SimHttpError(
        406,
        'not_acceptable',
        'Please specify a version along with the MIME type. For example, `Accept: application/vnd.heroku+json; version=3`.'
      )
    if (url.pathname !== '/account/rate-limits' && !pool.take())
      throw new SimHttpError(
        429,
        'rate_limit',
        'Your account reached the API rate limit. Please wait a few minutes before making new requests.',
        { 'Retry-After': '60' }
      )
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const url = new URL(req.url ?? '/', 'http://sim.local')
    const path = url.pathname + url.search
    const isSim = url.pathname.startsWith('/__sim/')
    const entry: AuditEntry = { at: new Date().toISOString(), method, path, status: 0 }
    // Everything but reading the simulator's own state (backup downloads are audited too).
    const audited = !(method === 'GET' && /^\/__sim\/(audit|faults)$/.test(url.pathname))
    let parsedBody: unknown
    const finish = (r: SimResponse): void => {
      entry.status = r.status
      send(res, r, pool.remaining())
    }
    const dropConnection = (): void => {
      entry.status = 0
      req.socket.destroy()
    }
    let raw = ''
    try {
      raw = await readBody(req)
    } catch (err) {
      if (audited) auditLog.push(entry)
      if (err instanceof SimHttpError)
        return finish({ status: err.status, body: { id: err.id, message: err.message } })
      return dropConnection()
    }
    if (audited) auditLog.push(entry)
    if (raw.trim() !== '') {
      try {
        parsedBody = JSON.parse(raw)
        entry.body = redactValue(parsedBody, secrets)
      } catch {
        entry.body = redactValue(raw, secrets)
      }
    }
    try {
      if (!isSim) {
        const before = faults.takeHttp(method, path, 'before')
        if (before?.kind === 'reset') return dropConnection()
        if (before?.kind === 'http') throw httpFaultError(before.status)
        admit(req, url)
      }
      parsedBody = parseJsonBody(raw)
      const segments = pathSegments(url)
      const found = matchRoute(isSim ? simRoutes : apiRoutes, method, segments)
      if (!('route' in found)) {
        // Heroku answers an unsupported verb like an unknown path.
        throw notFound(
          'The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intended version with the `Accept` header?'
        )
      }
      const simReq: SimRequest = {
        method,
        url,
        segments,
        headers: req.headers,
        body: parsedBody,
        params: found.params
      }
      const result = await found.route.handler(simReq)
      if (!isSim) {
        const after = faults.takeHttp(method, path, 'after')
        if (after?.kind === 'reset') return dropConnection()
        if (after?.kind === 'http') throw httpFaultError(after.status)
      }
      finish(result)
    } catch (err) {
      finish(errorAnswer(err, `${method} ${url.pathname}`, secrets))
    }
  }
}

function send(res: ServerResponse, r: SimResponse, rateRemaining: number): void {
  const headers: Record<string, string> = {
    'RateLimit-Remaining': String(rateRemaining),
    'Request-Id': randomUUID(),
    ...(r.headers ?? {})
  }
  if (r.file) {
    res.writeHead(r.status, { ...headers, 'Content-Type': 'application/octet-stream' })
    createReadStream(r.file)
      .on('error', () => res.destroy())
      .pipe(res)
    return
  }
  const text = r.html ?? (r.body === undefined ? '' : JSON.stringify(r.body))
  res.writeHead(r.status, {
    ...headers,
    'Content-Type': r.html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text))
  })
  res.end(text)
}

function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? ''
  const bearer = /^Bearer\s+(.+)$/i.exec(h)
  if (bearer) return bearer[1].trim() === token
  const basic = /^Basic\s+(.+)$/i.exec(h)
  if (basic) {
    const decoded = Buffer.from(basic[1].trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon >= 0 && decoded.slice(colon + 1) === token
  }
  return false
}

function httpFaultError(status: 429 | 500 | 503): SimHttpError {
  if (status === 429)
    return new SimHttpError(
      429,
      'rate_limit',
      'Your account reached the API rate limit. Please wait a few minutes before making new requests.',
      { 'Retry-After': '1' }
    )
  if (status === 503)
    return new SimHttpError(
      503,
      'service_unavailable',
      'The service is temporarily unavailable. Please try again later.',
      { 'Retry-After': '1' }
    )
  return new SimHttpError(500, 'internal_server_error', 'Internal server error.')
}

/** The path's segments, decoded; a segment that cannot be decoded is an unknown endpoint. */
function pathSegments(url: URL): string[] {
  return url.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        throw notFound('The requested API endpoint was not found.')
      }
    })
}

/** The answer to an error: Heroku's `{id, message}`, an HTML page, or a 500 with secrets redacted. */
function errorAnswer(err: unknown, request: string, secrets: Set<string>): SimResponse {
  if (err instanceof SimHtmlError)
    return {
      status: err.status,
      html: `<!DOCTYPE html><html><body><h1>${err.message}</h1></body></html>`
    }
  if (err instanceof SimHttpError)
    return { status: err.status, body: { id: err.id, message: err.message }, headers: err.headers }
  const message = String(redactValue((err as Error).message ?? String(err), secrets))
  process.stderr.write(`heroku-sim: ${request}: ${message}\n`)
  return {
    status: 500,
    body: { id: 'internal_server_error', message: `Simulator error: ${message}` }
  }
}
