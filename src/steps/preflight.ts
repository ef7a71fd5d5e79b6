// Step 1, preflight: the token works, the app exists, the source resolves to exactly one
// heroku-postgresql add-on, its backups and schedule answer "do we have automated, recent
// backups?", and the chosen backup (latest / an ID) exists. Nothing here writes, except
// destroying stale add-ons of earlier runs.
import type { BackupChoice, DrillConfig } from '../config.js'
import { formatDuration, formatLimit } from '../format.js'
import { DrillError } from '../errors.js'
import type { DataApi } from '../heroku/data.js'
import type { PlatformApi } from '../heroku/platform.js'
import {
  backupName,
  isBackup,
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
  type Ownership
} from '../safety.js'

import { refuseCaptureThatEvicts } from './backup-slots.js'
import { findStaleDrillApps, resolveDrillApp, type DrillAppPlan } from './drill-app.js'
import { planRecovery, type RecoveryPlan } from './recovery-plan.js'

export { DrillError } from '../errors.js'

/** Heroku's guidance for logical backups (pg:backups) is "up to 20 GB". */
export const LOGICAL_BACKUP_LIMIT_BYTES = 20 * 1024 ** 3

export interface SourceDatabase {
  addonId: string
  addonName: string
  /** The billing app of the add-on (transfers are listed under it). */
  addonApp: string
  /** The attachment named by the input (DATABASE for DATABASE_URL). */
  attachment: string
  /** Every plain attachment name of the add-on on this app. */
  attachmentNames: string[]
  /** heroku-postgresql:<plan> */
  plan: string
  /** The config var holding its URL (DATABASE_URL). */
  configVar: string
}

export interface Preflight {
  app: HerokuApp
  source: SourceDatabase
  sourceUrl: string
  transfers: Transfer[]
  /** Backups (pg_dump → storage) of the source, newest first. */
  sourceBackups: Transfer[]
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
}

export function isPostgresAddon(addon: {
  plan?: { name?: string }
  addon_service?: { name?: string }
}): boolean {
  return (
    addon.addon_service?.name === 'heroku-postgresql' ||
    (addon.plan?.name ?? '').startsWith('heroku-postgresql:')
  )
}

/** The input (`DATABASE_URL`, `HEROKU_POSTGRESQL_CYAN_URL`, `CYAN`, an add-on name) as one add-on. */
export function resolveSource(
  input: string,
  app: string,
  attachments: Attachment[],
  addons: Addon[]
): { attachment: Attachment; addon: Addon } {
  const trimmed = input.trim()
  const bare = trimmed.replace(/_URL$/i, '').toUpperCase()
  const addonById = new Map(addons.map((a) => [a.id, a]))
  const postgres = attachments.filter((a) => {
    const addon = addonById.get(a.addon.id)
    return addon ? isPostgresAddon(addon) : isPostgresAddon({ plan: a.addon.plan })
  })
  let matches = postgres.filter(
    (a) =>
      a.name.toUpperCase() === bare ||
      a.name.toUpperCase() === `HEROKU_POSTGRESQL_${bare}` ||
      a.addon.name === trimmed ||
      a.addon.id === trimmed ||
      (a.config_vars ?? []).includes(trimmed)
  )
  if (matches.length > 1) {
    const plain = matches.filter((a) => a.namespace === null || a.namespace === undefined)
    if (plain.length > 0) matches = plain
  }
  const ids = [...new Set(matches.map((a) => a.addon.id))]
  if (ids.length === 0) {
    const valid = [...new Set(postgres.filter((a) => !a.namespace).map((a) => `${a.name}_URL`))]
    throw new DrillError(
      `database "${trimmed}" matches no heroku-postgresql add-on of app ${app}` +
        (valid.length > 0 ? ` (valid: ${valid.join(', ')})` : ' (the app has no Postgres add-on)')
    )
  }
  if (ids.length > 1) {
    const names = [...new Set(matches.map((a) => a.addon.name))].join(', ')
    throw new DrillError(
      `database "${trimmed}" matches several add-ons of app ${app} (${names}): name one add-on or attachment`
    )
  }
  const attachment = matches[0]
  const addon =
    addonById.get(attachment.addon.id) ??
    ({
      id: attachment.addon.id,
      name: attachment.addon.name,
      state: 'provisioned',
      created_at: '',
      config_vars: attachment.config_vars ?? [],
      plan: { name: attachment.addon.plan?.name ?? '' },
      app: attachment.addon.app
    } as Addon)
  return { attachment, addon }
}

function finishedMs(t: Transfer): number {
  return t.finished_at ? Date.parse(t.finished_at) : 0
}

/** Backups of the source, newest first (by finish time, then number). */
export function sourceBackupsOf(
  transfers: Transfer[],
  source: SourceDatabase,
  otherPostgresAttachments: string[]
): Transfer[] {
  const names = new Set<string>()
  for (const n of [...source.attachmentNames, source.attachment]) {
    names.add(n)
    names.add(`${n}_URL`)
  }
  names.add(source.addonName)
  const others = new Set<string>()
  for (const n of otherPostgresAttachments) {
    others.add(n)
    others.add(`${n}_URL`)
  }
  const backups = transfers.filter(isBackup)
  // Heroku does not document from_name's exact format: a backup belongs to the source when
  // it names one of its attachments, or names nothing we know while the source is the only database.
  const ours = backups.filter(
    (t) =>
      names.has(t.from_name) || (!others.has(t.from_name) && otherPostgresAttachments.length === 0)
  )
  return ours.sort((a, b) => finishedMs(b) - finishedMs(a) || b.num - a.num)
}

/** `latest`: the newest succeeded backup; an ID: exactly that backup, which must have succeeded. */
export function chooseBackup(
  choice: BackupChoice,
  sourceBackups: Transfer[],
  allTransfers: Transfer[],
  app: string
): Transfer | null {
  if (choice.mode === 'capture') return null
  const succeeded = sourceBackups.filter((t) => t.succeeded && t.finished_at)
  const available = succeeded
    .slice(0, 5)
    .map((t) => backupName(t))
    .join(', ')
  const availableText = available
    ? `newest available: ${available}`
    : 'the source has no successful backup'
  if (choice.mode === 'latest') {
    if (succeeded.length === 0) {
      throw new DrillError(
        `backup: latest: app ${app} has no successful backup of the source database`
      )
    }
    return succeeded[0]
  }
  const wanted = choice.id.toLowerCase()
  const found = allTransfers.filter(isBackup).find((t) => backupName(t) === wanted)
  if (!found) {
    throw new DrillError(`backup ${choice.id} not found on app ${app} (${availableText})`)
  }
  if (!found.finished_at || !found.succeeded) {
    const state = found.finished_at ? 'failed' : 'not finished'
    throw new DrillError(
      `backup ${choice.id} on app ${app} ${state}: choose a successful one (${availableText})`
    )
  }
  return found
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
  const account = await platform.getAccount()
  log(`token works (account ${account.email ?? account.id})`)
  const app = await platform.getApp(config.app)
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
  const stale = staleAddonsOf(addons, now())
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
  const recovery = planRecovery(config, source, info, now())
  const sizeWarning = recovery ? null : logicalBackupSizeWarning(databaseBytes)
  if (sizeWarning) warnings.push(sizeWarning)
  const chosenBackup = chooseBackup(config.backup, sourceBackups, transfers, config.app)
  applyBackupPolicies(config, source, scheduleFacts)
  if (!recovery && config.backup.mode === 'capture')
    refuseCaptureThatEvicts(config.app, source.plan, sourceBackups)
  const drillApp = await resolveDrillApp(config, app, platform)
  if (drillApp.mode === 'named') {
    refuseBusyApp(drillApp.name, await platform.listAttachments(drillApp.name), [])
  }
  const staleApps = await findStaleDrillApps(platform, now())
  return {
    drillApp,
    staleApps,
    app,
    source,
    sourceUrl,
    transfers,
    sourceBackups,
    scheduleFacts,
    databaseBytes,
    postgresVersion: info?.postgres_version,
    chosenBackup,
    recovery,
    notes: [],
    warnings,
    stale
  }
}

function sourceDatabaseOf(
  found: { attachment: Attachment; addon: Addon },
  attachments: Attachment[],
  app: string
): SourceDatabase {
  const { attachment, addon } = found
  return {
    addonId: addon.id,
    addonName: addon.name,
    addonApp: addon.app?.name ?? app,
    attachment: attachment.name,
    attachmentNames: attachments
      .filter((a) => a.addon.id === addon.id && !a.namespace)
      .map((a) => a.name),
    plan: addon.plan?.name ?? attachment.addon.plan?.name ?? '',
    // Heroku upper-cases the config var of a lowercase attachment name.
    configVar: `${attachment.name.toUpperCase()}_URL`
  }
}

function refuseUnsafePromote(config: DrillConfig, source: SourceDatabase): void {
  // Promoting back puts the source on DATABASE: only right when the source held it before.
  if (config.promote && !source.attachmentNames.includes('DATABASE')) {
    throw new DrillError(
      `promote: true needs the source to be the app's DATABASE, but ${config.database} is add-on ${source.addonName}, not DATABASE: set database: DATABASE_URL or promote: false`
    )
  }
}

/** Left-over add-ons of earlier runs: our name pattern, older than a day. */
function staleAddonsOf(addons: Addon[], now: Date): Addon[] {
  return addons.filter((a) => a.name.startsWith(DRILL_ADDON_PREFIX) && isStaleDrillAddon(a, now))
}

/** Our attachment on a fresh add-on means another drill may be running. */
function refuseBusyApp(app: string, attachments: Attachment[], stale: Addon[]): void {
  const staleIds = new Set(stale.map((a) => a.id))
  const busy = attachments.find(
    (a) => a.name === DRILL_ATTACHMENT_NAME && !staleIds.has(a.addon.id)
  )
  if (busy) {
    throw new DrillError(
      `another drill may be running on app ${app}: attachment ${DRILL_ATTACHMENT_NAME} already exists (add-on ${busy.addon.name}); ` +
        `wait for it, or if it is a kept restore, destroy it with: heroku addons:destroy ${busy.addon.name} --app ${app} --confirm ${app}`
    )
  }
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

function otherPostgresAttachments(
  attachments: Attachment[],
  addons: Addon[],
  source: SourceDatabase
): string[] {
  return attachments
    .filter(
      (a) =>
        a.addon.id !== source.addonId &&
        !a.addon.name.startsWith(DRILL_ADDON_PREFIX) &&
        addons.some((x) => x.id === a.addon.id && isPostgresAddon(x))
    )
    .map((a) => a.name)
}

function scheduleOf(
  schedules: TransferSchedule[],
  source: SourceDatabase,
  otherPostgres: string[]
): TransferSchedule | undefined {
  const configVarNames = new Set(source.attachmentNames.map((n) => `${n}_URL`))
  configVarNames.add(source.configVar)
  return (
    schedules.find((s) => configVarNames.has(s.name) || source.attachmentNames.includes(s.name)) ??
    (otherPostgres.length === 0 ? schedules[0] : undefined)
  )
}

function scheduleFactsOf(
  schedule: TransferSchedule | undefined,
  sourceBackups: Transfer[],
  now: Date
): ScheduleFacts {
  const newest = sourceBackups.find((t) => t.succeeded && t.finished_at)
  return {
    scheduled: schedule !== undefined,
    schedule: schedule
      ? { name: schedule.name, hour: Number(schedule.hour), timezone: schedule.timezone }
      : null,
    newestBackup: newest
      ? {
          id: backupName(newest),
          finishedAt: newest.finished_at as string,
          ageSeconds: Math.max(0, Math.round((now.getTime() - finishedMs(newest)) / 1000))
        }
      : null,
    recentBackups: sourceBackups.slice(0, 5).map((t) => ({
      id: backupName(t),
      finishedAt: t.finished_at,
      succeeded: t.succeeded === true && t.finished_at !== null
    }))
  }
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

function logicalBackupSizeWarning(databaseBytes: number | null): string | null {
  if (databaseBytes === null || databaseBytes <= LOGICAL_BACKUP_LIMIT_BYTES) return null
  const gb = (databaseBytes / 1024 ** 3).toFixed(1)
  return `the source database is ${gb} GB: Heroku recommends logical backups (pg:backups) only up to about 20 GB; captures and restores may time out`
}

/** The policies on question 1: they fail the drill before anything is created. */
function applyBackupPolicies(
  config: DrillConfig,
  source: SourceDatabase,
  facts: ScheduleFacts
): void {
  if (config.requireSchedule && !facts.scheduled) {
    throw new DrillError(
      `app ${config.app} has no automatic backup schedule for ${source.configVar} (require-schedule: true): ` +
        `add one with: heroku pg:backups:schedule ${source.configVar} --at '02:00 UTC' --app ${config.app}`,
      'failed'
    )
  }
  if (config.maxBackupAgeSeconds === null) return
  const newest = facts.newestBackup
  if (!newest) {
    throw new DrillError(
      `app ${config.app} has no successful backup of ${source.configVar} (max-backup-age: ${formatLimit(config.maxBackupAgeSeconds)})`,
      'failed'
    )
  }
  if (newest.ageSeconds > config.maxBackupAgeSeconds) {
    throw new DrillError(
      `newest successful backup ${newest.id} is ${formatDuration(newest.ageSeconds)} old, older than max-backup-age ${formatLimit(config.maxBackupAgeSeconds)}`,
      'failed'
    )
  }
}

/** Destroys the stale add-ons preflight found; returns their names. */
export async function destroyStaleAddons(
  deps: {
    platform: PlatformApi
    ownership: Ownership
    now: () => Date
    log: (line: string) => void
  },
  app: string,
  stale: Addon[]
): Promise<string[]> {
  const destroyed: string[] = []
  for (const addon of stale) {
    deps.ownership.recordStale(addon, deps.now())
    deps.log(
      `destroying stale add-on ${addon.name} of an earlier run (created ${addon.created_at})`
    )
    await deps.platform.deleteAddon(app, addon.id)
    destroyed.push(addon.name)
  }
  return destroyed
}
