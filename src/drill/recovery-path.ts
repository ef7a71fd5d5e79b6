// method fork / rollback: no capture and no restore transfer. Heroku's Continuous Protection makes
// the copy, and its provisioning is the restore:
//
//   the drill app (auto) → the source window opened (a fork is made inside it)
//   → fork or rollback  ∥  closing counts (fork)
//   → (rollback) the window around the target, from an earlier drill's read (history)
import { AUTO_CHECKSUMS } from '../config.js'
import { awaitedLater, both, settleable } from '../concurrency.js'
import { formatUtc } from '../format.js'
import type { RecoveryPlan } from '../rules/recovery-plan.js'
import { earlierRead, rollbackWindow } from '../rules/rollback-window.js'
import { createDrillApp } from '../steps/provision.js'
import { recoverCopy } from '../steps/recover.js'
import { verifyOptionsOf } from '../steps/verify.js'
import type { SourceSnapshot, VerifyOptions } from '../verify/types.js'
import type { CopyMade, PathContext, RecoveryPath } from './path.js'
import { closeSourceWindow, openSourceWindow } from './source-window.js'

export const recoveryPath: RecoveryPath = {
  handles: (pre) => pre.recovery !== null,
  makeCopy: (ctx) => forkOrRollBack(ctx, ctx.pre.recovery!)
}

/**
 * Maintenance (opt-in), the canary (opt-in) and the snapshot come first, so a fork, made the moment
 * it is asked for, lies inside the watched window; then Heroku makes the copy (its provisioning is
 * the restore) while the closing counts are read.
 */
async function forkOrRollBack(ctx: PathContext, recovery: RecoveryPlan): Promise<CopyMade> {
  const { rt, timeline, pre, source, record } = ctx
  const app = pre.drillApp.create
  if (app)
    await timeline.phase('provision', 'Provision the drill app', () => createDrillApp(rt, app))
  const opened = await openSourceWindow(ctx, {
    maintenance: rt.config.maintenance,
    detail: `before the ${recovery.method}`
  })
  const options = verifyOptionsOf(rt.config, opened.canary)
  const accepted = settleable()
  const watched = recovery.method === 'fork'
  const closingCounts = awaitedLater(
    watched
      ? accepted.promise.then(() => closeSourceWindow(ctx, 'counts after the fork was asked for'))
      : Promise.resolve(undefined)
  )
  // A fork's quiet tables are hashed once Heroku has it in hand, while it makes the copy.
  const sourceHashes =
    watched && options.checksumTables.length > 0
      ? awaitedLater(accepted.promise.then(() => source.hashTables(opened.before, options)))
      : undefined
  const title = recovery.method === 'fork' ? 'Fork' : 'Rollback'
  const [made, after] = await both(
    rt.signal,
    (signal) =>
      timeline.phase('restore', title, () => recoverCopy(rt, pre, recovery, signal, accepted)),
    () => closingCounts
  )
  record({ addon: made.addon, restore: made.restore })
  const judged = recovery.targetTime
    ? await windowAroundTarget(ctx, {
        target: recovery.targetTime,
        current: opened.before,
        options
      })
    : { before: opened.before, after, options }
  return {
    restoredAddon: made.addon,
    restore: made.restore,
    ...judged,
    ...(sourceHashes ? { sourceHashes } : {})
  }
}

/**
 * A rollback's copy predates the drill's own reads. An earlier drill's read of the source before the
 * target time (from the history) opens the window around it; without one the counts are drift and
 * `checksum-tables: auto` compares no content.
 */
async function windowAroundTarget(
  { rt, pre, record }: PathContext,
  { target, current, options }: { target: Date; current: SourceSnapshot; options: VerifyOptions }
): Promise<Pick<CopyMade, 'before' | 'after' | 'options'>> {
  const read = earlierRead(await rt.history, pre.source.addonName, target)
  if (!read) {
    rt.log.info(
      `no earlier drill read ${pre.source.addonName} before ${formatUtc(target)}: counts are compared as drift, contents only where checksum-tables names tables`
    )
    const auto = options.checksumTables[0] === AUTO_CHECKSUMS
    return {
      before: current,
      after: current.counts,
      options: auto ? { ...options, checksumTables: [] } : options
    }
  }
  const window = rollbackWindow(read, current)
  record({ rollbackReadAt: window.readAt })
  rt.log.info(
    `the drill of ${window.readAt} read ${pre.source.addonName} before the target time: counts and quiet tables are judged between that read and now`
  )
  return {
    before: window.before,
    after: current.counts,
    options: { ...options, rollbackReadAt: window.readAt }
  }
}
