// OAuth scopes (heroku-api.md §19.1): each token has scopes; each endpoint accepts some. Scopes
// nest: write-protected ⊇ read-protected ⊇ read, write-protected ⊇ write; `global` is everything.
// `GET /account` (and the rest of /account) wants `identity` or `global`. Every Platform API answer
// carries `Oauth-Scope` (the token's) and `Oauth-Scope-Accepted` (the endpoint's); the data API's
// recorded answers carry neither, so it checks the scope but sends no such headers.
//
// Not established: whether `write-protected` may create apps (a `create-apps` scope exists). The
// simulator allows it by default; `refuseAppCreateWithoutCreateApps` makes `POST /apps` and
// `POST /teams/apps` accept only `global create-apps`, so a test can choose the stricter answer.
import { randomBytes } from 'node:crypto'
import { SimHttpError } from './sim-http.js'

export const KNOWN_SCOPES = [
  'global',
  'identity',
  'read',
  'write',
  'read-protected',
  'write-protected',
  'create-apps'
] as const

/** What each scope includes besides itself. */
const NESTED: Record<string, string[]> = {
  'read-protected': ['read'],
  'write-protected': ['write', 'read-protected', 'read']
}

const READS = ['global', 'read', 'read-protected', 'write', 'write-protected']
const WRITES = ['global', 'write', 'write-protected']

/** The scopes of a comma- or space-separated list, checked (an unknown scope is an error). */
export function parseScopes(list: string | string[]): string[] {
  const scopes = (Array.isArray(list) ? list : list.split(/[\s,]+/)).filter(Boolean)
  if (scopes.length === 0) throw new Error('a token needs at least one scope, e.g. global')
  for (const s of scopes)
    if (!(KNOWN_SCOPES as readonly string[]).includes(s))
      throw new Error(`unknown OAuth scope ${s}; known: ${KNOWN_SCOPES.join(', ')}`)
  return scopes
}

/** The scopes an endpoint accepts, in the order Heroku lists them. */
export function acceptedScopes(
  method: string,
  pathname: string,
  opts: { refuseAppCreateWithoutCreateApps: boolean }
): string[] {
  if (pathname === '/account' || pathname.startsWith('/account/')) return ['global', 'identity']
  const creatingApp = method === 'POST' && (pathname === '/apps' || pathname === '/teams/apps')
  if (creatingApp && opts.refuseAppCreateWithoutCreateApps) return ['global', 'create-apps']
  if (creatingApp) return [...WRITES, 'create-apps']
  return method === 'GET' || method === 'HEAD' ? READS : WRITES
}

/** Whether a token with `held` scopes may call an endpoint that accepts `accepted`. */
export function scopeAllows(held: readonly string[], accepted: readonly string[]): boolean {
  const effective = new Set(held.flatMap((s) => [s, ...(NESTED[s] ?? [])]))
  return accepted.some((s) => effective.has(s))
}

/** The simulator's tokens and their scopes; the first is the one `npm run sim` prints. */
export class TokenBook {
  private readonly scopes = new Map<string, string[]>()
  refuseAppCreateWithoutCreateApps = false

  add(token: string, scopes: string[]): string {
    this.scopes.set(token, scopes)
    return token
  }

  /** A new random token with these scopes (POST /__sim/tokens). */
  issue(scopes: string[]): string {
    return this.add(randomBytes(24).toString('hex'), scopes)
  }

  has(token: string): boolean {
    return this.scopes.has(token)
  }

  tokens(): string[] {
    return [...this.scopes.keys()]
  }

  /** The Oauth-Scope headers of an answer, or a 403 when the token's scopes do not reach it. */
  check(
    token: string,
    method: string,
    pathname: string,
    platform: boolean
  ): Record<string, string> {
    const held = this.scopes.get(token) ?? []
    const accepted = acceptedScopes(method, pathname, this)
    const headers: Record<string, string> = platform
      ? { 'Oauth-Scope': held.join(' '), 'Oauth-Scope-Accepted': accepted.join(' ') }
      : {}
    if (!scopeAllows(held, accepted))
      // Heroku's wording for this 403 is not recorded; the id is its usual `forbidden`.
      throw new SimHttpError(
        403,
        'forbidden',
        `This OAuth authorization's scope (${held.join(' ')}) does not allow this request; accepted: ${accepted.join(' ')}.`,
        headers
      )
    return headers
  }
}
