// method backup: a logical backup (pg:backups) captured now or chosen by preflight, restored onto a
// fresh add-on. The two `∥` of this path:
//
//   provision  ∥  (the source window opened, then the capture)
//   → restore  ∥  closing counts of the source (maintenance off once they are in)
import { awaitedLater, both, settleable } from '../concurrency.js'
import type { SourceDatabaseConnection } from '../databases.js'
import type { Transfer } from '../heroku/types.js'
import { abortable, AbortError } from '../heroku/wait.js'
import { backupFactsOf, backupsPushedOut, captureBackup } from '../steps/capture.js'
import { provisionDrillAddon } from '../steps/provision.js'
import { restoreBackup } from '../steps/restore.js'
import type { CountSnapshot, SourceSnapshot, VerifyOptions } from '../verify/types.js'
import type { SourceHashes } from '../verify/verify.js'
import {
  IN_SHARED_GROUP,
  verifyOptionsFor,
  type CopyMade,
  type PathContext,
  type RecoveryPath
} from './path.js'
import { closeSourceWindow, openSourceWindow } from './source-window.js'

export const backupPath: RecoveryPath = {
  handles: (pre) => pre.recovery === null,
  makeCopy: captureAndRestore
}

/** provision ∥ (maintenance, canary, snapshot, capture), then restore ∥ closing counts. */
async function captureAndRestore(ctx: PathContext): Promise<CopyMade> {
  const { rt, timeline, pre, source, record } = ctx
  rt.log.startGroup(pre.chosenBackup ? 'Snapshot and provision' : 'Snapshot, capture and provision')
  // The capture (a write to production) waits until Heroku has accepted the add-on: a refused
  // create stops the drill before it writes anything.
  const addonAccepted = settleable()
  const [addon, captured] = await both(
    rt.signal,
    (signal) =>
      timeline.phase(
        'provision',
        'Provision',
        async () => {
          const provisioned = await provisionDrillAddon(rt, pre, signal, addonAccepted)
          record({ addon: provisioned })
          return provisioned
        },
        IN_SHARED_GROUP
      ),
    (signal) => snapshotAndCapture(ctx, signal, addonAccepted.promise)
  ).finally(() => rt.log.endGroup())

  const options = await verifyOptionsFor(rt, captured.canary)
  // The source's content hashes are computed while the restore runs, and awaited by the verify.
  const sourceHashes = hashSource(source, captured.before, options)
  const [restore, after] = await both(
    rt.signal,
    (signal) =>
      timeline.phase('restore', 'Restore', () =>
        restoreBackup(rt, pre, addon, captured.backup, signal)
      ),
    () => captured.closingCounts
  )
  record({ restore })
  return {
    restoredAddon: addon,
    restore,
    before: captured.before,
    after,
    options,
    ...(sourceHashes ? { sourceHashes } : {})
  }
}

export interface Captured {
  before: SourceSnapshot
  canary?: { id: string }
  backup: Transfer
  /** Started as soon as the capture is done; undefined with `latest` / an ID. */
  closingCounts: Promise<CountSnapshot | undefined>
}

/**
 * The source side: the window opened (maintenance with a capture, the canary, the snapshot), then
 * the capture. The closing counts start as soon as the capture is done, and maintenance goes off
 * once they are in; the restore does not wait for them.
 */
export async function snapshotAndCapture(
  ctx: PathContext,
  signal: AbortSignal,
  /** Settles when Heroku has answered the add-on's create request. */
  addonAccepted: Promise<void>
): Promise<Captured> {
  const { rt, timeline, pre, record } = ctx
  const capturing = pre.chosenBackup === null
  const maintenance = capturing && rt.config.maintenance
  if (maintenance || rt.config.canary) await abortable(addonAccepted, signal)
  const detail = capturing ? 'before the capture' : 'schema, counts and write counters'
  const opened = await openSourceWindow(ctx, { maintenance, detail, shared: true })
  // Provisioning failed while the snapshot ran: no capture (a write) for a drill that stops.
  if (capturing) await abortable(addonAccepted, signal)
  if (signal.aborted) throw new AbortError()
  const backup =
    pre.chosenBackup ??
    (await timeline.phase(
      'capture',
      'Capture',
      () => captureBackup(rt, pre, signal),
      IN_SHARED_GROUP
    ))
  record({ backup: backupFactsOf(backup, rt.config.backup.mode, pre.source.addonName, rt.now()) })
  // Awaited alongside the restore.
  const closingCounts = awaitedLater(
    capturing ? closeSourceWindow(ctx, 'counts after the capture') : Promise.resolve(undefined)
  )
  if (capturing) record({ backupsPushedOut: await backupsPushedOut(rt, pre) })
  return { ...opened, backup, closingCounts }
}

export function hashSource(
  source: SourceDatabaseConnection,
  before: SourceSnapshot,
  options: VerifyOptions
): Promise<SourceHashes> | undefined {
  if (options.checksumTables.length === 0) return undefined
  // Awaited by the verify.
  return awaitedLater(source.hashTables(before, options))
}
