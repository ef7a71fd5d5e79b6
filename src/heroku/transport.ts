// The Heroku transport: each request (or page of a list) sent exactly once over
// @actions/http-client, which honours the runner's https_proxy / no_proxy.
import type { IncomingMessage } from 'node:http'
import { HttpClient } from '@actions/http-client'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

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
    readonly body: unknown
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
      throw new HttpStatusError(status, errorBody)
    }
    return { res, body: parseJson(text) }
  }
}
