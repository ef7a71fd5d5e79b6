// What a recovery path is: one way of making the copy the drill verifies (a backup restored, a fork
// or rollback Heroku makes, ...). run.ts picks the path in one visible decision; each path lives in
// a file of its own, so a new one is a new file and a line in run.ts's PATHS, and no edit to the others.
import type { SourceDatabaseConnection } from '../databases.js'
import type { Preflight } from '../steps/preflight.js'
import type { VerifyStepInput } from '../steps/verify.js'
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
