// The outcome of a drill and its one-line verdict, from what the drill found (pure).
import { formatDuration, plural } from '../format.js'
import type { Outcome } from './model.js'
import type { Finding, Verification } from '../verify/types.js'

export interface DrillFindings {
  /** The error that stopped the drill, already described in one line. */
  error?: { message: string; outcome: 'failed' | 'error' }
  backupId?: string
  restoreSeconds: number
  verification?: Verification
  /** Policy failures that did not stop the drill (max-restore-minutes). */
  failures: string[]
  cleanupProblems: string[]
}

export interface Judgement {
  outcome: Outcome
  verdict: string
  /** The error line of an `error` outcome. */
  errorLine?: string
}

/** `passed` only when verification passed, no policy failed and the clean-up left nothing behind. */
export function judgeOutcome(found: DrillFindings): Judgement {
  let judgement: Judgement
  if (found.error) {
    const { message, outcome } = found.error
    judgement = {
      outcome,
      verdict: `${outcome === 'failed' ? 'Failed' : 'Error'}: ${message}`,
      ...(outcome === 'error' ? { errorLine: message } : {})
    }
  } else if (!found.verification?.passed || found.failures.length > 0) {
    const mismatches = (found.verification?.findings ?? []).filter((f) => f.severity === 'mismatch')
    const parts = [...found.failures]
    if (mismatches.length > 0) {
      parts.push(
        `${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}: ${mismatchObjects(mismatches)}`
      )
    }
    judgement = {
      outcome: 'failed',
      verdict: `Failed: backup ${found.backupId} restored, but ${parts.join('; ') || 'verification failed'}`
    }
  } else {
    const v = found.verification
    judgement = {
      outcome: 'passed',
      verdict:
        `Passed: backup ${found.backupId} restored in ${formatDuration(found.restoreSeconds)} and matched production ` +
        `(${plural(v.tablesChecked, 'table')}, ${plural(v.rowsChecked, 'row')})`
    }
  }
  // A drill that passed but left something behind is not a pass.
  if (found.cleanupProblems.length > 0 && judgement.outcome === 'passed') {
    const errorLine = `clean-up failed: ${found.cleanupProblems[0]}`
    judgement = { outcome: 'error', verdict: `Error: ${errorLine}`, errorLine }
  }
  return judgement
}

/** Shortest names first, then by code unit: a missing table before its columns and indexes. */
export function byShortestName(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
}

/**
 * The objects that differ, shortest names first (a missing table before its columns and indexes),
 * at most three: `public.track (table missing), public.track.track_pkey, ... and 4 more`.
 */
export function mismatchObjects(mismatches: Pick<Finding, 'object' | 'message'>[]): string {
  const objects = [...new Set(mismatches.map((m) => m.object))].sort(byShortestName)
  const shown = objects.slice(0, 3).map((o) => {
    const m = mismatches.find((x) => x.object === o) as { message: string }
    return objects.length === 1 ? `${o}: ${m.message}` : o
  })
  const rest = objects.length - shown.length
  return shown.join(', ') + (rest > 0 ? ` and ${rest} more` : '')
}
