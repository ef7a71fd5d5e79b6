// Clean-up of the drill's capture, for main and the post step: find it (also when the run was
// killed before Heroku answered the capture request), cancel it while it still runs (Heroku
// refuses to delete a running transfer, and a capture left running loads production), then
// delete it unless keep-backup. Only the capture this run's state names is touched.
import { capturesSince, type DataApi } from '../heroku/data.js'
import { backupName, type Transfer } from '../heroku/types.js'
import { sleepMs } from '../heroku/wait.js'
import type { Ownership } from '../safety.js'
import type { DrillState, SavedState } from '../state.js'

export interface CaptureCleanupDeps {
  data: Pick<DataApi, 'deleteBackup' | 'listTransfers' | 'getTransfer' | 'cancelTransfer'>
  ownership: Ownership
  state: DrillState
  log: (line: string) => void
  signal?: AbortSignal
  /** How long a cancelled capture may take to stop (default 60 s), read this often (2 s). */
  cancelWaitMs?: number
  pollMs?: number
}

export interface CaptureCleanup {
  /** The capture was still running and was cancelled, e.g. b042. */
  cancelled: string | null
  deleted: string | null
  problem: string | null
}

type SavedCapture = NonNullable<SavedState['capture']>

export async function settleCapture(deps: CaptureCleanupDeps): Promise<CaptureCleanup> {
  const done: CaptureCleanup = { cancelled: null, deleted: null, problem: null }
  const saved = deps.state.value
  if (saved.captureDeleted || (saved.captureCancelled && saved.keepBackup)) return done
  let capture: SavedCapture | undefined = saved.capture
  try {
    if (!capture && saved.captureRequest) capture = await findRequestedCapture(deps, saved)
    if (!capture) return done
    deps.ownership.recordCapturedBackup(capture.app, capture.num)
    if (await cancelIfRunning(deps, capture)) done.cancelled = capture.name
    // A cancelled capture is no backup: deleted even with keep-backup.
    if (saved.keepBackup && !done.cancelled && !saved.captureCancelled) return done
    const outcome = await deps.data.deleteBackup(capture.app, capture.num)
    deps.log(
      outcome === 'deleted'
        ? `deleted the drill's backup ${capture.name}`
        : `backup ${capture.name} was already gone`
    )
    deps.state.update({ captureDeleted: true })
    done.deleted = capture.name
  } catch (err) {
    const name = capture?.name ?? 'its capture'
    const app = capture?.app ?? saved.captureRequest?.app ?? saved.app
    done.problem = `cleaning up the drill's backup ${name} failed: ${(err as Error).message}; check heroku pg:backups --app ${app}, then heroku pg:backups:cancel and heroku pg:backups:delete it`
  }
  return done
}

/**
 * The capture a request with no answer started: the one manual capture numbered and created after
 * the request. Two such (a teammate captured at the same moment) cannot be told apart: neither is
 * touched.
 */
async function findRequestedCapture(
  deps: CaptureCleanupDeps,
  saved: SavedState
): Promise<SavedCapture | undefined> {
  const req = saved.captureRequest!
  const found = capturesSince(await deps.data.listTransfers(req.app), req.sinceMs, req.afterNum)
  if (found.length > 1)
    throw new Error(
      `${found.length} manual captures started when the drill's did (${found.map(backupName).join(', ')}), so which is the drill's is not known; none was touched`
    )
  if (found.length === 0) return undefined
  const capture = {
    app: req.app,
    num: found[0].num,
    name: backupName(found[0]),
    uuid: found[0].uuid
  }
  deps.state.update({ capture })
  return capture
}

/** Cancels the capture if it still runs, and waits until Heroku says it stopped. */
async function cancelIfRunning(deps: CaptureCleanupDeps, capture: SavedCapture): Promise<boolean> {
  const { data } = deps
  let t: Transfer = await data.getTransfer(capture.app, capture.uuid ?? String(capture.num))
  if (t.finished_at || t.canceled_at) return false
  deps.log(`the drill's capture ${capture.name} is still running: cancelling it`)
  await data.cancelTransfer(capture.app, t.uuid)
  deps.state.update({ captureCancelled: true })
  const waitMs = deps.cancelWaitMs ?? 60_000
  for (const start = Date.now(); !t.finished_at && Date.now() - start < waitMs;) {
    await sleepMs(deps.pollMs ?? 2_000, deps.signal)
    t = await data.getTransfer(capture.app, t.uuid)
  }
  if (!t.finished_at) throw new Error(`capture ${capture.name} was cancelled but had not stopped`)
  deps.log(`cancelled the drill's capture ${capture.name}`)
  return true
}
