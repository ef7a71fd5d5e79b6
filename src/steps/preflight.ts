// Step 1, preflight: the token works, the app exists, the source resolves to exactly one
// heroku-postgresql add-on, its backups and schedule answer "do we have automated, recent
// backups?", and the chosen backup (latest / an ID) exists. Nothing here writes, except
// destroying stale add-ons of earlier runs.
import type { TargetChecked } from './target-check.js'
import type { DrillConfig } from '../config.js'
import { formatDuration } from '../format.js'
import { DrillError } from '../errors.js'
import type { DataApi } from '../heroku/data.js'
import { planShortName, type PlatformApi } from '../heroku/platform.js'
import {
  type Addon,
  type Attachment,
  type HerokuApp,
  type Transfer,
  type TransferSchedule
} from '../heroku/types.js'
import type { ScheduleFacts } from '../report/model.js'
import {
  DRILL_ADDON_PREFIX,
  DRILL_ATTACHMENT_NAME,
  isStaleDrillAddon,
  KEPT_ADDON_PREFIX
} from '../safety.js'

import { refuseCaptureThatEvicts } from '../rules/backup-slots.js'
import {
  applyBackupPolicies,
  chooseBackup,
  logicalBackupSizeWarning,
  scheduleFactsOf,
  scheduleOf,
  sourceBackupsOf
} from '../rules/backups.js'
import { planRecovery, type RecoveryPlan } from '../rules/recovery-plan.js'
import {
  connectionsOf,
  refuseUnreachableSource,
  sourceMajorOf,
  sourcePoolOf,
  type SourcePool
} from '../rules/source-reach.js'
import {
  otherPostgresAttachments,
  resolveSource,
  sourceDatabaseOf,
  type SourceDatabase
} from '../rules/source.js'
import {
  attachedElsewhere,
  findStaleDrillApps,
  resolveDrillApp,
  type DrillAppPlan,
  type StaleCleanupDeps
} from './drill-app.js'

export { DrillError } from '../errors.js'
export type { SourceDatabase } from '../rules/source.js'

export interface Preflight {
  app: HerokuApp
  source: SourceDatabase
  sourceUrl: string
  transfers: Transfer[]
  /** Backups (pg_dump → storage) of the source, newest first. */
  sourceBackups: Transfer[]
  /** The app's other Postgres attachments: their backups are not the source's. */
  otherPostgres: string[]
  scheduleFacts: ScheduleFacts
  databaseBytes: number | null
  postgresVersion?: string
  /** The backup to restore with `latest` / an ID; null with `capture`. */
  chosenBackup: Transfer | null
  notes: string[]
  warnings: string[]
  /** Left-over add-ons of earlier runs (our name, older than a day): to destroy. */
  stale: Addon[]
  /** Left-over drill apps of earlier runs: to delete. */
  staleApps: { app: HerokuApp; addonNames: string[] }[]
  /** Where the fresh add-on is created. */
  drillApp: DrillAppPlan
  /** method fork / rollback: the checked recovery; null with method backup. */
  recovery: RecoveryPlan | null
  /** target-url: the copy is restored outside Heroku (an exit drill); nothing is provisioned. */
  exitTarget?: boolean
  /** The drill's connections on the source (kept below the limit less two). */
  sourcePool: SourcePool
  /** The source's PostgreSQL major from its database info; null when the info has none. */
  sourceMajor: number | null
  /** Set once the source answered SELECT 1: the source's major and the fresh add-on's. */
  versions?: { source: number; copy: number }
  /** target-url: the target server and the runner's pg_restore, checked (steps/target-check.ts). */
  target?: TargetChecked
  /** The token's OAuth scopes as Heroku reported them (Oauth-Scope); null when none was seen. */
  tokenScopes: string | null
}

export interface PreflightDeps {
  config: DrillConfig
  platform: PlatformApi
  data: DataApi
  now: () => Date
  log: (line: string) => void
  /** Told the backups and schedule as soon as they are read, so a later refusal still reports them. */
  onScheduleRead?: (facts: ScheduleFacts) => void
}

export async function preflight(deps: PreflightDeps): Promise<Preflight> {
  const { config, platform, data, now, log } = deps
  // The first call proves the token on what the drill needs, the app: never GET /account, which a
  // write-protected token cannot read (heroku-api.md §19.1).
  const app = await platform.getApp(config.app)
  const scopes = platform.tokenScopes()
  log(`token works (app ${app.name}${scopes !== null ? `, scopes ${scopes}` : ''})`)
  const [attachments, addons] = await Promise.all([
    platform.listAttachments(config.app),
    platform.listAddons(config.app)
  ])
  const found = resolveSource(config.database, config.app, attachments, addons)
  const source = sourceDatabaseOf(found, attachments, config.app)
  log(
    `source: add-on ${source.addonName} (${source.plan || 'plan unknown'}) as ${source.configVar}`
  )
  refuseUnsafePromote(config, source)
  refuseUnreachableSource(config, source.addonName, planShortName(source.plan))
  const stale = await staleAddonsOf(platform, config.app, addons, now(), log)
  refuseBusyApp(config.app, attachments, stale)
  const sourceUrl = await readSourceUrl(platform, config.app, source, found)
  const otherPostgres = otherPostgresAttachments(attachments, addons, source)
  const warnings: string[] = []
  const [transfers, schedules, info] = await Promise.all([
    data.listTransfers(source.addonApp),
    data.listSchedules(source.addonId),
    data.getDatabase(source.addonId).catch((err: Error) => {
      warnings.push(`could not read database info of ${source.addonName}: ${err.message}`)
      return null
    })
  ])
  const sourceBackups = sourceBackupsOf(transfers, source, otherPostgres)
  const schedule = scheduleOf(schedules, source, otherPostgres)
  const scheduleFacts = scheduleFactsOf(schedule, sourceBackups, now())
  logBackups(log, schedule, scheduleFacts)
  deps.onScheduleRead?.(scheduleFacts)
  const databaseBytes = info?.num_bytes ?? null
  const sourcePool = sourcePoolOf(config.verifyConnections, source.addonName, connectionsOf(info))
  const recovery = planRecovery(config, source, info, now())
  const sizeWarning = recovery ? null : logicalBackupSizeWarning(databaseBytes)
  if (sizeWarning) warnings.push(sizeWarning)
  const chosenBackup = chooseBackup(config.backup, sourceBackups, transfers, config.app)
  warnings.push(...applyBackupPolicies(config, source, scheduleFacts))
  if (!recovery && config.backup.mode === 'capture')
    refuseCaptureThatEvicts(config.app, source.plan, sourceBackups)
  await refuseUnknownPlan(config.plan, platform)
  const drillApp = await resolveDrillApp(config, app, platform)
  if (drillApp.mode === 'named') {
    refuseBusyApp(drillApp.name, await platform.listAttachments(drillApp.name), [])
  }
  const staleApps = await findStaleDrillApps(platform, config.app, now(), log)
  return {
    drillApp,
    staleApps,
    app,
    source,
    sourceUrl,
    transfers,
    sourceBackups,
    otherPostgres,
    scheduleFacts,
    databaseBytes,
    postgresVersion: info?.postgres_version,
    sourcePool,
    sourceMajor: sourceMajorOf(info),
    tokenScopes: scopes,
    chosenBackup,
    recovery,
    exitTarget: config.targetUrl !== null,
    notes: [],
    warnings,
    stale
  }
}

/** A well-formed `plan` Heroku does not offer is refused here, before anything is created. */
async function refuseUnknownPlan(plan: string, platform: PlatformApi): Promise<void> {
  if (plan === 'same') return
  const offered = (await platform.listPlans('heroku-postgresql')).map((p) => planShortName(p.name))
  if (offered.includes(planShortName(plan))) return
  throw new DrillError(
    `Input "plan": heroku-postgresql has no plan ${planShortName(plan)}; plans Heroku offers: ${offered.slice(0, 12).join(', ')}${offered.length > 12 ? ', …' : ''}`
  )
}

function refuseUnsafePromote(config: DrillConfig, source: SourceDatabase): void {
  // Promoting back puts the source on DATABASE: only right when the source held it before.
  if (config.promote && !source.attachmentNames.includes('DATABASE')) {
    throw new DrillError(
      `promote: true needs the source to be the app's DATABASE, but ${config.database} is add-on ${source.addonName}, not DATABASE: set database: DATABASE_URL or promote: false`
    )
  }
}

/** Left-over add-ons of earlier runs: our name pattern, older than a day, attached only as ours. */
async function staleAddonsOf(
  platform: PlatformApi,
  app: string,
  addons: Addon[],
  now: Date,
  log: (line: string) => void
): Promise<Addon[]> {
  const stale: Addon[] = []
  for (const addon of addons) {
    if (!addon.name.startsWith(DRILL_ADDON_PREFIX) || !isStaleDrillAddon(addon, now)) continue
    const inUse = await attachedElsewhere(platform, [addon], app)
    if (inUse) log(`leaving add-on ${addon.name} of an earlier run alone: ${inUse}`)
    else stale.push(addon)
  }
  return stale
}

/** Our attachment on a fresh add-on means another drill may be running, or a kept copy is there. */
function refuseBusyApp(app: string, attachments: Attachment[], stale: Addon[]): void {
  const staleIds = new Set(stale.map((a) => a.id))
  const busy = attachments.find(
    (a) => a.name === DRILL_ATTACHMENT_NAME && !staleIds.has(a.addon.id)
  )
  if (!busy) return
  const destroy = `heroku addons:destroy ${busy.addon.name} --app ${app} --confirm ${app}`
  if (busy.addon.name.startsWith(KEPT_ADDON_PREFIX))
    throw new DrillError(
      `app ${app} already holds ${DRILL_ATTACHMENT_NAME}: add-on ${busy.addon.name} is a copy an earlier drill kept (keep-database): when the team is done with it, run ${destroy}`
    )
  throw new DrillError(
    `another drill may be running on app ${app}: attachment ${DRILL_ATTACHMENT_NAME} already exists (add-on ${busy.addon.name}); ` +
      `wait for it, or if it is a kept restore, destroy it with: ${destroy}`
  )
}

/** The source's postgres:// URL (registered as a secret by the client as it is read). */
async function readSourceUrl(
  platform: PlatformApi,
  app: string,
  source: SourceDatabase,
  found: { attachment: Attachment; addon: Addon }
): Promise<string> {
  const vars = await platform.getConfigVars(app)
  let sourceUrl = vars[source.configVar]
  if (!sourceUrl || !/^postgres/i.test(sourceUrl)) {
    const alt = (found.attachment.config_vars ?? found.addon.config_vars ?? []).find((v) =>
      /^postgres/i.test(vars[v] ?? '')
    )
    if (alt) {
      source.configVar = alt
      sourceUrl = vars[alt]
    }
  }
  if (!sourceUrl) {
    throw new DrillError(`config var ${source.configVar} of app ${app} holds no postgres:// URL`)
  }
  return sourceUrl
}

function logBackups(
  log: (line: string) => void,
  schedule: TransferSchedule | undefined,
  facts: ScheduleFacts
): void {
  log(
    schedule
      ? `backup schedule: ${schedule.name} daily at ${String(schedule.hour).padStart(2, '0')}:00 ${schedule.timezone}`
      : 'backup schedule: none'
  )
  const newest = facts.newestBackup
  log(
    newest
      ? `newest successful backup: ${newest.id}, ${formatDuration(newest.ageSeconds)} old`
      : 'newest successful backup: none'
  )
}

/** Destroys the stale add-ons preflight found; returns their names. */
export async function destroyStaleAddons(
  deps: StaleCleanupDeps,
  app: string,
  stale: Addon[]
): Promise<string[]> {
  const destroyed: string[] = []
  for (const addon of stale) {
    deps.ownership.recordStale(addon, deps.now())
    deps.log(
      `destroying stale add-on ${addon.name} of an earlier run (created ${addon.created_at})`
    )
    try {
      await deps.platform.deleteAddon(app, addon.id)
      destroyed.push(addon.name)
    } catch (err) {
      deps.warn(
        `could not destroy stale add-on ${addon.name} of an earlier run (${(err as Error).message}); the drill goes on: destroy it with heroku addons:destroy ${addon.name} --app ${app} --confirm ${app}`
      )
    }
  }
  return destroyed
}
