/** Platform API calls on apps and teams: the drill app is created, listed and deleted here. */
import type { Ownership } from '../safety.js'
import type { HerokuHttp } from './http.js'
import { HerokuApiError, type HerokuApp } from './types.js'

export interface Team {
  id: string
  name: string
  /** The token's account in the team: admin, member, collaborator, owner (null outside it). */
  role: string | null
}

export interface NewApp {
  name: string
  region: string
  /** null: a personal app of the token's account. */
  team: string | null
  space: string | null
}

export interface AppsApi {
  /** Records the app in Ownership. Never sent twice blindly: read back by its unique name. */
  createApp(req: NewApp): Promise<HerokuApp>
  /** Only apps this run created or recorded stale; deleting an app destroys its add-ons. */
  deleteApp(name: string): Promise<'deleted' | 'already-gone'>
  /** null on 404 */
  findApp(name: string): Promise<HerokuApp | null>
  listApps(): Promise<HerokuApp[]>
  getTeam(team: string): Promise<Team>
}

const enc = encodeURIComponent

export function createAppsApi(http: HerokuHttp, ownership: Ownership): AppsApi {
  async function findApp(name: string): Promise<HerokuApp | null> {
    try {
      return await http.get<HerokuApp>('platform', `/apps/${enc(name)}`)
    } catch (err) {
      if (err instanceof HerokuApiError && err.status === 404) return null
      throw err
    }
  }

  async function createApp(req: NewApp): Promise<HerokuApp> {
    // Team apps are created through /teams/apps, personal ones through /apps.
    const spec = req.team
      ? {
          path: '/teams/apps',
          body: {
            name: req.name,
            team: req.team,
            region: req.region,
            ...(req.space ? { space: req.space } : {})
          }
        }
      : { path: '/apps', body: { name: req.name, region: req.region } }
    for (let send = 1; ; send++) {
      try {
        const app = await http.request<HerokuApp>({ api: 'platform', method: 'POST', ...spec })
        ownership.recordCreatedApp(app.name)
        return app
      } catch (err) {
        if (!(err instanceof HerokuApiError) || !err.ambiguous || send >= 2) throw err
        // The name is ours alone (random suffix): if it exists now, our create landed.
        const landed = await findApp(req.name)
        if (landed) {
          ownership.recordCreatedApp(landed.name)
          return landed
        }
      }
    }
  }

  async function deleteApp(name: string): Promise<'deleted' | 'already-gone'> {
    ownership.assertAppDeletable(name)
    for (let send = 1; ; send++) {
      try {
        await http.request<HerokuApp>({
          api: 'platform',
          method: 'DELETE',
          path: `/apps/${enc(name)}`
        })
        return 'deleted'
      } catch (err) {
        if (!(err instanceof HerokuApiError)) throw err
        if (err.status === 404) return send === 1 ? 'already-gone' : 'deleted'
        if (!err.ambiguous || send >= 2) throw err
        if (!(await findApp(name))) return 'deleted'
      }
    }
  }

  return {
    createApp,
    deleteApp,
    findApp,
    listApps: () => http.get<HerokuApp[]>('platform', '/apps', { list: true }),
    getTeam: (team) => http.get<Team>('platform', `/teams/${enc(team)}`)
  }
}
