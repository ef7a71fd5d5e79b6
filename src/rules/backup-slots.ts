// Manual backups are kept per plan; at the limit a capture makes Heroku expire the oldest manual
// backup, which would be one the team made. The drill refuses such a capture before any write,
// deletes its own capture at the end (unless keep-backup), and reports any backup that vanished.
import { DrillError } from '../errors.js'
import { planShortName, planTier } from '../heroku/platform.js'
import { backupName, isBackup, transferKind, type Transfer } from '../heroku/types.js'

/** Manual backups a plan keeps; null where the limit is not known (Essential plans). */
export function manualBackupLimit(plan: string): number | null {
  const tier = planTier(plan)
  if (tier === 'standard') return 25
  if (['premium', 'private', 'shield', 'enterprise'].includes(tier)) return 50
  return null
}

function finishedMs(t: Transfer): number {
  return t.finished_at ? Date.parse(t.finished_at) : 0
}

/** The source's manual backups that count against the limit, oldest first. */
export function manualBackups(sourceBackups: Transfer[]): Transfer[] {
  return sourceBackups
    .filter((t) => transferKind(t) === 'b' && t.succeeded === true && t.finished_at !== null)
    .sort((a, b) => finishedMs(a) - finishedMs(b) || a.num - b.num)
}

/** Refuses a capture that would push out one of the team's manual backups. */
export function refuseCaptureThatEvicts(
  app: string,
  plan: string,
  sourceBackups: Transfer[]
): void {
  const limit = manualBackupLimit(plan)
  if (limit === null) return
  const manual = manualBackups(sourceBackups)
  if (manual.length < limit) return
  const oldest = backupName(manual[0])
  throw new DrillError(
    `a capture would expire backup ${oldest} (finished ${manual[0].finished_at}): app ${app} keeps ${limit} manual backups on ${planShortName(plan)} and has ${manual.length}; ` +
      `use backup: latest, or delete old manual backups first (heroku pg:backups:delete ${oldest} --app ${app} --confirm ${app})`
  )
}

/** Backups listed before the capture that are gone after it (Heroku rotated them out). */
export function backupsLost(before: Transfer[], after: Transfer[]): string[] {
  const still = new Set(after.filter(isBackup).map((t) => t.num))
  return before.filter((t) => isBackup(t) && t.succeeded && !still.has(t.num)).map(backupName)
}
