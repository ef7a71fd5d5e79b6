// The drill, as its checklist:
//
//   preflight → the recovery path preflight planned (the copy made) → verify
//   → promote drill (opt-in) → clean up
//
// Each step is a function in steps/ with narrow dependencies and a typed result; the recovery paths
// (backup-path.ts, recovery-path.ts) are siblings, each opening the same source window
// (source-window.ts). Only this folder records the facts: each result as soon as it is known, so a
// drill that stops early still reports how far it got; report/build.ts turns them into the report.
// Every Heroku write goes through the guarded clients; everything this run creates is saved to
// state before and after it is created, so the post step can clean up when main is killed.
import { checkTarget } from '../steps/target-check.js'
import { secondsBetween } from '../duration.js'
import { CancelledError, DrillError } from '../errors.js'
import type { Addon } from '../heroku/types.js'
import { abortable, WaitTimeoutError } from '../heroku/wait.js'
import { restoreTooSlow } from '../rules/restore-time.js'
import { DRILL_ATTACHMENT_NAME } from '../safety.js'
import { cleanUp, emptyCleanup, type CleanupResult } from '../steps/cleanup.js'
import { destroyStaleDrillApps } from '../steps/drill-app.js'
import { probeSource } from '../steps/probe.js'
import type { SourceDatabaseConnection } from '../databases.js'
import { destroyStaleAddons, preflight, type Preflight } from '../steps/preflight.js'
import { runPromoteDrill } from '../steps/promote.js'
import { verifyRestoredCopy } from '../steps/verify.js'
import { backupPath } from './backup-path.js'
import { exitPath } from './exit-path.js'
import { newFacts, type DrillFacts, type DrillStop } from './facts.js'
import type { RecoveryPath } from './path.js'
import { recoveryPath } from './recovery-path.js'
import type { DrillRuntime } from './runtime.js'
import { Timeline } from './timeline.js'
import { whatWasCleanedUp } from '../report/interrupted.js'

export { CancelledError } from '../errors.js'

/** The recovery paths, in the order they are asked whether they drill what preflight planned. */
const PATHS: RecoveryPath[] = [exitPath, recoveryPath, backupPath]

export async function runDrill(rt: DrillRuntime): Promise<DrillFacts> {
  const facts = newFacts(rt.now())
  rt.state.update({ startedAt: facts.startedAt.toISOString() })
  const timeline = new Timeline(rt.log, rt.secrets, Date.now, (phase) => rt.state.update({ phase }))
  facts.timeline = timeline.records
  facts.timings = timeline.timings
  const record: RecordFacts = (found) => {
    Object.assign(facts, found)
  }
  try {
    await abortable(runChecklist(rt, timeline, record), rt.signal)
  } catch (err) {
    facts.stop = describeStop(rt, err)
  }
  facts.sourceConnections = rt.databases.peakSourceConnections()
  await rt.databases.closeAll()
  // Cancelled: exit at once; the post step cleans up from the saved state.
  if (rt.cancelSignal.aborted) throw new CancelledError()
  facts.cleanup = await cleanUpAfterDrill(rt, timeline, facts)
  if (facts.stop?.deadline) facts.stop.message += `; ${cleanupSentence(facts.cleanup)}`
  facts.finishedAt = rt.now()
  facts.timings.drillSeconds = secondsBetween(facts.startedAt.getTime(), facts.finishedAt.getTime())
  return facts
}

/** Writes what a step found into the facts: the one place the checklist records them. */
type RecordFacts = (found: Partial<DrillFacts>) => void

async function runChecklist(
  rt: DrillRuntime,
  timeline: Timeline,
  record: RecordFacts
): Promise<void> {
  const { pre, source } = await timeline.phase('preflight', 'Preflight', () =>
    preflightStep(rt, record)
  )
  // A dry run ends here: everything read, nothing written (report/build.ts says what a drill would do).
  if (rt.config.dryRun) return
  const path = PATHS.find((p) => p.handles(pre))
  if (!path) throw new DrillError(`no recovery path drills method ${rt.config.method}`)
  const copy = await path.makeCopy({ rt, timeline, pre, source, record })

  const verified = await timeline.phase('verify', 'Verify', () =>
    verifyRestoredCopy(rt, { ...copy, source, drillApp: pre.drillApp.name })
  )
  record({ verification: verified.verification, after: verified.after })

  if (rt.config.promote) {
    const passed = verified.verification.passed && !restoreTooSlow(rt.config, copy.restore.seconds)
    if (!passed) record({ promoteSkipped: true })
    else if (copy.restoredAddon)
      await promoteStep(rt, timeline, record, { pre, addon: copy.restoredAddon })
  }
}

async function preflightStep(
  rt: DrillRuntime,
  record: RecordFacts
): Promise<{ pre: Preflight; source: SourceDatabaseConnection }> {
  const log = (line: string): void => rt.log.info(line)
  const read = await preflight({
    config: rt.config,
    platform: rt.platform,
    data: rt.data,
    now: rt.now,
    log,
    onScheduleRead: (scheduleRead) => record({ scheduleRead })
  })
  for (const warning of read.warnings) rt.log.warning(warning)
  record({ preflight: read })
  // Before anything is created: the source answers, within the connections it can spare.
  const source = rt.databases.openSource(read.sourceUrl, read.sourcePool.size)
  const versions = await probeSource(rt.config, source, read, log)
  const warn = (line: string): void => rt.log.warning(line)
  const target = rt.target ? await checkTarget(rt.target, versions.source, log, warn) : undefined
  // An exit drill's copy takes the target server's major, whatever postgres-version says.
  const copy = target?.serverMajor ?? versions.copy
  const pre = { ...read, versions: { ...versions, copy }, ...(target ? { target } : {}) }
  record({ preflight: pre })
  if (rt.config.dryRun) return { pre, source }
  const original = { id: pre.source.addonId, name: pre.source.addonName }
  rt.ownership.recordOriginal(original)
  rt.state.update({ original })
  record({
    staleDestroyed: [
      ...(await destroyStaleAddons({ ...rt, log, warn }, rt.config.app, pre.stale)),
      ...(await destroyStaleDrillApps({ ...rt, log, warn }, pre.staleApps))
    ]
  })
  return { pre, source }
}

async function promoteStep(
  rt: DrillRuntime,
  timeline: Timeline,
  record: RecordFacts,
  { pre, addon }: { pre: Preflight; addon: Addon }
): Promise<void> {
  const log = (line: string): void => rt.log.info(line)
  const deps = { ...rt, app: rt.config.app, log }
  const original = { id: pre.source.addonId, name: pre.source.addonName }
  await timeline.phase('promote', 'Promote drill', async () => {
    const promote = await runPromoteDrill(deps, addon, original, rt.config.checks)
    record({ promote })
    if (promote.problem) throw new DrillError(`promote drill: ${promote.problem}`)
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
  const copyMade = facts.addon !== undefined || rt.state.value.exitDatabase !== undefined
  rt.state.update({ keep: rt.config.keepDatabase && !facts.stop && copyMade })
  // A capture that failed its restore or verification is kept, so the team can look at it.
  if (captureFailedDrill(facts)) rt.state.update({ keepBackup: true })
  const log = (line: string): void => rt.log.info(line)
  const deps = {
    platform: rt.cleanupPlatform,
    data: rt.cleanupData,
    ownership: rt.ownership,
    state: rt.state,
    log,
    signal: rt.cancelSignal,
    target: rt.target ?? null
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

/** What clean-up did, from its result: never a claim it did not earn. */
function cleanupSentence(cleanup: CleanupResult): string {
  const done = whatWasCleanedUp(cleanup)
  return cleanup.problems.length > 0
    ? `clean-up ${done}, but could not undo everything: ${cleanup.problems[0]}`
    : `clean-up ${done}`
}

function describeStop(rt: DrillRuntime, err: unknown): DrillStop {
  const outcome = err instanceof DrillError ? err.outcome : 'error'
  if (rt.signal.aborted && rt.signal.reason === 'deadline') {
    return {
      outcome,
      // What clean-up did is added once it has run (runDrill).
      message: `the drill did not finish within timeout-minutes ${rt.config.timeoutMinutes}`,
      deadline: true
    }
  }
  if (err instanceof WaitTimeoutError) return { outcome, message: rt.secrets.redact(err.message) }
  const message = err instanceof Error ? err.message : String(err)
  return { outcome, message: rt.secrets.redact(message.split('\n')[0]) }
}
