// Row-count bounds under live writes (pure). The restore holds the table as it was at one moment
// of the capture window: after the `before` count B and before the `after` count A. Every insert
// and delete in between is in the write counters' deltas I and D (the counters are read before B
// and as late as possible after A; counters only ever over-count: aborted inserts count too), so
//   restored = B + ins - del  with 0 <= ins <= I, 0 <= del <= D   ->  [B - D, B + I]
//   restored = A - ins + del  (the writes after the dump)          ->  [A - I, A + D]
// and the restored count must lie in the intersection [max(B - D, A - I), min(B + I, A + D)].
// With no writes counted and B = A that is exactly B.
//
// When the bound cannot be trusted:
// - The table was rewritten in the window (its relfilenode changed: TRUNCATE, VACUUM FULL, CLUSTER).
//   A TRUNCATE removes any number of rows without counting them as deletes, before or after the
//   dump, so no lower bound holds; every row still enters through a counted insert, so the restore
//   holds at most B + I rows: [0, B + I].
// - The intersection is empty (lo > hi) without a rewrite: the source changed by more than was
//   counted; a COPY not yet flushed to the statistics looks the same. The restored count cannot be
//   proven right, so it is reported (honestly) as a mismatch with that note.
// - A counter went backwards, or pg_stat_database.stats_reset changed: the statistics were reset in
//   the window and the writes are unknown. The only remaining evidence is B and A; a restored count
//   between them is accepted (it is right whenever the table only grew or only shrank) and one
//   outside them is reported as drift (a warning, not a failure), because nothing can prove either way.
// - With backup `latest` or an ID the backup predates B: writes before B are not in any counter, so
//   an out-of-bound count is drift, not mismatch. So does a rollback's copy (the source at a past time).
//   A fork is made when the drill asks for it, inside the window: judged as a capture.
import type { BackupMode, TableCount, TableCounters, TableStatus } from './types.js'
import { formatCount } from '../format.js'

/** A count's opening read of the write counters and relfilenode. */
export function openingCounters(t: TableCount): TableCounters {
  return {
    inserted: t.inserted,
    deleted: t.deleted,
    updated: t.updated ?? 0,
    ...(t.relfilenode !== undefined ? { relfilenode: t.relfilenode } : {})
  }
}

export interface WindowWrites {
  inserted: number
  deleted: number
  updated: number
  /** The relfilenode changed between two reads: the table was rewritten (see above). */
  rewritten?: boolean
}

/**
 * Counter deltas from the opening read to the latest closing read, or null when they cannot be
 * trusted: a read is missing, a counter went backwards, or the statistics were reset in between.
 * `laterReads` are in time order; a later read only widens the window (that is safe).
 */
export function writesInWindow(
  opening: TableCounters | undefined,
  laterReads: (TableCounters | undefined)[],
  statsResetChanged = false
): WindowWrites | null {
  const reads = laterReads.filter((read): read is TableCounters => read !== undefined)
  if (!opening || reads.length === 0 || statsResetChanged) return null
  let previous = opening
  let rewritten = false
  for (const read of reads) {
    if (opening.relfilenode !== undefined && read.relfilenode !== undefined)
      rewritten ||= read.relfilenode !== opening.relfilenode
    if (
      read.inserted < previous.inserted ||
      read.deleted < previous.deleted ||
      read.updated < previous.updated
    ) {
      return null
    }
    previous = read
  }
  return {
    inserted: previous.inserted - opening.inserted,
    deleted: previous.deleted - opening.deleted,
    updated: previous.updated - opening.updated,
    ...(rewritten ? { rewritten } : {})
  }
}

export interface CountInput {
  /** B: the source count before the capture. */
  before: number
  /** A: the source count after the capture; null when the table left the source in between. */
  after: number | null
  /** The restored count; null when the table is missing from the restore. */
  restored: number | null
  writes: WindowWrites | null
  backupMode: BackupMode
  /** The copy was made between the before and after reads (see windowWatched); default: a capture or a fork. */
  watched?: boolean
}

export interface CountJudgement {
  min: number
  max: number
  status: TableStatus
  /** Why the bound is what it is (set whenever the table moved or the bound is not exact). */
  note?: string
  /** A finding to raise, if any. */
  finding?: { severity: 'mismatch' | 'warning'; message: string }
}

/** The expected range of the restored count, and whether the restored count lies in it. */
export function judgeCount(input: CountInput): CountJudgement {
  const { before: b, after, restored, writes, backupMode } = input
  const watched = input.watched ?? (backupMode === 'capture' || backupMode === 'fork')
  const a = after ?? b
  let min: number
  let max: number
  let note: string | undefined
  let provable = true
  if (after === null) {
    min = Math.min(b, a)
    max = Math.max(b, a)
    provable = false
    note = `table left the source during the drill; only the before count (${b}) is known`
  } else if (writes === null) {
    min = Math.min(b, a)
    max = Math.max(b, a)
    provable = false
    note =
      `write counters were reset or unavailable during the window, so the writes are unknown; ` +
      `bound is the before/after counts ${formatCount(b)}..${formatCount(a)}`
  } else if (writes.rewritten) {
    min = 0
    max = b + writes.inserted
    note =
      `table was rewritten during the window (TRUNCATE, VACUUM FULL or CLUSTER; a TRUNCATE is not counted as deletes), ` +
      `so only an upper bound holds: ${formatCount(b)} rows before plus ${formatCount(writes.inserted)} inserts counted`
  } else {
    const { inserted: i, deleted: d } = writes
    const lo = Math.max(b - d, a - i, 0)
    const hi = Math.min(b + i, a + d)
    if (lo > hi) {
      min = Math.min(lo, hi)
      max = Math.max(lo, hi)
      note =
        `source went from ${formatCount(b)} to ${formatCount(a)} rows with only ${formatCount(i)} inserts and ${formatCount(d)} deletes counted: ` +
        `rows changed without being counted (TRUNCATE is not counted as deletes), so no restored count can be proven`
      const message = `${note}; restored ${restored === null ? 'nothing' : formatCount(restored)}`
      return {
        min,
        max,
        status: watched ? 'mismatch' : 'drift',
        note,
        finding: { severity: watched ? 'mismatch' : 'warning', message }
      }
    }
    min = lo
    max = hi
    if (i > 0 || d > 0 || b !== a) {
      note =
        `source had ${formatCount(b)} rows before and ${formatCount(a)} after ${WINDOW_OF[backupMode]}, with ${formatCount(i)} inserts and ${formatCount(d)} deletes counted ` +
        `in between: the restore must hold ${formatCount(min)}..${formatCount(max)}`
    }
  }
  const inBounds = restored !== null && restored >= min && restored <= max
  if (!watched && !inBounds) {
    const reason = unwatchedReason(backupMode)
    note = note ? `${note}; ${reason}` : reason
  }
  if (restored === null) {
    return {
      min,
      max,
      status: 'missing',
      note,
      finding: { severity: 'mismatch', message: 'table missing from the restore' }
    }
  }
  if (inBounds) {
    const exact =
      min === max && provable && (writes?.inserted ?? 0) === 0 && (writes?.deleted ?? 0) === 0
    return { min, max, status: exact ? 'match' : 'within-bounds', note }
  }
  const expected = min === max ? formatCount(min) : `${formatCount(min)}..${formatCount(max)}`
  const message =
    `restored ${formatCount(restored)} rows, expected ${expected}` + (note ? ` (${note})` : '')
  if (!provable || !watched) {
    return { min, max, status: 'drift', note, finding: { severity: 'warning', message } }
  }
  return { min, max, status: 'mismatch', note, finding: { severity: 'mismatch', message } }
}

function unwatchedReason(mode: BackupMode): string {
  if (mode === 'rollback')
    return 'the rollback copy is the source at its target time, and no earlier read of the source precedes that time'
  return `the backup (${mode === 'latest' ? 'latest' : 'chosen by ID'}) predates the source snapshot`
}

/** What the before and after reads are around, in words. */
const WINDOW_OF: Record<BackupMode, string> = {
  capture: 'the capture',
  latest: 'the capture',
  id: 'the capture',
  fork: 'the fork was asked for',
  rollback: 'the target time'
}
