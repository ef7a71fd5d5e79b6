// Where the restored copy lives. `auto`: an empty app created for this drill, in the source
// app's team (or personal account), region and space, deleted at the end. An app name: that
// existing app (only the drill's own add-on is created and destroyed there). `same`: the
// production app itself, whose dynos then restart twice (an add-on attach and its detach are
// each a release). Resolved in preflight, before anything is created.
import { randomBytes } from 'node:crypto'
import type { DrillConfig } from '../config.js'
import { DrillError } from '../errors.js'
import { plural } from '../format.js'
import type { NewApp } from '../heroku/apps.js'
import type { PlatformApi } from '../heroku/platform.js'
import type { HerokuApp } from '../heroku/types.js'
import {
  DRILL_ATTACHMENT_NAME,
  drillAddonPattern,
  isStaleDrillApp,
  type Ownership
} from '../safety.js'

export interface DrillAppPlan {
  mode: DrillConfig['drillApp']['mode']
  /** The app the fresh add-on is created on. */
  name: string
  /** With `auto`: the app to create. */
  create?: NewApp
}

/** Team roles that may create apps in a team. */
const CREATING_ROLES = new Set(['admin', 'owner', 'member'])

/** `restore-drill-<app-ish>-<random6>`: Heroku app names are at most 30 characters. */
export function drillAppName(app: string, rand = randomBytes(3).toString('hex')): string {
  return `${drillAppPrefix(app)}${rand}`
}

/** The start of every drill app name made for `app`. */
function drillAppPrefix(app: string): string {
  const appish =
    app
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 9)
      .replace(/-+$/, '') || 'app'
  return `restore-drill-${appish}-`
}

export async function resolveDrillApp(
  config: DrillConfig,
  production: HerokuApp,
  platform: PlatformApi
): Promise<DrillAppPlan> {
  const choice = config.drillApp
  if (choice.mode === 'same') return { mode: 'same', name: production.name }
  if (choice.mode === 'named')
    return { mode: 'named', name: await checkNamedApp(choice.name, production, platform) }
  const team = production.team?.name ?? null
  if (team) await checkCanCreateApps(team, platform)
  const name = drillAppName(config.app)
  const create: NewApp = {
    name,
    region: production.region?.name ?? 'us',
    team,
    space: production.space?.name ?? null
  }
  return { mode: 'auto', name, create }
}

async function checkNamedApp(
  name: string,
  production: HerokuApp,
  platform: PlatformApi
): Promise<string> {
  const app = await platform.findApp(name)
  if (!app) {
    throw new DrillError(
      `drill-app ${name} not found or not visible to this token: create it (heroku apps:create ${name}) or use drill-app: auto`
    )
  }
  if (app.id === production.id) {
    throw new DrillError(
      `drill-app ${name} is the production app ${production.name} under another name: use drill-app: same on purpose, or another app`
    )
  }
  return app.name
}

async function checkCanCreateApps(team: string, platform: PlatformApi): Promise<void> {
  const { role } = await platform.getTeam(team)
  if (!role || !CREATING_ROLES.has(role)) {
    throw new DrillError(
      `the token cannot create apps in team ${team} (its role there is ${role ?? 'none'}; creating apps needs member or admin): ` +
        `give the token's account the member role, or set drill-app: NAME to an existing app the drill may use`
    )
  }
}

/**
 * Drill apps that earlier drills of `drilled` left: named for it, over a day old, holding only
 * add-ons its drills name (`restore-drill-<app>-…`, never a kept copy), none of them attached to
 * any other app (a copy the runbook attached to production is in use). Other apps the token
 * sees, drill apps of other apps included, are never candidates.
 */
export async function findStaleDrillApps(
  platform: PlatformApi,
  drilled: string,
  now: Date,
  log: (line: string) => void = () => {}
): Promise<{ app: HerokuApp; addonNames: string[] }[]> {
  const apps = await platform.listApps()
  const ours = new RegExp(`^${drillAppPrefix(drilled)}[0-9a-f]{6}$`)
  const candidates = apps.filter((app) => ours.test(app.name) && isStaleDrillApp(app, [], now))
  const addonOfOurs = drillAddonPattern(drilled)
  const stale: { app: HerokuApp; addonNames: string[] }[] = []
  for (const app of candidates) {
    const addons = await platform.listAddons(app.name)
    const addonNames = addons.map((a) => a.name)
    if (!isStaleDrillApp(app, addonNames, now)) continue
    if (!addonNames.every((name) => addonOfOurs.test(name))) continue
    const inUse = await attachedElsewhere(platform, addons, app.name)
    if (inUse) log(`leaving drill app ${app.name} of an earlier run alone: ${inUse}`)
    else stale.push({ app, addonNames })
  }
  return stale
}

/**
 * Why these add-ons of `app` are in use: the first attachment on another app, or one on `app`
 * under another name than the drill's own; null when there is none.
 */
export async function attachedElsewhere(
  platform: PlatformApi,
  addons: { id: string; name: string }[],
  app: string
): Promise<string | null> {
  for (const addon of addons) {
    const attachments = await platform.listAddonAttachments(addon.id)
    const other = attachments.find((a) => a.app.name !== app || a.name !== DRILL_ATTACHMENT_NAME)
    if (other) return `its add-on ${addon.name} is attached to ${other.app.name} as ${other.name}`
  }
  return null
}

/** What destroying the left-overs of earlier runs needs (stale add-ons and drill apps). */
export interface StaleCleanupDeps {
  platform: PlatformApi
  ownership: Ownership
  now: () => Date
  log: (line: string) => void
  /** A left-over that could not be deleted: a warning, never the end of the drill. */
  warn: (line: string) => void
}

/** Deletes the stale drill apps (which takes their add-ons along); returns what it deleted. */
export async function destroyStaleDrillApps(
  deps: StaleCleanupDeps,
  stale: { app: HerokuApp; addonNames: string[] }[]
): Promise<string[]> {
  const destroyed: string[] = []
  for (const { app, addonNames } of stale) {
    deps.ownership.recordStaleApp(app, addonNames, deps.now())
    deps.log(`deleting stale drill app ${app.name} of an earlier run (created ${app.created_at})`)
    try {
      await deps.platform.deleteApp(app.name)
      destroyed.push(`app ${app.name}`)
    } catch (err) {
      deps.warn(
        `could not delete stale drill app ${app.name} of an earlier run (${(err as Error).message}); the drill goes on: delete it with heroku apps:destroy ${app.name} --confirm ${app.name}`
      )
    }
  }
  return destroyed
}

/**
 * What the summary says about where the copy lived and what that did to production; with
 * drill-app: NAME, the releases the drill made on that app (each restarts its dynos).
 */
export function drillAppNote(
  plan: DrillAppPlan,
  production: string,
  kept: boolean,
  releases: string[] = []
): string {
  if (plan.mode === 'same') {
    return `drill-app: same: the fresh add-on was attached to ${production} and detached again, so ${production} got two releases and its dynos restarted twice (every add-on attach and detach is a release).`
  }
  if (plan.mode === 'named') return namedAppNote(plan.name, production, kept, releases)
  return kept
    ? `The restored copy lives on drill app ${plan.name}, kept (keep-database). Delete the app and its add-on with: heroku apps:destroy ${plan.name} --confirm ${plan.name}`
    : `The restored copy lived on drill app ${plan.name}, created for this drill and deleted at the end: ${production} got no release and no restart.`
}

/** An app the team runs: every attach, config var change and detach there restarted its dynos. */
function namedAppNote(app: string, production: string, kept: boolean, releases: string[]): string {
  const made = releases.length
    ? `the drill made ${plural(releases.length, 'release')} on ${app}, each restarting its dynos: ${releases.join(', ')}.`
    : `the drill made no release on ${app} (it created nothing there).`
  const later = kept
    ? ` The copy stays attached there (keep-database): destroying it later is one more release.`
    : ''
  return `drill-app ${app}: ${made}${later} ${production} got no release and no restart.`
}
