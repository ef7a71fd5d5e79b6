/**
 * The one HTTP layer under both Heroku clients. What the Heroku API needs from it:
 * - a write must never be re-sent blindly: the transport sends every request exactly once (no
 *   retry on a reset or a timeout, no redirect); retries are decided below, where the method is
 *   known (GETs retried; writes re-sent only after an answer proving they were not applied).
 * - 429/5xx answers are retried here with jittered exponential backoff, honouring Retry-After and
 *   slowing down when RateLimit-Remaining runs low.
 * - `Range: id ..; max=1000` only on Platform list requests; a Next-Range is followed (concatenating
 *   the pages) unless only the first page is asked for.
 * - nothing is logged: bodies hold config var values, errors are redacted.
 */
import type { IncomingMessage } from 'node:http'
import { HttpClient } from '@actions/http-client'
import type { SecretRegistry } from '../safety.js'
import { HerokuApiError } from './types.js'
import { AbortError, sleepMs } from './wait.js'

export type HerokuApiName = 'platform' | 'data'
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

export interface HerokuRequestSpec {
  api: HerokuApiName
  method: HttpMethod
  path: string
  body?: unknown
  headers?: Record<string, string>
  /**
   * A Platform list endpoint: send `Range: id ..; max=1000` (up to 1000 per page). Without it no
   * Range is sent (as the CLI does); a Next-Range in the answer is followed either way.
   */
  list?: boolean
  /** A POST that only reads (e.g. /actions/addon-attachments/resolve): retried like a GET. */
  readOnly?: boolean
  /** Return the first page only: a Next-Range in the answer is not followed. */
  firstPageOnly?: boolean
}

export interface HerokuHttp {
  /**
   * GETs and read-only requests are retried on 429, 5xx and dropped connections. Writes are sent
   * once; they are re-sent only after an answer proving they were not applied (429, connection
   * refused). Any other failure throws a HerokuApiError; `ambiguous` tells the caller that the
   * write may have been applied, so it must read the state back before sending it again.
   */
  request<T>(spec: HerokuRequestSpec): Promise<T>
  get<T>(
    api: HerokuApiName,
    path: string,
    opts?: { headers?: Record<string, string>; list?: boolean; firstPageOnly?: boolean }
  ): Promise<T>
  readonly secrets: SecretRegistry
  /** The token's OAuth scopes as Heroku's last answer reported them (`Oauth-Scope`); null: none seen. */
  tokenScopes(): string | null
  now(): Date
  sleep(ms: number): Promise<void>
  log(line: string): void
}

export interface HerokuHttpOptions {
  token: string
  /** e.g. https://api.heroku.com (HEROKU_API_URL) */
  apiUrl: string
  /** e.g. https://api.data.heroku.com (HEROKU_DATA_API_URL) */
  dataApiUrl: string
  secrets: SecretRegistry
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
  now?: () => number
  /** Retry notices, already redacted. */
  log?: (line: string) => void
  /** Stops retries and their waits (the job was cancelled). */
  signal?: AbortSignal
  /** Per-request timeout; a timed-out write is ambiguous. Default 60 s. */
  timeoutMs?: number
  retry?: Partial<RetryPolicy>
  userAgent?: string
}

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

// ---- pure policy -------------------------------------------------------------------------------

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
  'ECONNABORTED'
])
// Errors raised before a connection existed: the request cannot have reached Heroku.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH'])

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

// ---- the transport: each request sent once ------------------------------------------------------

const DEFAULT_RANGE = 'id ..; max=1000'

/** One request as the transport sends it; a list's further pages are requested with Next-Range. */
export interface TransportRequest {
  method: HttpMethod
  /** e.g. https://api.heroku.com (a host without a scheme is taken as https). */
  baseUrl: string
  path: string
  headers?: Record<string, string>
  body?: unknown
  /** Send `Range: id ..; max=1000` when `headers` has no Range of its own. */
  defaultRange?: boolean
  /** Return the first page only: a Next-Range in the answer is not followed. */
  firstPageOnly?: boolean
  /** Sees every answer's headers (status, Retry-After, RateLimit-Remaining). */
  onResponse?: (res: IncomingMessage) => void
}

/** A non-2xx answer: the status and the parsed error body ({id, message} on Heroku). */
export class HttpStatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    /** The answer's OAuth scope headers, when Heroku sent them (§19.1). */
    readonly scopes: OauthScopes = {}
  ) {
    super(`Heroku answered ${statusCode}`)
  }
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })
}

/** The answer's body; a connection that drops or idles for `timeoutMs` mid-body rejects. */
function readBody(res: IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.setTimeout(timeoutMs, () => res.destroy(timeoutError(timeoutMs)))
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('error', reject)
    res.on('aborted', () =>
      reject(Object.assign(new Error('answer cut off'), { code: 'ECONNRESET' }))
    )
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text || '{}')
  } catch {
    // The text itself could hold anything (config vars): not quoted in the error.
    throw Object.assign(new Error(`answer is not JSON (${text.length} bytes)`), {
      code: 'EBADJSON'
    })
  }
}

function originOf(baseUrl: string): string {
  return new URL(/^https?:\/\//.test(baseUrl) ? baseUrl : `https://${baseUrl}`).origin
}

/**
 * The Heroku API over @actions/http-client (which honours the runner's https_proxy / no_proxy),
 * with its retries and redirects off: a request, or a page of a list, is sent exactly once, so a
 * write is never re-sent by the transport after a reset or a timeout. Retries are decided by
 * createHerokuHttp, where the method is known. Nothing here logs: bodies hold config var values.
 */
export class HerokuTransport {
  private readonly client: HttpClient

  constructor(
    private readonly token: string,
    private readonly timeoutMs = 60_000,
    userAgent = 'heroku-postgres-restore-drill'
  ) {
    this.client = new HttpClient(userAgent, [], {
      allowRetries: false,
      allowRedirects: false,
      keepAlive: false,
      socketTimeout: timeoutMs
    })
  }

  async send<T>(req: TransportRequest): Promise<T> {
    const url = originOf(req.baseUrl) + req.path
    let range = req.headers?.Range ?? (req.defaultRange ? DEFAULT_RANGE : undefined)
    let pages: unknown[] | undefined
    for (;;) {
      const { res, body } = await this.sendPage(req, url, range)
      const nextRange = res.headers['next-range']
      if (req.firstPageOnly || typeof nextRange !== 'string' || !Array.isArray(body)) {
        return (pages ? pages.concat(body) : body) as T
      }
      pages = (pages ?? []).concat(body)
      range = nextRange
    }
  }

  private async sendPage(
    req: TransportRequest,
    url: string,
    range: string | undefined
  ): Promise<{ res: IncomingMessage; body: unknown }> {
    const headers: Record<string, string> = {
      Accept: 'application/vnd.heroku+json; version=3',
      'Content-Type': 'application/json',
      Authorization: 'Basic ' + Buffer.from(':' + this.token).toString('base64'),
      ...req.headers
    }
    if (range === undefined) delete headers.Range
    else headers.Range = range
    const payload = req.body ? JSON.stringify(req.body) : ''
    let res: IncomingMessage
    try {
      res = (await this.client.request(req.method, url, payload, headers)).message
    } catch (err) {
      // @actions/http-client's own timeout error carries no code.
      if (err instanceof Error && /^Request timeout/.test(err.message))
        throw timeoutError(this.timeoutMs)
      throw err
    }
    req.onResponse?.(res)
    const text = await readBody(res, this.timeoutMs)
    const status = res.statusCode ?? 0
    if (status < 200 || status > 299) {
      let errorBody: unknown = text
      try {
        errorBody = JSON.parse(text)
      } catch {
        // not JSON: kept as text (redacted by the caller)
      }
      throw new HttpStatusError(status, errorBody, oauthScopesOf(res))
    }
    return { res, body: parseJson(text) }
  }
}

/** `Oauth-Scope` (the token's scopes) and `Oauth-Scope-Accepted` (what the endpoint accepts). */
export interface OauthScopes {
  token?: string
  accepted?: string
}

/** The scope headers of an answer, flattened (they come from outside). */
export function oauthScopesOf(res: IncomingMessage): OauthScopes {
  const token = headerValue(res.headers['oauth-scope'])
  const accepted = headerValue(res.headers['oauth-scope-accepted'])
  return {
    ...(token !== undefined ? { token: oneLine(token, 200) } : {}),
    ...(accepted !== undefined ? { accepted: oneLine(accepted, 200) } : {})
  }
}

// ---- the retrying layer ------------------------------------------------------------------------

interface ResponseMeta {
  status?: number
  retryAfter?: string
  rateLimitRemaining?: string
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? flat.slice(0, max) + '…' : flat
}

/** The user-facing line for a failed call; `redact` is applied by the caller. */
export function describeFailure(
  method: string,
  path: string,
  status: number,
  id: string,
  herokuMessage: string,
  scopes: OauthScopes = {}
): string {
  const where = `${method} ${path}`
  if (status === 401)
    return 'Heroku rejected the token (401 unauthorized): check the heroku-api-key secret'
  if (status === 403 && id === 'two_factor') {
    return `Heroku requires two-factor confirmation for ${where} (403 two_factor): use a token that does not need it (an OAuth authorization)`
  }
  if (status === 403)
    return `Heroku refused ${where} (403 ${id}): the token lacks access${herokuMessage ? ': ' + herokuMessage : ''}${scopeAdvice(scopes)}`
  if (status === 0)
    return `Heroku API ${where} failed: no response (${id}${herokuMessage ? ': ' + herokuMessage : ''})`
  return `Heroku API ${where} failed (${status} ${id})${herokuMessage ? ': ' + herokuMessage : ''}`
}

/** What a 403 says about scopes: the token's, the endpoint's, and the fix (README: the token). */
function scopeAdvice(scopes: OauthScopes): string {
  if (scopes.token === undefined && scopes.accepted === undefined) return ''
  const has = scopes.token !== undefined ? `the token has scopes "${scopes.token}"` : ''
  const wants = scopes.accepted !== undefined ? `this endpoint accepts "${scopes.accepted}"` : ''
  return (
    `; ${[has, wants].filter((p) => p).join(', ')}: ` +
    'make the token with heroku authorizations:create --scope write-protected (or one of the accepted scopes), ' +
    'or give the account access to the app'
  )
}

/** The transport's rejection (statusCode + parsed body, or a Node socket error) as a redacted HerokuApiError. */
export function toHerokuApiError(
  err: unknown,
  method: string,
  path: string,
  secrets: SecretRegistry
): HerokuApiError {
  if (err instanceof HerokuApiError) return err
  const e = (err ?? {}) as {
    statusCode?: unknown
    body?: unknown
    scopes?: OauthScopes
    code?: unknown
    message?: unknown
  }
  const isWrite = method !== 'GET'
  if (typeof e.statusCode === 'number') {
    const status = e.statusCode
    const body = e.body
    let id = `http_${status}`
    let message = ''
    if (body && typeof body === 'object') {
      const b = body as { id?: unknown; message?: unknown }
      if (typeof b.id === 'string') id = b.id
      if (typeof b.message === 'string') message = b.message
    } else if (typeof body === 'string') {
      message = body
    }
    message = oneLine(secrets.redact(message))
    const scopes = e.scopes ?? {}
    return new HerokuApiError(
      secrets.redact(describeFailure(method, path, status, id, message, scopes)),
      { status, id, ambiguous: isWrite && status >= 500, method, path, scopes }
    )
  }
  const rawMessage = typeof e.message === 'string' ? e.message : String(err)
  const code = typeof e.code === 'string' ? e.code : 'network_error'
  const message = oneLine(secrets.redact(rawMessage))
  return new HerokuApiError(secrets.redact(describeFailure(method, path, 0, code, message)), {
    status: 0,
    id: code,
    ambiguous: isWrite && !NOT_SENT_CODES.has(code),
    method,
    path
  })
}

export function createHerokuHttp(options: HerokuHttpOptions): HerokuHttp {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
  const secrets = options.secrets
  secrets.add(options.token)
  secrets.add(Buffer.from(':' + options.token).toString('base64'))
  const sleepImpl = options.sleep ?? sleepMs
  const random = options.random ?? Math.random
  const nowMs = options.now ?? Date.now
  const signal = options.signal
  const log = (line: string): void => options.log?.(secrets.redact(line))
  const sleep = (ms: number): Promise<void> => (ms > 0 ? sleepImpl(ms, signal) : Promise.resolve())
  const hosts: Record<HerokuApiName, string> = {
    platform: options.apiUrl,
    data: options.dataApiUrl
  }

  const transport = new HerokuTransport(options.token, options.timeoutMs, options.userAgent)

  // The account's token pool as last reported (RateLimit-Remaining); shared by all requests.
  let rateLimitRemaining: number | undefined
  let warnedLowRate = false
  // The token's scopes as Heroku last reported them (Oauth-Scope); null until an answer had one.
  let tokenScopes: string | null = null

  async function sendOnce<T>(spec: HerokuRequestSpec): Promise<T> {
    const meta: ResponseMeta = {}
    const transportRequest: TransportRequest = {
      method: spec.method,
      baseUrl: hosts[spec.api],
      path: spec.path,
      headers: spec.headers,
      body: spec.body,
      defaultRange: spec.list === true,
      firstPageOnly: spec.firstPageOnly === true,
      onResponse: (res) => {
        meta.status = res.statusCode
        meta.retryAfter = headerValue(res.headers['retry-after'])
        meta.rateLimitRemaining = headerValue(res.headers['ratelimit-remaining'])
        tokenScopes = oauthScopesOf(res).token ?? tokenScopes
      }
    }
    try {
      return await transport.send<T>(transportRequest)
    } catch (err) {
      const apiError = toHerokuApiError(err, spec.method, spec.path, secrets)
      const retryAfterMs = parseRetryAfterMs(meta.retryAfter, nowMs())
      if (retryAfterMs !== undefined) retryAfterByError.set(apiError, retryAfterMs)
      throw apiError
    } finally {
      if (meta.rateLimitRemaining !== undefined && /^\d+$/.test(meta.rateLimitRemaining.trim())) {
        rateLimitRemaining = Number(meta.rateLimitRemaining)
      }
    }
  }
  const retryAfterByError = new WeakMap<HerokuApiError, number>()

  async function paceForRateLimit(): Promise<void> {
    const delay = rateLimitDelayMs(rateLimitRemaining, policy)
    if (delay <= 0) {
      warnedLowRate = false
      return
    }
    if (!warnedLowRate) {
      log(`Heroku rate limit: ${rateLimitRemaining} requests remaining, slowing down`)
      warnedLowRate = true
    }
    await sleep(delay)
  }

  async function request<T>(spec: HerokuRequestSpec): Promise<T> {
    const retriesAllowed = spec.method === 'GET' || spec.readOnly === true
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AbortError(`cancelled before ${spec.method} ${spec.path}`)
      await paceForRateLimit()
      try {
        return await sendOnce<T>(spec)
      } catch (err) {
        const apiError = err as HerokuApiError
        const mayRetry = retriesAllowed ? isRetryableFailure(apiError) : provesNotApplied(apiError)
        if (!mayRetry || attempt >= policy.maxAttempts) throw apiError
        const delay = retryDelayMs(attempt, retryAfterByError.get(apiError), random, policy)
        log(
          `${spec.method} ${spec.path}: ${apiError.status || apiError.id}${apiError.status ? ' ' + apiError.id : ''}, ` +
            `retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}/${policy.maxAttempts})`
        )
        await sleep(delay)
      }
    }
  }

  return {
    request,
    get: <T>(
      api: HerokuApiName,
      path: string,
      opts: { headers?: Record<string, string>; list?: boolean; firstPageOnly?: boolean } = {}
    ) =>
      request<T>({
        api,
        method: 'GET',
        path,
        headers: opts.headers,
        list: opts.list,
        firstPageOnly: opts.firstPageOnly
      }),
    secrets,
    tokenScopes: () => tokenScopes,
    now: () => new Date(nowMs()),
    sleep,
    log
  }
}
