// discover: every Heroku Postgres database the token can see, as a matrix of drills. It reads
// only, through clients whose HTTP layer refuses anything but a GET (heroku/read-only.ts): the apps
// (of a team, or all the token sees), each selected app's add-ons, attachments and transfers, and
// each heroku-postgresql add-on's database info, which tells a follower from a leader.
import { POSTGRES_SERVICE, planShortName, planTier, type PlatformApi } from '../heroku/platform.js'
import type { DataApi } from '../heroku/data.js'
import type { HerokuHttp } from '../heroku/http.js'
import { listTeamApps } from '../heroku/read-only.js'
import {
  backupName,
  type Addon,
  type Attachment,
  type HerokuApp,
  type Transfer
} from '../heroku/types.js'
import { sourceBackupsOf } from '../rules/backups.js'
import {
  appLeftOut,
  attachmentOf,
  isAdvancedPlan,
  sortEntries,
  suggestMethod,
  type AppFilter,
  type FleetDatabase,
  type NewestBackup,
  type SkippedDatabase
} from './matrix.js'

export interface DiscoverDeps {
  /** Read-only: built on readOnlyHttp. */
  http: HerokuHttp
  platform: PlatformApi
  data: DataApi
  now: () => Date
}

export interface DiscoverOptions extends AppFilter {
  /** Only this team's apps; null: every app the token can see. */
  team: string | null
}

export interface DiscoveredFleet {
  databases: FleetDatabase[]
  skipped: SkippedDatabase[]
  /** Apps seen, and the ones left out with the reason (drill apps, excluded, not in `apps`). */
  appsSeen: number
  appsLeftOut: { app: string; reason: string }[]
  /** Selected apps without a heroku-postgresql add-on of their own. */
  appsWithoutDatabase: string[]
}

/** Apps inspected at once: a fleet of tens of apps in seconds, without a burst at Heroku. */
const APPS_AT_ONCE = 4

export async function discoverFleet(
  deps: DiscoverDeps,
  options: DiscoverOptions
): Promise<DiscoveredFleet> {
  const apps = options.team
    ? await listTeamApps(deps.http, options.team)
    : await deps.platform.listApps()
  const appsLeftOut: DiscoveredFleet['appsLeftOut'] = []
  const selected: HerokuApp[] = []
  for (const app of apps) {
    const reason = appLeftOut(app.name, options)
    if (reason) appsLeftOut.push({ app: app.name, reason })
    else selected.push(app)
  }
  const perApp = await mapLimit(selected, APPS_AT_ONCE, (app) => inspectApp(deps, app))
  const fleet: DiscoveredFleet = {
    databases: sortEntries(perApp.flatMap((a) => a.databases)),
    skipped: perApp.flatMap((a) => a.skipped),
    appsSeen: apps.length,
    appsLeftOut,
    appsWithoutDatabase: selected
      .filter((_, i) => perApp[i].databases.length + perApp[i].skipped.length === 0)
      .map((a) => a.name)
  }
  return fleet
}

interface AppDatabases {
  databases: FleetDatabase[]
  skipped: SkippedDatabase[]
}

/** The app's own heroku-postgresql add-ons: leaders in the matrix, the rest skipped with a reason. */
async function inspectApp(deps: DiscoverDeps, app: HerokuApp): Promise<AppDatabases> {
  const addons = (await deps.platform.listAddons(app.name)).filter(
    (a) => a.addon_service?.name === POSTGRES_SERVICE || a.plan.name.startsWith(POSTGRES_SERVICE)
  )
  // An add-on attached here but billed to another app is drilled from its own app.
  const own = addons.filter((a) => a.app.name === app.name || a.app.id === app.id)
  if (own.length === 0) return { databases: [], skipped: [] }
  const [attachments, transfers] = await Promise.all([
    deps.platform.listAttachments(app.name),
    deps.data.listTransfers(app.name)
  ])
  const context = { attachments, transfers, postgresIds: new Set(addons.map((a) => a.id)) }
  const out: AppDatabases = { databases: [], skipped: [] }
  for (const addon of own) {
    const found = await inspectAddon(deps, app, addon, attachments)
    if ('reason' in found) out.skipped.push(found)
    else
      out.databases.push({
        ...found,
        newestBackup: newestBackupOf(deps.now(), found, addon.id, context)
      })
  }
  return out
}

async function inspectAddon(
  deps: DiscoverDeps,
  app: HerokuApp,
  addon: Addon,
  attachments: Attachment[]
): Promise<Omit<FleetDatabase, 'newestBackup'> | SkippedDatabase> {
  const skip = (reason: string): SkippedDatabase => ({
    app: app.name,
    addonName: addon.name,
    reason
  })
  const attachment = attachmentOf(addon.id, attachments)
  if (addon.state !== 'provisioned') return skip(`${addon.state}, not ready to drill`)
  if (!attachment) return skip('not attached to its app')
  if (isAdvancedPlan(addon.plan.name)) return skip('Postgres Advanced: the drill cannot restore it')
  const info = await deps.data.getDatabase(addon.id)
  if (!info) return skip('not yet provisioned')
  // A follower's database info names its leader in `following`, as `heroku pg:unfollow` reads it
  // (heroku/cli src/commands/pg/unfollow.ts: "is not a follower" when it is empty). It holds the
  // leader's URL: a secret from the moment it is read.
  const following = (info as { following?: unknown }).following
  if (typeof following === 'string' && following !== '') {
    deps.http.secrets.addUrl(following)
    return skip('a follower (read-only replica): its leader is drilled instead')
  }
  const suggestion = suggestMethod(addon.plan.name, info.num_bytes ?? null)
  return {
    app: app.name,
    database: `${attachment}_URL`,
    plan: planShortName(addon.plan.name),
    tier: planTier(addon.plan.name),
    method: suggestion.method,
    addonName: addon.name,
    team: app.team?.name ?? null,
    ...(suggestion.note ? { note: suggestion.note } : {})
  }
}

/** Question 1 for this database, from the backups list alone (as the drill's preflight picks them). */
function newestBackupOf(
  now: Date,
  db: Omit<FleetDatabase, 'newestBackup'>,
  addonId: string,
  context: { attachments: Attachment[]; postgresIds: Set<string>; transfers: Transfer[] }
): NewestBackup | null {
  const plain = context.attachments.filter((a) => !a.namespace)
  const names = plain.filter((a) => a.addon.id === addonId).map((a) => a.name)
  const others = plain
    .filter((a) => a.addon.id !== addonId && context.postgresIds.has(a.addon.id))
    .map((a) => a.name)
  const source = {
    addonId,
    addonName: db.addonName,
    addonApp: db.app,
    attachment: db.database.replace(/_URL$/, ''),
    attachmentNames: names,
    plan: db.plan,
    configVar: db.database
  }
  const newest = sourceBackupsOf(context.transfers, source, others).find(
    (t) => t.succeeded && t.finished_at
  )
  if (!newest?.finished_at) return null
  const ageSeconds = Math.max(
    0,
    Math.round((now.getTime() - Date.parse(newest.finished_at)) / 1000)
  )
  return { id: backupName(newest), finishedAt: newest.finished_at, ageSeconds }
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
