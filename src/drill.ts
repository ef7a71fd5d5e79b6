// The drill, as its checklist. Each step is a function of its own in steps/, with typed inputs
// and a typed result; the two places where steps run side by side are written here:
//
//   preflight
//   → provision  ∥  (maintenance on, canary, source snapshot, capture)
//   → restore    ∥  closing counts of the source (maintenance off once they are in)
//   → verify → promote drill (opt-in) → clean up
//
// With method fork / rollback Heroku makes the copy (Continuous Protection), so there is no capture:
//   preflight → drill app → (maintenance on, canary: fork only) → source snapshot
//   → fork or rollback (its provisioning is the restore)  ∥  closing counts (fork) → verify → clean up
//
// Every Heroku write goes through the guarded clients; everything this run creates is saved to
// state before and after it is created, so the post step can clean up when main is killed. The
// facts each step finds are recorded as they come; report/build.ts turns them into the report.
import { secondsBetween } from './duration.js'
import { formatUtc, plural } from './format.js'
import { CancelledError, DrillError } from './errors.js'
import { newFacts, type DrillFacts, type DrillStop } from './facts.js'
import type { SourceDatabaseConnection } from './databases.js'
import type { Addon, Transfer } from './heroku/types.js'
import { abortable, AbortError, WaitTimeoutError } from './heroku/wait.js'
import type { DrillRuntime } from './runtime.js'
import { DRILL_ATTACHMENT_NAME } from './safety.js'
import { backupFactsOf, backupsPushedOut, captureBackup } from './steps/capture.js'
import { cleanUp, emptyCleanup, type CleanupResult } from './steps/cleanup.js'
import { maintenanceOff, maintenanceOn } from './steps/maintenance.js'
import { destroyStaleAddons, preflight, type Preflight } from './steps/preflight.js'
import { destroyStaleDrillApps } from './steps/drill-app.js'
import { runPromoteDrill } from './steps/promote.js'
import { createDrillApp, provisionDrillAddon } from './steps/provision.js'
import { recoverCopy } from './steps/recover.js'
import { earlierRead, rollbackWindow } from './steps/rollback-window.js'
import { AUTO_CHECKSUMS } from './inputs.js'
import type { RecoveryPlan } from './steps/recovery-plan.js'
import { restoreBackup, restoreTooSlow } from './steps/restore.js'
import { verifyOptionsOf, verifyRestoredCopy, type VerifyStepInput } from './steps/verify.js'
import { Timeline } from './timeline.js'
import type { CountSnapshot, SourceSnapshot, VerifyOptions } from './verify/types.js'
import type { SourceHashes } from './verify/verify.js'

export { CancelledError } from './errors.js'

/** Steps that run alongside another keep their log lines in the shared group. */
const IN_SHARED_GROUP = { group: false }

export async function runDrill(rt: DrillRuntime): Promise<DrillFacts> {
  const facts = newFacts(rt.now())
  rt.state.update({ startedAt: facts.startedAt.toISOString() })
  const timeline = new Timeline(rt.log, rt.secrets, Date.now, (phase) => rt.state.update({ phase }))
  facts.timeline = timeline.records
  facts.timings = timeline.timings
  try {
    await abortable(runChecklist(rt, facts, timeline), rt.signal)
  } catch (err) {
    facts.stop = describeStop(rt, err)
  }
  await rt.databases.closeAll()
  // Cancelled: exit at once; the post step cleans up from the saved state.
  if (rt.cancelSignal.aborted) throw new CancelledError()
  facts.cleanup = await cleanUpAfterDrill(rt, timeline, facts)
  facts.finishedAt = rt.now()
  facts.timings.drillSeconds = secondsBetween(facts.startedAt.getTime(), facts.finishedAt.getTime())
  return facts
}

async function runChecklist(
  rt: DrillRuntime,
  facts: DrillFacts,
  timeline: Timeline
): Promise<void> {
  const pre = await timeline.phase('preflight', 'Preflight', () => preflightStep(rt, facts))
  const source = rt.databases.openSource(pre.sourceUrl)
  const copy = pre.recovery
    ? await forkOrRollBack(rt, facts, timeline, { pre, source, recovery: pre.recovery })
    : await captureAndRestore(rt, facts, timeline, { pre, source })

  const verified = await timeline.phase('verify', 'Verify', () =>
    verifyRestoredCopy(rt, { ...copy, source, drillApp: pre.drillApp.name })
  )
  facts.verification = verified.verification
  facts.after = verified.after

  if (rt.config.promote) await promoteStep(rt, facts, timeline, { pre, addon: copy.restoredAddon })
}

type Copy = Omit<VerifyStepInput, 'source' | 'drillApp'>

/** method backup: provision ∥ (maintenance, canary, snapshot, capture), then restore ∥ closing counts. */
async function captureAndRestore(
  rt: DrillRuntime,
  facts: DrillFacts,
  timeline: Timeline,
  { pre, source }: { pre: Preflight; source: SourceDatabaseConnection }
): Promise<Copy> {
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
          facts.addon = await provisionDrillAddon(rt, pre, signal, addonAccepted)
          return facts.addon
        },
        IN_SHARED_GROUP
      ),
    (signal) =>
      snapshotAndCapture(rt, facts, timeline, {
        pre,
        source,
        signal,
        addonAccepted: addonAccepted.promise
      })
  ).finally(() => rt.log.endGroup())

  const options = verifyOptionsOf(rt.config, facts.canary)
  // The source's content hashes are computed while the restore runs, and awaited by the verify.
  const sourceHashes = hashSource(source, captured.before, options)
  const [restore, after] = await both(
    rt.signal,
    (signal) =>
      timeline.phase('restore', 'Restore', () =>
        restoreBackup(rt, pre, addon, captured.backup, captured.before, signal)
      ),
    () => captured.closingCounts
  )
  facts.restore = restore
  return {
    restoredAddon: addon,
    restore,
    before: captured.before,
    after,
    options,
    ...(sourceHashes ? { sourceHashes } : {})
  }
}

/**
 * method fork / rollback: no capture. Maintenance (fork, opt-in), the canary (fork, opt-in) and the
 * snapshot come first, so a fork, made the moment it is asked for, lies inside the watched window;
 * then Heroku makes the copy (its provisioning is the restore) while the closing counts are read.
 */
async function forkOrRollBack(
  rt: DrillRuntime,
  facts: DrillFacts,
  timeline: Timeline,
  {
    pre,
    source,
    recovery
  }: { pre: Preflight; source: SourceDatabaseConnection; recovery: RecoveryPlan }
): Promise<Copy> {
  const app = pre.drillApp.create
  if (app)
    await timeline.phase('provision', 'Provision the drill app', () => createDrillApp(rt, app))
  if (rt.config.maintenance) facts.maintenanceWasOn = !(await captureWindowOn(rt))
  if (rt.config.canary) facts.canary = await writeCanary(rt, source)
  facts.before = await timeline.phase(
    'snapshot',
    'Source snapshot',
    () => snapshotSource(rt, source),
    {
      detail: `before the ${recovery.method}`
    }
  )
  const options = verifyOptionsOf(rt.config, facts.canary)
  const accepted = settleable()
  const watched = recovery.method === 'fork'
  const closingCounts = watched
    ? accepted.promise.then(() =>
        countAfterCapture(rt, timeline, source, 'counts after the fork was asked for')
      )
    : Promise.resolve(undefined)
  closingCounts.catch(() => undefined)
  // A fork's quiet tables are hashed once Heroku has it in hand, while it makes the copy.
  const sourceHashes =
    watched && options.checksumTables.length > 0
      ? accepted.promise.then(() => source.hashTables(facts.before!, options))
      : undefined
  sourceHashes?.catch(() => undefined)
  const title = recovery.method === 'fork' ? 'Fork' : 'Rollback'
  const [made, after] = await both(
    rt.signal,
    (signal) =>
      timeline.phase('restore', title, () => recoverCopy(rt, pre, recovery, signal, accepted)),
    () => closingCounts
  )
  facts.addon = made.addon
  facts.restore = made.restore
  const judged = recovery.targetTime
    ? await windowAroundTarget(rt, facts, { pre, target: recovery.targetTime, options })
    : { before: facts.before, after, options }
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
  rt: DrillRuntime,
  facts: DrillFacts,
  { pre, target, options }: { pre: Preflight; target: Date; options: VerifyOptions }
): Promise<Pick<Copy, 'before' | 'after' | 'options'>> {
  const current = facts.before!
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
  facts.rollbackReadAt = window.readAt
  rt.log.info(
    `the drill of ${window.readAt} read ${pre.source.addonName} before the target time: counts and quiet tables are judged between that read and now`
  )
  return {
    before: window.before,
    after: current.counts,
    options: { ...options, rollbackReadAt: window.readAt }
  }
}

function hashSource(
  source: SourceDatabaseConnection,
  before: SourceSnapshot,
  options: VerifyOptions
): Promise<SourceHashes> | undefined {
  if (options.checksumTables.length === 0) return undefined
  const hashes = source.hashTables(before, options)
  // Awaited by the verify; handled here so a failure meanwhile is not unhandled.
  hashes.catch(() => undefined)
  return hashes
}

async function preflightStep(rt: DrillRuntime, facts: DrillFacts): Promise<Preflight> {
  const log = (line: string): void => rt.log.info(line)
  const pre = await preflight({
    config: rt.config,
    platform: rt.platform,
    data: rt.data,
    now: rt.now,
    log,
    onScheduleRead: (read) => {
      facts.scheduleRead = read
    }
  })
  for (const warning of pre.warnings) rt.log.warning(warning)
  const original = { id: pre.source.addonId, name: pre.source.addonName }
  rt.ownership.recordOriginal(original)
  rt.state.update({ original })
  facts.preflight = pre
  facts.staleDestroyed = [
    ...(await destroyStaleAddons({ ...rt, log }, rt.config.app, pre.stale)),
    ...(await destroyStaleDrillApps({ ...rt, log }, pre.staleApps))
  ]
  return pre
}

interface CaptureSide {
  pre: Preflight
  source: SourceDatabaseConnection
  signal: AbortSignal
  /** Settles when Heroku has answered the add-on's create request. */
  addonAccepted: Promise<void>
}

interface Captured {
  before: SourceSnapshot
  backup: Transfer
  /** Started as soon as the capture is done; undefined with `latest` / an ID. */
  closingCounts: Promise<CountSnapshot | undefined>
}

/**
 * The source side: maintenance on (opt-in) so the window is quiet, the canary (opt-in), the
 * snapshot, then the capture. The closing counts start as soon as the capture is done, and
 * maintenance goes off once they are in; the restore does not wait for them.
 */
async function snapshotAndCapture(
  rt: DrillRuntime,
  facts: DrillFacts,
  timeline: Timeline,
  { pre, source, signal, addonAccepted }: CaptureSide
): Promise<Captured> {
  const capturing = pre.chosenBackup === null
  const wantsMaintenance = capturing && rt.config.maintenance
  if (wantsMaintenance || rt.config.canary) await abortable(addonAccepted, signal)
  if (wantsMaintenance) facts.maintenanceWasOn = !(await captureWindowOn(rt))
  if (rt.config.canary) facts.canary = await writeCanary(rt, source)
  const detail = capturing ? 'before the capture' : 'schema, counts and write counters'
  facts.before = await timeline.phase(
    'snapshot',
    'Source snapshot',
    () => snapshotSource(rt, source),
    { ...IN_SHARED_GROUP, detail }
  )
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
  facts.backup = backupFactsOf(backup, rt.config.backup.mode, pre.source.addonName, rt.now())
  const closingCounts = capturing
    ? countAfterCapture(rt, timeline, source)
    : Promise.resolve(undefined)
  // Awaited alongside the restore; handled here so a failure meanwhile is not unhandled.
  closingCounts.catch(() => undefined)
  if (capturing) facts.backupsPushedOut = await backupsPushedOut(rt, pre)
  return { before: facts.before, backup, closingCounts }
}

/** true when the drill switched maintenance on, false when it was on already. */
async function captureWindowOn(rt: DrillRuntime): Promise<boolean> {
  const log = (line: string): void => rt.log.info(`${line} for the capture window`)
  return (
    (await maintenanceOn({ platform: rt.platform, state: rt.state, app: rt.config.app, log })) ===
    'switched-on'
  )
}

async function writeCanary(
  rt: DrillRuntime,
  source: SourceDatabaseConnection
): Promise<{ id: string }> {
  const canary = await source.writeCanary()
  rt.log.info(`canary ${canary.id} written to the source`)
  return canary
}

async function snapshotSource(
  rt: DrillRuntime,
  source: SourceDatabaseConnection
): Promise<SourceSnapshot> {
  const before = await source.snapshot()
  const rows = before.counts.tables.reduce((n, t) => n + t.rows, 0)
  rt.log.info(
    `source: ${plural(before.counts.tables.length, 'table')}, ${plural(rows, 'row')}, ${plural(before.schema.length, 'schema object')}`
  )
  return before
}

async function countAfterCapture(
  rt: DrillRuntime,
  timeline: Timeline,
  source: SourceDatabaseConnection,
  detail = 'counts after the capture'
): Promise<CountSnapshot> {
  const log = (line: string): void => rt.log.info(line)
  const off = { platform: rt.cleanupPlatform, state: rt.state, app: rt.config.app, log }
  try {
    return await timeline.phase('snapshot', 'Snapshot after', () => source.countTables(), {
      ...IN_SHARED_GROUP,
      detail
    })
  } finally {
    await maintenanceOff(off)
  }
}

async function promoteStep(
  rt: DrillRuntime,
  facts: DrillFacts,
  timeline: Timeline,
  { pre, addon }: { pre: Preflight; addon: Addon }
): Promise<void> {
  if (!facts.verification?.passed || restoreTooSlow(rt.config, facts.restore?.seconds)) {
    facts.promoteSkipped = true
    return
  }
  const log = (line: string): void => rt.log.info(line)
  const deps = { ...rt, app: rt.config.app, log }
  const original = { id: pre.source.addonId, name: pre.source.addonName }
  await timeline.phase('promote', 'Promote drill', async () => {
    facts.promote = await runPromoteDrill(deps, addon, original, rt.config.checks)
    if (facts.promote.problem) throw new DrillError(`promote drill: ${facts.promote.problem}`)
  })
}

/** The drill's own capture did not restore, or its restore failed verification. */
function captureFailedDrill(facts: DrillFacts): boolean {
  if (!facts.backup || facts.backup.choice !== 'capture') return false
  const restoreFailed = facts.timeline.some((p) => p.phase === 'restore' && p.status === 'failed')
  return restoreFailed || facts.verification?.passed === false
}

async function cleanUpAfterDrill(
  rt: DrillRuntime,
  timeline: Timeline,
  facts: DrillFacts
): Promise<CleanupResult> {
  rt.state.update({ keep: rt.config.keepDatabase && !facts.stop && facts.addon !== undefined })
  // A capture that failed its restore or verification is kept, so the team can look at it.
  if (captureFailedDrill(facts)) rt.state.update({ keepBackup: true })
  const log = (line: string): void => rt.log.info(line)
  const deps = {
    platform: rt.cleanupPlatform,
    data: rt.cleanupData,
    ownership: rt.ownership,
    state: rt.state,
    log,
    signal: rt.cancelSignal
  }
  let cleanup: CleanupResult
  try {
    cleanup = await timeline.phase('cleanup', 'Clean up', () =>
      cleanUp(deps, DRILL_ATTACHMENT_NAME)
    )
  } catch (err) {
    if (rt.cancelSignal.aborted) throw new CancelledError()
    cleanup = { ...emptyCleanup(), problems: [(err as Error).message] }
  }
  if (rt.cancelSignal.aborted) throw new CancelledError()
  for (const problem of cleanup.problems) rt.log.error(problem, 'Clean-up')
  return cleanup
}

/**
 * Runs two steps side by side. When one fails the other is stopped (its signal fires, and it is
 * no longer awaited), and the first real failure is thrown, not the abort it caused.
 */
export async function both<A, B>(
  signal: AbortSignal,
  first: (signal: AbortSignal) => Promise<A>,
  second: (signal: AbortSignal) => Promise<B>
): Promise<[A, B]> {
  const local = new AbortController()
  const sibling = AbortSignal.any([signal, local.signal])
  const run = <T>(step: (s: AbortSignal) => Promise<T>): Promise<T> =>
    abortable(step(sibling), sibling).catch((err: unknown) => {
      local.abort()
      throw err
    })
  const results = await Promise.allSettled([run(first), run(second)])
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed.length > 0) {
    throw (failed.find((r) => !(r.reason instanceof AbortError)) ?? failed[0]).reason
  }
  return [
    (results[0] as PromiseFulfilledResult<A>).value,
    (results[1] as PromiseFulfilledResult<B>).value
  ]
}

/** A promise with its resolve and reject at hand (Promise.withResolvers is Node 22+). */
function settleable(): { promise: Promise<void>; resolve(): void; reject(reason: unknown): void } {
  let resolve: () => void = () => {}
  let reject: (reason: unknown) => void = () => {}
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Awaited by the capture side; a refusal is also thrown by the provisioning side.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

function describeStop(rt: DrillRuntime, err: unknown): DrillStop {
  const outcome = err instanceof DrillError ? err.outcome : 'error'
  if (rt.signal.aborted && rt.signal.reason === 'deadline') {
    return {
      outcome,
      message: `the drill did not finish within timeout-minutes ${rt.config.timeoutMinutes}; everything it created was cleaned up`
    }
  }
  if (err instanceof WaitTimeoutError) return { outcome, message: rt.secrets.redact(err.message) }
  const message = err instanceof Error ? err.message : String(err)
  return { outcome, message: rt.secrets.redact(message.split('\n')[0]) }
}
