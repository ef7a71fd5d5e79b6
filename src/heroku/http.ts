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
 * The pure policy is in retry-policy.ts, the send-once transport in transport.ts.
 */
import { flatten } from '../untrusted.js'
import type { SecretRegistry } from '../safety.js'
import {
  DEFAULT_RETRY_POLICY,
  NOT_SENT_CODES,
  isRetryableFailure,
  parseRetryAfterMs,
  provesNotApplied,
  rateLimitDelayMs,
  retryDelayMs,
  type RetryPolicy
} from './retry-policy.js'
import {
  HerokuTransport,
  oauthScopesOf,
  type HttpMethod,
  type OauthScopes,
  type TransportRequest
} from './transport.js'
import { HerokuApiError } from './types.js'
import { AbortError, sleepMs } from './wait.js'

export type HerokuApiName = 'platform' | 'data'
export type { HttpMethod }

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
      if (typeof b.id === 'string') id = flatten(b.id).slice(0, 100)
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
