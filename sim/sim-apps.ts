// Apps and teams of the simulator: creating personal and team apps (name rules, region), deleting
// an app with all its add-ons, the account's teams and its role in each, and their test hooks.
//   Platform  POST /apps {name?, region?, stack?, feature_flags?}; POST /teams/apps {name?, team?,
//             region?, space?, locked?, personal?, stack?, internal_routing?} (also accepted as
//             POST /teams/{team}/apps); DELETE /apps/{app}; GET /teams, /teams/{team},
//             /teams/{team}/apps, /teams/apps/{app}
//   /__sim    POST /__sim/apps/{app}/age {seconds}; POST /__sim/teams/{team} {role?};
//             GET|POST /__sim/backup-limits {essential?, standard?, premium?, private?, shield?}
import { randomUUID } from 'node:crypto'
import { REGIONS } from './sim-catalog.js'
import {
  SimHttpError,
  invalidParams,
  notFound,
  objectBody,
  paged,
  route,
  type Route
} from './sim-http.js'
import type { BackupLimits } from './sim-rotation.js'
import { iso, type AppRec, type SimState } from './sim-state.js'

export const TEAM_ROLES = ['admin', 'member', 'collaborator', 'owner'] as const
export type TeamRole = (typeof TEAM_ROLES)[number]

export interface TeamRec {
  id: string
  name: string
  /** The account's role in the team. */
  role: TeamRole
  createdAt: string
}

const APP_PARAMS = ['name', 'region', 'stack', 'feature_flags']
const TEAM_APP_PARAMS = [
  'name',
  'team',
  'region',
  'space',
  'locked',
  'personal',
  'stack',
  'internal_routing'
]
const NAME_WORDS = [
  ['floating', 'morning', 'quiet', 'shining', 'young', 'ancient', 'frozen', 'polar'],
  ['dragon', 'meadow', 'river', 'forest', 'harbor', 'falls', 'garden', 'peak']
]

export class SimTeams {
  readonly teams = new Map<string, TeamRec>()

  /** Creates the team, or sets the account's role in it (admin unless given). */
  set(name: string, role?: unknown): TeamRec {
    if (!/^[a-z][a-z0-9-]{0,29}$/.test(name))
      throw invalidParams('Team name must be lowercase letters, digits and dashes.')
    if (role !== undefined && !(TEAM_ROLES as readonly unknown[]).includes(role))
      throw invalidParams(`role must be one of ${TEAM_ROLES.join(', ')}.`)
    const existing = this.teams.get(name)
    if (existing) {
      if (role !== undefined) existing.role = role as TeamRole
      return existing
    }
    const team: TeamRec = {
      id: randomUUID(),
      name,
      role: (role as TeamRole | undefined) ?? 'admin',
      createdAt: iso()
    }
    this.teams.set(name, team)
    return team
  }

  find(idOrName: string): TeamRec {
    for (const t of this.teams.values()) if (t.id === idOrName || t.name === idOrName) return t
    throw notFound(`Couldn't find that team.`)
  }

  json(t: TeamRec): Record<string, unknown> {
    return {
      id: t.id,
      name: t.name,
      role: t.role,
      type: 'team',
      default: false,
      credit_card_collections: false,
      enterprise_account: null,
      identity_provider: null,
      membership_limit: null,
      provisioned_licenses: false,
      created_at: t.createdAt,
      updated_at: t.createdAt
    }
  }
}

function refuseUnknown(body: Record<string, unknown>, allowed: string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k))
  if (unknown.length) throw invalidParams(`Unknown params: ${unknown.join(', ')}.`)
}

/** `us`, `eu`, a region id or `{name}`/`{id}`; absent means `us`. */
export function findRegion(ref: unknown): AppRec['region'] {
  if (ref === undefined || ref === null) return REGIONS[0]
  const key =
    typeof ref === 'object' && !Array.isArray(ref)
      ? ((ref as Record<string, unknown>).id ?? (ref as Record<string, unknown>).name)
      : ref
  const region = REGIONS.find((r) => r.name === key || r.id === key)
  if (!region) throw notFound(`Couldn't find that region.`)
  return region
}

function generatedName(state: SimState): string {
  for (;;) {
    const pick = (words: string[]): string => words[Math.floor(Math.random() * words.length)]
    const name = `${pick(NAME_WORDS[0])}-${pick(NAME_WORDS[1])}-${10000 + Math.floor(Math.random() * 90000)}`
    if (![...state.apps.values()].some((a) => a.name === name)) return name
  }
}

/** A team member whose role is collaborator may use apps it is given, not create or delete them. */
function requireAppRights(team: TeamRec, action: 'create' | 'delete'): void {
  if (team.role !== 'collaborator') return
  throw new SimHttpError(
    403,
    'forbidden',
    `You do not have permission to ${action} apps in the team ${team.name}: your role is collaborator; an admin or member can.`
  )
}

function createApp(
  state: SimState,
  teams: SimTeams,
  body: Record<string, unknown>,
  teamRef: unknown
): AppRec {
  const name = body.name ?? generatedName(state)
  if (typeof name !== 'string') throw invalidParams('name must be a string.')
  if (body.space !== undefined && body.space !== null) throw notFound(`Couldn't find that space.`)
  let team: TeamRec | undefined
  if (teamRef !== undefined && teamRef !== null && body.personal !== true) {
    if (typeof teamRef !== 'string') throw invalidParams('team must be a team name.')
    team = teams.find(teamRef)
    requireAppRights(team, 'create')
  }
  return state.createAppRecord(name, {
    region: findRegion(body.region),
    team: team ? { id: team.id, name: team.name } : null
  })
}

function teamAppJson(state: SimState, app: AppRec): Record<string, unknown> {
  const { organization: _organization, ...rest } = state.appJson(app)
  return { ...rest, joined: false, locked: false }
}

/** Deletes the app: its add-ons are destroyed (databases dropped), everything else of it goes. */
export async function deleteApp(state: SimState, app: AppRec): Promise<void> {
  for (const addon of state.appAddons(app)) {
    await state.deleteAddon(addon)
    state.addons.delete(addon.id)
  }
  // Attachments on this app of other apps' add-ons.
  for (const att of state.appAttachments(app)) state.attachments.delete(att.id)
  for (const s of state.appSchedules(app)) state.schedules.delete(s.uuid)
  for (const t of [...state.transfers.values()]) {
    if (t.appId !== app.id) continue
    if (!t.finishedAt) t.kill?.()
    if (t.finishedAt) state.deleteTransfer(t)
    state.transfers.delete(t.uuid)
  }
  for (let i = state.releases.length - 1; i >= 0; i--)
    if (state.releases[i].appId === app.id) state.releases.splice(i, 1)
  state.apps.delete(app.id)
}

export function appRoutes(state: SimState, teams: SimTeams): Route[] {
  const teamApps = (team: TeamRec): AppRec[] =>
    [...state.apps.values()].filter((a) => a.team?.id === team.id)
  return [
    route('POST', '/apps', (req) => {
      const body = objectBody(req.body)
      refuseUnknown(body, APP_PARAMS)
      return { status: 201, body: state.appJson(createApp(state, teams, body, undefined)) }
    }),
    route('POST', '/teams/apps', (req) => {
      const body = objectBody(req.body)
      refuseUnknown(body, TEAM_APP_PARAMS)
      return { status: 201, body: teamAppJson(state, createApp(state, teams, body, body.team)) }
    }),
    // An older path for the same create; Heroku's schema names POST /teams/apps.
    route('POST', '/teams/:team/apps', (req) => {
      const body = objectBody(req.body)
      refuseUnknown(body, TEAM_APP_PARAMS)
      const app = createApp(state, teams, body, req.params.team)
      return { status: 201, body: teamAppJson(state, app) }
    }),
    route('DELETE', '/apps/:app', async (req) => {
      const app = state.findApp(req.params.app)
      if (app.team) requireAppRights(teams.find(app.team.id), 'delete')
      const out = state.appJson(app)
      await deleteApp(state, app)
      return { status: 200, body: out }
    }),
    route('GET', '/teams', (req) =>
      paged(
        req,
        [...teams.teams.values()].map((t) => teams.json(t))
      )
    ),
    route('GET', '/teams/:team', (req) => ({
      status: 200,
      body: teams.json(teams.find(req.params.team))
    })),
    route('GET', '/teams/:team/apps', (req) =>
      paged(
        req,
        teamApps(teams.find(req.params.team)).map((a) => teamAppJson(state, a))
      )
    ),
    route('GET', '/teams/apps/:app', (req) => {
      const app = state.findApp(req.params.app)
      if (!app.team) throw notFound(`Couldn't find that app.`)
      return { status: 200, body: teamAppJson(state, app) }
    })
  ]
}

export function appSimRoutes(state: SimState, teams: SimTeams, limits: BackupLimits): Route[] {
  return [
    // Makes an app look created `seconds` earlier: a drill app left by an earlier run.
    route('POST', '/__sim/apps/:app/age', (req) => {
      const body = objectBody(req.body)
      if (typeof body.seconds !== 'number' || !(body.seconds > 0))
        throw invalidParams('seconds must be a positive number')
      const app = state.findApp(req.params.app)
      app.createdAt = iso(Date.parse(app.createdAt) - body.seconds * 1000)
      return { status: 200, body: state.appJson(app) }
    }),
    route('POST', '/__sim/teams/:team', (req) => {
      const body = objectBody(req.body)
      const created = !teams.teams.has(req.params.team)
      const team = teams.set(req.params.team, body.role)
      return { status: created ? 201 : 200, body: teams.json(team) }
    }),
    route('GET', '/__sim/backup-limits', () => ({ status: 200, body: limits.json() })),
    route('POST', '/__sim/backup-limits', (req) => {
      limits.set(objectBody(req.body))
      return { status: 200, body: limits.json() }
    })
  ]
}
