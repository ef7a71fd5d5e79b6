// Rules across inputs: what promote, maintenance and canary need, and what fork and rollback rule out.
import type { DrillConfig } from '../config.js'
import { InputError } from './input-error.js'
import { backupLabel, drillAppLabel } from './labels.js'

/** Every rule across inputs the config breaks, all of them: the user fixes them in one go. */
export function combinationProblems(config: DrillConfig): InputError[] {
  return [
    ...promoteProblems(config),
    ...captureProblems(config),
    ...recoveryProblems(config),
    ...exitProblems(config)
  ]
}

/** What promote needs: drill-app same, maintenance, a fresh capture, and no keep-database. */
function promoteProblems(config: DrillConfig): InputError[] {
  const problems: InputError[] = []
  if (config.promote && config.drillApp.mode !== 'same') {
    problems.push(
      new InputError(
        'promote',
        `Input "promote" needs drill-app: same: the promote drill attaches the restored add-on to the production app as DATABASE, so it must live there, e.g. promote: true with drill-app: same (got drill-app "${drillAppLabel(config.drillApp)}").`
      )
    )
  }
  if (config.promote && !config.maintenance) {
    problems.push(
      new InputError(
        'promote',
        'Input "promote" needs maintenance: true, so web traffic is stopped while DATABASE_URL points at the restored copy, e.g. promote: true with maintenance: true.'
      )
    )
  }
  if (config.promote && config.keepDatabase) {
    problems.push(
      new InputError(
        'promote',
        'Input "promote" cannot be combined with keep-database: true: a promoted drill copy has taken writes from worker dynos and must not be kept for recovery; choose one, e.g. keep-database: true without promote.'
      )
    )
  }
  // Promoting a restore of an older backup (latest or an ID) makes the app's DATABASE_URL point at
  // stale data for the promote window; maintenance stops only web dynos, so worker and scheduler
  // dynos would act on old state (re-send, re-charge) and write into a copy that is then thrown
  // away. A careful SRE rehearses the switch only with a capture taken moments earlier.
  if (config.promote && config.backup.mode !== 'capture') {
    problems.push(
      new InputError(
        'promote',
        `Input "promote" needs backup: capture (taken under maintenance); promoting an older backup would point the app at stale data, e.g. promote: true with backup: capture (got backup "${backupLabel(config.backup)}").`
      )
    )
  }
  return problems
}

/** What needs a fresh capture: maintenance protects its window, the canary is written before it. */
function captureProblems(config: DrillConfig): InputError[] {
  const problems: InputError[] = []
  // Maintenance covers the capture window only; with an existing backup there is none, and taking
  // the app's web traffic down for nothing is the opposite of what a drill is for.
  if (config.maintenance && config.backup.mode !== 'capture') {
    problems.push(
      new InputError(
        'maintenance',
        `Input "maintenance" needs backup: capture: it stops web traffic for the capture window, and an existing backup has none, e.g. maintenance: false with backup: ${backupLabel(config.backup)} (got backup "${backupLabel(config.backup)}").`
      )
    )
  }
  if (config.canary && config.backup.mode !== 'capture') {
    problems.push(
      new InputError(
        'canary',
        `Input "canary" needs backup: capture: the canary row is written just before the capture, so an existing backup cannot hold it, e.g. canary: true with backup: capture (got backup "${backupLabel(config.backup)}").`
      )
    )
  }
  return problems
}

/** fork / rollback make no logical backup: the inputs about one cannot apply. */
function recoveryProblems(config: DrillConfig): InputError[] {
  const method = config.method
  const problems: InputError[] = []
  if (method === 'backup') return problems
  const refuse = (input: string, why: string, instead: string): void => {
    problems.push(
      new InputError(input, `Input "${input}" ${why} with method: ${method}, e.g. ${instead}.`)
    )
  }
  if (config.backup.mode !== 'capture')
    refuse(
      'backup',
      `cannot name a logical backup (${backupLabel(config.backup)}): Heroku makes the copy from physical backups and WAL`,
      `method: backup with backup: ${backupLabel(config.backup)}`
    )
  if (config.keepBackup)
    refuse('keep-backup', 'has nothing to keep: no backup is captured', 'keep-backup: false')
  if (config.postgresVersion !== 'same')
    refuse(
      'postgres-version',
      `cannot change the major (${config.postgresVersion}): a fork or rollback is a copy of the source's server`,
      'postgres-version: same'
    )
  if (config.promote)
    refuse(
      'promote',
      'is not drilled: the promote drill rehearses with a capture taken under maintenance',
      'promote: true with method: backup'
    )
  if (method === 'rollback' && config.maintenance)
    refuse(
      'maintenance',
      'cannot quiet the past: the rollback target is before the drill starts',
      'maintenance: false'
    )
  if (method === 'rollback' && config.canary)
    refuse(
      'canary',
      'cannot work: a canary written now is after the rollback target, so the copy cannot hold it',
      'canary: true with method: fork'
    )
  return problems
}

/** target-url restores a logical backup outside Heroku: nothing that needs a Heroku add-on applies. */
function exitProblems(config: DrillConfig): InputError[] {
  if (config.targetUrl === null) return []
  const problems: InputError[] = []
  const refuse = (input: string, why: string, instead: string): void => {
    problems.push(
      new InputError(input, `Input "${input}" ${why} with target-url, e.g. ${instead}.`)
    )
  }
  if (config.method !== 'backup')
    refuse(
      'method',
      `cannot be ${config.method}: the copy outside Heroku is restored from a logical backup`,
      'method: backup'
    )
  if (config.promote)
    refuse(
      'promote',
      "is not drilled: a database outside Heroku cannot be promoted to the app's DATABASE",
      'promote: false'
    )
  if (config.drillApp.mode !== 'auto')
    refuse(
      'drill-app',
      `cannot be ${drillAppLabel(config.drillApp)}: no Heroku app holds the copy`,
      'drill-app: auto (the default)'
    )
  if (config.plan !== 'same')
    refuse(
      'plan',
      `cannot be ${config.plan}: no Heroku add-on is created`,
      'plan: same (the default)'
    )
  if (config.postgresVersion !== 'same')
    refuse(
      'postgres-version',
      `cannot be ${config.postgresVersion}: the copy takes the target server's own major, not an add-on's`,
      'postgres-version: same (the default), and a target server of the major to try'
    )
  return problems
}
