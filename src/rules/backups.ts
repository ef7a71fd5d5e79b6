// The backup rules of preflight (pure): which backups are the source's, which one a drill restores
// (`latest` / an ID), the schedule and the newest backup's age, and the policies on them
// (require-schedule, max-backup-age) that fail a drill before anything is created.
import type { BackupChoice, DrillConfig } from '../config.js'
import { DrillError } from '../errors.js'
import { formatDuration, formatLimit } from '../format.js'
import { backupName, isBackup, type Transfer, type TransferSchedule } from '../heroku/types.js'
import type { ScheduleFacts } from '../report/model.js'
import type { SourceDatabase } from './source.js'

/** Heroku's guidance for logical backups (pg:backups) is "up to 20 GB". */
export const LOGICAL_BACKUP_LIMIT_BYTES = 20 * 1024 ** 3

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

export function scheduleOf(
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

export function scheduleFactsOf(
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

export function logicalBackupSizeWarning(databaseBytes: number | null): string | null {
  if (databaseBytes === null || databaseBytes <= LOGICAL_BACKUP_LIMIT_BYTES) return null
  const gb = (databaseBytes / 1024 ** 3).toFixed(1)
  return `the source database is ${gb} GB: Heroku recommends logical backups (pg:backups) only up to about 20 GB; captures and restores may time out`
}

/** The policies on question 1: they fail the drill before anything is created. */
export function applyBackupPolicies(
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
