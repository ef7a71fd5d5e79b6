// Step: capture a fresh backup of the source (the one write to the production app besides the
// opt-ins), or take the backup preflight chose (`latest` or an ID).
import { DrillError } from '../errors.js'
import { backupName, type Transfer } from '../heroku/types.js'
import type { BackupFacts } from '../report/model.js'
import type { DrillConfig } from '../config.js'
import type { DataApi } from '../heroku/data.js'
import type { DrillState } from '../state.js'
import type { StepLog } from './deps.js'
import { backupsLost, refuseCaptureThatEvicts } from '../rules/backup-slots.js'
import { sourceBackupsOf } from '../rules/backups.js'
import type { Preflight } from './preflight.js'
import { lastLogLines, waitForTransfer } from './transfers.js'

/** What capturing a backup needs. */
export interface CaptureDeps {
  config: Pick<DrillConfig, 'keepBackup'>
  data: DataApi
  state: DrillState
  log: StepLog
  deadline: Date
}

export async function captureBackup(
  deps: CaptureDeps,
  pre: Preflight,
  signal: AbortSignal
): Promise<Transfer> {
  const { data } = deps
  const app = pre.source.addonApp
  // Again right before the request: a drill or a teammate may have captured since preflight.
  const backupsNow = sourceBackupsOf(await data.listTransfers(app), pre.source, pre.otherPostgres)
  refuseCaptureThatEvicts(pre.app.name, pre.source.plan, backupsNow)
  deps.log.info(`capturing a fresh backup of ${pre.source.addonName}`)
  // Saved before the request and at its answer: the clean-up (in main or post) cancels the
  // capture if it still runs, and deletes it unless keep-backup.
  deps.state.update({ keepBackup: deps.config.keepBackup })
  const started = await data.captureBackup(pre.source.addonId, {
    app,
    beforeRequest: (captureRequest) => deps.state.update({ captureRequest })
  })
  const id = backupName(started)
  deps.state.update({ capture: { app, num: started.num, name: id, uuid: started.uuid } })
  deps.log.info(`capture ${id} started`)
  const wait = { data, deadline: deps.deadline, signal, log: (line: string) => deps.log.info(line) }
  const done = await waitForTransfer(wait, app, started, `capture ${id}`)
  if (!done.succeeded) {
    const verbose = await data.getTransfer(app, done.uuid, { verbose: true }).catch(() => done)
    const tail = lastLogLines(verbose.logs)
    throw new DrillError(`capture ${id} failed${tail ? ': ' + tail : ''}`)
  }
  deps.log.info(`capture ${id} finished (${done.processed_bytes} bytes)`)
  return done
}

/** Backups of the source that were there before the capture and are gone after it. */
export async function backupsPushedOut(
  deps: Pick<CaptureDeps, 'data' | 'log'>,
  pre: Preflight
): Promise<string[]> {
  const after = await deps.data.listTransfers(pre.source.addonApp)
  const lost = backupsLost(pre.sourceBackups, after)
  for (const id of lost) {
    deps.log.warning(
      `backup ${id} of ${pre.source.addonApp} disappeared while the drill captured: Heroku expired it to make room`
    )
  }
  return lost
}

/** The backup as the report shows it. */
export function backupFactsOf(
  backup: Transfer,
  choice: BackupFacts['choice'],
  sourceDatabase: string,
  now: Date
): BackupFacts {
  return {
    id: backupName(backup),
    choice,
    transferId: backup.uuid,
    sizeBytes: backup.processed_bytes ?? null,
    capturedAt: backup.finished_at,
    ageSeconds: backup.finished_at
      ? Math.max(0, Math.round((now.getTime() - Date.parse(backup.finished_at)) / 1000))
      : null,
    sourceDatabase
  }
}
