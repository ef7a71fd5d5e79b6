// Step: restore the backup onto the fresh add-on (and only onto it: the data client refuses any
// other target), passing the source's extensions so extension-dependent objects restore, and
// keep the transfer's log for the warnings check.
import { secondsBetween } from '../duration.js'
import { formatDuration } from '../format.js'
import { DrillError } from '../errors.js'
import { backupName, transferSeconds, type Addon, type Transfer } from '../heroku/types.js'
import type { DataApi } from '../heroku/data.js'
import type { SecretRegistry } from '../safety.js'
import type { StepLog } from './deps.js'
import type { SourceSnapshot, TransferLogLine } from '../verify/types.js'
import type { Preflight } from './preflight.js'
import { lastLogLines, waitForTransfer } from './transfers.js'

/** What restoring a backup onto the fresh add-on needs. */
export interface RestoreDeps {
  data: DataApi
  log: StepLog
  deadline: Date
  secrets: Pick<SecretRegistry, 'redact'>
}

export interface RestoreResult {
  /** The restore transfer; none for a fork or rollback (Heroku's provisioning made the copy). */
  transfer?: Transfer
  /** Heroku's own start-to-finish time when it reports one, else ours. */
  seconds: number
  /** Redacted; the report keeps only lines that cannot quote row contents. */
  logs: TransferLogLine[]
}

export async function restoreBackup(
  deps: RestoreDeps,
  pre: Preflight,
  target: Addon,
  backup: Transfer,
  before: SourceSnapshot,
  signal: AbortSignal
): Promise<RestoreResult> {
  const id = backupName(backup)
  const backupUrl = await deps.data.backupUrl(pre.source.addonApp, backup)
  // plpgsql is in every database already.
  const extensions = before.extensions.filter((e) => e !== 'plpgsql')
  deps.log.info(
    `restoring ${id} onto ${target.name}${extensions.length ? ` (extensions: ${extensions.join(', ')})` : ''}`
  )
  const startMs = Date.now()
  const started = await deps.data.restoreBackup(target.id, { backupUrl, extensions })
  const wait = {
    data: deps.data,
    deadline: deps.deadline,
    signal,
    log: (line: string) => deps.log.info(line)
  }
  // A restore's transfer is listed under the target's app: the drill app.
  const done = await waitForTransfer(
    wait,
    pre.drillApp.name,
    started,
    `restore of ${id} onto ${target.name}`
  )
  const seconds = transferSeconds(done) ?? secondsBetween(startMs, Date.now())
  const logs = await readRestoreLogs(deps, pre.drillApp.name, done)
  if (!done.succeeded) {
    const tail = lastLogLines(logs)
    throw new DrillError(`restore of ${id} onto ${target.name} failed${tail ? ': ' + tail : ''}`)
  }
  deps.log.info(
    `restore finished in ${formatDuration(seconds)}${done.warnings ? ` with ${done.warnings} warnings` : ''}`
  )
  return { transfer: done, seconds, logs }
}

async function readRestoreLogs(
  deps: RestoreDeps,
  app: string,
  done: Transfer
): Promise<TransferLogLine[]> {
  const verbose = await deps.data
    .getTransfer(app, done.uuid, { verbose: true })
    .catch((e: Error) => {
      deps.log.warning(`could not read the restore logs: ${e.message}`)
      return done
    })
  return (verbose.logs ?? []).map((l) => ({
    created_at: l.created_at,
    level: l.level,
    message: deps.secrets.redact(l.message)
  }))
}
