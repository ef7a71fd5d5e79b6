// The outcome of a drill and its one-line verdict, from what the drill found (pure).
import { formatDuration, plural } from '../format.js'
import type { Outcome } from './model.js'
import type { Finding, Verification } from '../verify/types.js'

export interface DrillFindings {
  /** The error that stopped the drill, already described in one line. */
  error?: { message: string; outcome: 'failed' | 'error' }
  /** dry-run: preflight read everything and the source answered; nothing was made. */
  dryRun?: boolean
  copy: CopyMade
  restoreSeconds: number
  verification?: Verification
  /** Policy failures that did not stop the drill (max-restore-minutes). */
  failures: string[]
  cleanupProblems: string[]
}

/** What the drill restored: `backup b042`, `fork of postgresql-x`, `rollback of postgresql-x to …`. */
export interface CopyMade {
  label: string
  method: 'backup' | 'fork' | 'rollback'
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
  } else if (found.dryRun) {
    judgement = {
      outcome: 'passed',
      verdict:
        'Passed (dry run): preflight read everything a drill needs and the source answered SELECT 1; nothing was written'
    }
  } else if (!found.verification?.passed || found.failures.length > 0) {
    const mismatches = (found.verification?.findings ?? []).filter((f) => f.severity === 'mismatch')
    const parts = [...found.failures]
    if (mismatches.length > 0) {
      parts.push(`${mismatchPhrase(mismatches)}: ${mismatchObjects(mismatches)}`)
    }
    judgement = {
      outcome: 'failed',
      verdict: `Failed: ${found.copy.label} ${found.copy.method === 'backup' ? 'restored' : 'made'}, but ${parts.join('; ') || 'verification failed'}`
    }
  } else {
    judgement = {
      outcome: 'passed',
      verdict: passedVerdict(found.copy, found.restoreSeconds, found.verification)
    }
  }
  // A drill that passed but left something behind is not a pass.
  if (found.cleanupProblems.length > 0 && judgement.outcome === 'passed') {
    const errorLine = `clean-up failed: ${found.cleanupProblems[0]}`
    judgement = { outcome: 'error', verdict: `Error: ${errorLine}`, errorLine }
  }
  return judgement
}

function passedVerdict(copy: CopyMade, seconds: number, v: Verification): string {
  const checked = `(${plural(v.tablesChecked, 'table')}, ${plural(v.rowsChecked, 'row')})`
  if (copy.method === 'backup')
    return `Passed: ${copy.label} restored in ${formatDuration(seconds)} and matched production ${checked}`
  // A rollback holds the past: its counts are compared with today's, not proven equal.
  const how =
    copy.method === 'fork' ? 'matched production' : 'passed verification against production'
  return `Passed: ${copy.label} ready in ${formatDuration(seconds)} and ${how} ${checked}`
}

/**
 * How many objects mismatched, not how many findings: a table whose count and content both differ
 * is one object (`1 mismatched object`), though it has two findings.
 */
export function mismatchPhrase(findings: Pick<Finding, 'check' | 'object' | 'severity'>[]): string {
  const objects = new Set(
    findings
      .filter((f) => f.severity === 'mismatch' && f.check !== 'check-error')
      .map((f) => f.object)
  )
  return objects.size === 0 ? 'no mismatch' : plural(objects.size, 'mismatched object')
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
