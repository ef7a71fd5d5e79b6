// What a recovery path is: one way of making the copy the drill verifies (a backup restored, a fork
// or rollback Heroku makes, ...). run.ts picks the path in one visible decision; each path lives in
// a file of its own, so a new one is a new file and a line in run.ts's PATHS, and no edit to the others.
import type { SourceDatabaseConnection } from '../databases.js'
import type { Preflight } from '../steps/preflight.js'
import { verifyOptionsOf, type VerifyStepInput } from '../steps/verify.js'
import { latestCoverage } from '../history/figures.js'
import type { VerifyOptions } from '../verify/types.js'
import type { DrillFacts } from './facts.js'
import type { DrillRuntime } from './runtime.js'
import type { Timeline } from './timeline.js'

/** The facts a path finds on its way, recorded by the checklist as soon as each is known. */
export type PathFacts = Partial<
  Pick<
    DrillFacts,
    | 'maintenanceWasOn'
    | 'canary'
    | 'before'
    | 'addon'
    | 'backup'
    | 'backupsPushedOut'
    | 'restore'
    | 'exitTarget'
    | 'rollbackReadAt'
  >
>

export interface PathContext {
  rt: DrillRuntime
  timeline: Timeline
  pre: Preflight
  source: SourceDatabaseConnection
  /** Hands what the path found to the checklist, which records it in the drill's facts. */
  record: (found: PathFacts) => void
}

/** The copy made, and what verification compares it with. */
export type CopyMade = Omit<VerifyStepInput, 'source' | 'drillApp'>

export interface RecoveryPath {
  /** Whether this path drills what preflight planned. */
  handles(pre: Preflight): boolean
  makeCopy(ctx: PathContext): Promise<CopyMade>
}

/** Steps that run alongside another keep their log lines in the shared group. */
export const IN_SHARED_GROUP = { group: false }

/**
 * What verification compares. With verify-budget the history is awaited first (it is read while
 * the drill runs and never fails): its newest coverage puts the least recently verified tables
 * first.
 */
export async function verifyOptionsFor(
  rt: DrillRuntime,
  canary: { id: string } | undefined
): Promise<VerifyOptions> {
  const history = rt.config.verifyBudgetSeconds !== null ? await rt.history : undefined
  const coverage = latestCoverage(history?.earlier)
  return verifyOptionsOf(rt.config, canary, {
    ...(coverage ? { coverage } : {}),
    brokenChecksums: rt.testOnly?.brokenChecksums === true
  })
}
