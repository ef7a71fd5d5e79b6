// Manual backups are kept per plan; at the limit a capture makes Heroku expire the oldest manual
// backup, which would be one the team made. The drill refuses such a capture before any write,
// deletes its own capture at the end (unless keep-backup), and reports any backup that vanished.
import { DrillError } from '../errors.js'
import { planShortName, planTier } from '../heroku/platform.js'
import { backupName, isBackup, transferKind, type Transfer } from '../heroku/types.js'

/**
 * Manual backups the source keeps: the published limit of its plan, else (Essential: not published)
 * the `num_keep` Heroku puts on every transfer, read from the newest manual backup. null when
 * neither is known.
 */
export function manualBackupLimit(plan: string, sourceBackups: Transfer[] = []): number | null {
  const tier = planTier(plan)
  if (tier === 'standard') return 25
  if (['premium', 'private', 'shield', 'enterprise'].includes(tier)) return 50
  const newest = manualBackups(sourceBackups).at(-1)
  const keep = newest?.num_keep
  return typeof keep === 'number' && Number.isInteger(keep) && keep > 0 ? keep : null
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

/** Manual captures still running (another drill's, a teammate's): each will take a slot. */
export function runningCaptures(sourceBackups: Transfer[]): Transfer[] {
  return sourceBackups.filter(
    (t) => transferKind(t) === 'b' && t.finished_at === null && t.canceled_at === null
  )
}

/**
 * Refuses a capture that would push out one of the team's manual backups: on every plan, and
 * counting captures still running (two drills started together). With manual backups and no
 * known limit it refuses too: it cannot know the capture is safe.
 */
export function refuseCaptureThatEvicts(
  app: string,
  plan: string,
  sourceBackups: Transfer[]
): void {
  const manual = manualBackups(sourceBackups)
  if (manual.length === 0) return
  const running = runningCaptures(sourceBackups).length
  const limit = manualBackupLimit(plan, sourceBackups)
  const oldest = backupName(manual[0])
  const instead = `use backup: latest, or delete old manual backups first (heroku pg:backups:delete ${oldest} --app ${app} --confirm ${app})`
  if (limit === null)
    throw new DrillError(
      `a capture could expire backup ${oldest}: how many manual backups ${planShortName(plan) || 'this plan'} keeps is not known (Heroku sent no num_keep) and app ${app} has ${manual.length}; ${instead}`
    )
  if (manual.length + running < limit) return
  const busy = running ? ` and ${running} capture${running === 1 ? '' : 's'} running` : ''
  throw new DrillError(
    `a capture would expire backup ${oldest} (finished ${manual[0].finished_at}): app ${app} keeps ${limit} manual backups on ${planShortName(plan)} and has ${manual.length}${busy}; ${instead}`
  )
}

/** Backups listed before the capture that are gone after it (Heroku rotated them out). */
export function backupsLost(before: Transfer[], after: Transfer[]): string[] {
  const still = new Set(after.filter(isBackup).map((t) => t.num))
  return before.filter((t) => isBackup(t) && t.succeeded && !still.has(t.num)).map(backupName)
}
