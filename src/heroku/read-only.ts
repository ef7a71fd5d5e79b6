/**
 * Read-only access to Heroku for `discover`: the shared HTTP layer wrapped so that anything but a
 * GET is refused before it is sent. The Platform and data clients built on it keep their own
 * calls; their writes (create, delete, restore, even the read-only POSTs such as a backup's public
 * URL) throw here instead of reaching Heroku. So discover is read-only by construction, not by care.
 */
import type { HerokuHttp, HerokuRequestSpec } from './http.js'
import type { HerokuApp } from './types.js'

export class ReadOnlyViolation extends Error {
  constructor(spec: Pick<HerokuRequestSpec, 'method' | 'path'>) {
    super(`refusing ${spec.method} ${spec.path}: this action only reads (GET) from Heroku`)
    this.name = 'ReadOnlyViolation'
  }
}

export function readOnlyHttp(http: HerokuHttp): HerokuHttp {
  const request = <T>(spec: HerokuRequestSpec): Promise<T> =>
    spec.method === 'GET' ? http.request<T>(spec) : Promise.reject(new ReadOnlyViolation(spec))
  return {
    request,
    get: (api, path, opts = {}) => request({ api, method: 'GET', path, ...opts }),
    secrets: http.secrets,
    now: () => http.now(),
    sleep: (ms) => http.sleep(ms),
    log: (line) => http.log(line),
    tokenScopes: () => http.tokenScopes()
  }
}

/** The apps of a team (Platform "team-app List for Team"). */
export function listTeamApps(http: HerokuHttp, team: string): Promise<HerokuApp[]> {
  return http.get<HerokuApp[]>('platform', `/teams/${encodeURIComponent(team)}/apps`, {
    list: true
  })
}
