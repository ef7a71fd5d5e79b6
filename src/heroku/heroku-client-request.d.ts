// heroku-client 3.1.4 ships no types for lib/request.js (its Request class); only what we use.
declare module 'heroku-client/lib/request.js' {
  import type { ClientRequest } from 'node:http'
  class Request {
    constructor(options: Record<string, unknown>)
    options: Record<string, unknown>
    nextRange: string
    request(): Promise<unknown>
    isRetryAllowed(error: unknown): boolean
    logRequest(req: ClientRequest): void
  }
  export = Request
}
