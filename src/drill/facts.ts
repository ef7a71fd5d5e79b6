// What a drill found out, step by step: each step's typed result, recorded as soon as it is
// known, so a drill that stops early still reports how far it got. The report is built from
// these facts by one pure function (report/build.ts); nothing edits the report afterwards.
import type { Addon } from '../heroku/types.js'
import type {
  BackupFacts,
  ExitTargetFacts,
  PhaseRecord,
  ScheduleFacts,
  Timings
} from '../report/model.js'
import type { CleanupResult } from '../steps/cleanup.js'
import type { Preflight } from '../steps/preflight.js'
import type { PromoteResult } from '../steps/promote.js'
import type { RestoreResult } from '../steps/restore.js'
import type { CountSnapshot, SourceSnapshot, Verification } from '../verify/types.js'

export interface DrillStop {
  /** One line, redacted. */
  message: string
  outcome: 'failed' | 'error'
  /** Stopped by timeout-minutes: the message gets what clean-up did appended. */
  deadline?: boolean
}

export interface DrillFacts {
  startedAt: Date
  finishedAt?: Date
  preflight?: Preflight
  staleDestroyed: string[]
  /** Question 1 as preflight read it, recorded at once: kept when preflight refuses later. */
  scheduleRead?: ScheduleFacts
  /** Someone else had maintenance on for the capture: the drill left it so. */
  maintenanceWasOn?: boolean
  canary?: { id: string }
  before?: SourceSnapshot
  addon?: Addon
  /** The backup restored: captured now, or chosen by preflight. */
  backup?: BackupFacts
  /** Backups of the team's that vanished when the drill captured (Heroku rotated them out). */
  backupsPushedOut?: string[]
  restore?: RestoreResult
  /** target-url: the server outside Heroku the copy was restored on. */
  exitTarget?: ExitTargetFacts
  /** method rollback: when the earlier read that opened the window around the target finished. */
  rollbackReadAt?: string
  after?: CountSnapshot
  verification?: Verification
  promote?: PromoteResult
  /** The promote drill was asked for but skipped (the restore did not pass). */
  promoteSkipped?: boolean
  cleanup?: CleanupResult
  /** What stopped the drill before its end, if anything. */
  stop?: DrillStop
  /** The most connections the drill held on the source at once. */
  sourceConnections?: number
  /** heartbeat-url: the problem of a heartbeat that did not go through. */
  heartbeatProblem?: string
  timeline: PhaseRecord[]
  timings: Timings
}

export function newFacts(startedAt: Date): DrillFacts {
  return { startedAt, staleDestroyed: [], timeline: [], timings: { drillSeconds: 0 } }
}
