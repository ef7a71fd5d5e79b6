// The comparison with earlier drills: the trend, and the regressions a user relies on being told.
import { describe, expect, it } from '@jest/globals'
import {
  compareWithHistory,
  historyFailures,
  type HistoryInput
} from '../../../src/history/compare.js'
import type { DrillFigures } from '../../../src/history/figures.js'

const NO_LIMITS = { maxRowDrop: null, maxRestoreMinutes: null }

function drill(day: number, over: Partial<DrillFigures> = {}): DrillFigures {
  return {
    v: 1,
    time: `2026-03-${String(day).padStart(2, '0')}T02:00:00.000Z`,
    app: 'shop',
    outcome: 'passed',
    backupId: `b${String(100 + day)}`,
    backupBytes: 10_000_000,
    restoreSeconds: 100,
    drillSeconds: 400,
    tables: { 'public.orders': 1000, 'public.users': 200 },
    totalRows: 1200,
    ...over
  }
}

/** Earlier drills are given newest first, as the history readers return them. */
function history(...earlier: DrillFigures[]): HistoryInput {
  return { source: 'file', earlier }
}

describe('compareWithHistory', () => {
  it('the first drill ever: no history yet, nothing flagged, the trend is this drill alone', () => {
    const c = compareWithHistory(drill(10), history(), NO_LIMITS)
    expect(c.notes).toEqual(['No history yet: this is the first drill of shop on record.'])
    expect(c.regressions).toEqual([])
    expect(c.trend).toHaveLength(1)
    expect(c.trend[0]).toMatchObject({ current: true, restoreSeconds: 100 })
  })

  it('the trend runs oldest first with this drill last', () => {
    const c = compareWithHistory(drill(10), history(drill(9), drill(8)), NO_LIMITS)
    expect(c.trend.map((p) => [p.time.slice(8, 10), p.current])).toEqual([
      ['08', false],
      ['09', false],
      ['10', true]
    ])
    expect(c.drills).toBe(2)
  })

  it('a restore more than 50 % slower than the median of recent drills is flagged with its figures', () => {
    const earlier = [
      drill(9, { restoreSeconds: 100 }),
      drill(8, { restoreSeconds: 90 }),
      drill(7, { restoreSeconds: 400 })
    ]
    const slow = compareWithHistory(
      drill(10, { restoreSeconds: 160 }),
      history(...earlier),
      NO_LIMITS
    )
    expect(slow.medianRestoreSeconds).toBe(100)
    expect(slow.regressions).toEqual([
      {
        kind: 'restore-slower',
        severity: 'warning',
        message: 'restore took 2m 40s, 60 % slower than the median 1m 40s of the last 3 drills'
      }
    ])
    const fine = compareWithHistory(
      drill(10, { restoreSeconds: 149 }),
      history(...earlier),
      NO_LIMITS
    )
    expect(fine.regressions).toEqual([])
  })

  it('a few seconds more on a tiny restore is noise, not a regression', () => {
    const c = compareWithHistory(
      drill(10, { restoreSeconds: 8 }),
      history(drill(9, { restoreSeconds: 2 })),
      NO_LIMITS
    )
    expect(c.regressions).toEqual([])
  })

  it('a restore over max-restore-minutes is flagged, but failed by the policy, not twice', () => {
    const c = compareWithHistory(
      drill(10, { restoreSeconds: 130 }),
      history(drill(9, { restoreSeconds: 120 })),
      {
        maxRowDrop: null,
        maxRestoreMinutes: 2
      }
    )
    expect(c.regressions.map((r) => [r.kind, r.severity])).toEqual([
      ['restore-over-limit', 'failure']
    ])
    expect(historyFailures(c)).toEqual([])
  })

  it('a backup or row total that dropped sharply since the last passing drill is a warning', () => {
    const base = drill(9)
    const failedSince = drill(9, {
      time: '2026-03-09T12:00:00.000Z',
      outcome: 'failed',
      backupBytes: 1,
      totalRows: 1
    })
    const c = compareWithHistory(
      drill(10, {
        backupBytes: 4_000_000,
        totalRows: 600,
        tables: { 'public.orders': 500, 'public.users': 100 }
      }),
      history(failedSince, base),
      NO_LIMITS
    )
    expect(c.baseline).toEqual({ time: base.time, backupId: 'b109' })
    const kinds = c.regressions.map((r) => r.kind)
    expect(kinds).toEqual(['backup-shrank', 'rows-dropped'])
    expect(c.regressions[0].message).toMatch(/b110 is 4\.0 MB, 60 % smaller than b109 \(10 MB\)/)
    expect(c.regressions[1].message).toMatch(/source rows fell from 1,200 to 600 \(50 % fewer\)/)
  })

  it('a table that lost more than half its rows is a warning naming it; with max-row-drop it fails', () => {
    const current = drill(10, {
      tables: { 'public.orders': 400, 'public.users': 200 },
      totalRows: 600
    })
    const warned = compareWithHistory(current, history(drill(9)), NO_LIMITS)
    const table = warned.regressions.find((r) => r.kind === 'table-rows-dropped')
    expect(table).toMatchObject({ table: 'public.orders', severity: 'warning' })
    expect(table?.message).toMatch(
      /^public\.orders lost 60 % of its rows since the last passing drill \(1,000 → 400/
    )
    expect(historyFailures(warned)).toEqual([])

    const failed = compareWithHistory(current, history(drill(9)), {
      maxRowDrop: 50,
      maxRestoreMinutes: null
    })
    expect(historyFailures(failed)).toEqual([
      expect.stringMatching(/public\.orders lost 60 %.*more than max-row-drop 50 %/)
    ])
    // A drop within max-row-drop is not flagged at all.
    const within = compareWithHistory(current, history(drill(9)), {
      maxRowDrop: 70,
      maxRestoreMinutes: null
    })
    expect(within.regressions.filter((r) => r.kind === 'table-rows-dropped')).toEqual([])
  })

  it('a new table and a table gone from the schema are noted, not flagged', () => {
    const c = compareWithHistory(
      drill(10, { tables: { 'public.orders': 1000, 'public.audit': 5 } }),
      history(drill(9)),
      NO_LIMITS
    )
    expect(c.regressions).toEqual([])
    expect(c.notes).toEqual([
      'New since the last passing drill: public.audit.',
      'Gone from the schema since the last passing drill (dropped on purpose?): public.users.'
    ])
  })

  it('without an earlier passing drill there is no baseline for rows', () => {
    const c = compareWithHistory(
      drill(10, { tables: { 'public.orders': 1 } }),
      history(drill(9, { outcome: 'failed' })),
      NO_LIMITS
    )
    expect(c.baseline).toBeNull()
    expect(c.regressions).toEqual([])
    expect(c.notes[0]).toMatch(/None of the 1 earlier drill passed/)
  })

  it('an unreadable history is told, and nothing is compared', () => {
    const c = compareWithHistory(
      drill(10),
      { source: 'artifacts', earlier: [], problem: 'the GitHub API answered 403' },
      NO_LIMITS
    )
    expect(c.notes).toEqual(['History unavailable: the GitHub API answered 403'])
    expect(c.problem).toBe('the GitHub API answered 403')
  })
})

describe('recovery paths', () => {
  const fork = (day: number, seconds: number) =>
    drill(day, { method: 'fork', backupId: null, backupBytes: null, restoreSeconds: seconds })

  it('compares the median time to a usable copy of each path the app has drilled', () => {
    const c = compareWithHistory(
      fork(10, 900),
      history(drill(9, { restoreSeconds: 120 }), fork(8, 600), drill(7, { restoreSeconds: 100 })),
      NO_LIMITS
    )
    expect(c.notes).toContain(
      'Time to a usable copy by recovery path, median of the recent drills: logical backup (pg:backups restore) 1m 50s (2 drills); fork 12m 30s (2 drills).'
    )
    expect(c.trend.map((p) => p.method)).toEqual(['backup', 'fork', 'backup', 'fork'])
  })

  it('judges a restore slower only against drills of the same path', () => {
    // A fork of 15 minutes is not a regression of 100-second logical restores...
    const c = compareWithHistory(fork(10, 900), history(drill(9), drill(8), drill(7)), NO_LIMITS)
    expect(c.regressions).toEqual([])
    expect(c.medianRestoreSeconds).toBeNull()
    // ...but it is one of 5-minute forks.
    const slower = compareWithHistory(
      fork(10, 900),
      history(fork(9, 300), drill(8), fork(7, 300)),
      NO_LIMITS
    )
    expect(slower.regressions.map((r) => r.kind)).toEqual(['restore-slower'])
  })

  it('a history line without a method is a logical backup drill', () => {
    const c = compareWithHistory(drill(10), history(drill(9)), NO_LIMITS)
    expect(c.trend.map((p) => p.method)).toEqual(['backup', 'backup'])
    expect(c.notes.some((n) => n.startsWith('Time to a usable copy'))).toBe(false)
  })
})
