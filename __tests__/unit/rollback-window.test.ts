// A rollback's copy predates the drill: an earlier drill's read of the same source, finished before
// the target time, opens the window that bounds its counts.
import { describe, expect, it } from '@jest/globals'
import type { SourceCounts } from '../../src/history/figures.js'
import { earlierRead, rollbackWindow } from '../../src/rules/rollback-window.js'
import { judgeCount, writesInWindow } from '../../src/verify/bounds.js'
import type { SourceSnapshot, TableCount } from '../../src/verify/types.js'

const read = (finishedAt: string, addon = 'postgresql-shop-1'): SourceCounts => ({
  addon,
  takenAt: finishedAt,
  finishedAt,
  statsResetAt: null,
  tables: { 'public.orders': [100, 100, 0, 0, 16400], 'public.gone': [5, 5, 0, 0, 16500] }
})
const figures = (counts: SourceCounts) => ({
  v: 1 as const,
  time: counts.takenAt,
  app: 'shop',
  outcome: 'passed' as const,
  backupId: null,
  backupBytes: null,
  restoreSeconds: 10,
  drillSeconds: 20,
  tables: null,
  totalRows: null,
  sourceCounts: counts
})
const table = (name: string, rows: number, inserted: number, relfilenode: number): TableCount => ({
  table: `public.${name}`,
  schema: 'public',
  name,
  rows,
  inserted,
  deleted: 0,
  updated: 0,
  relfilenode
})
const current: SourceSnapshot = {
  schema: [],
  extensions: [],
  databaseBytes: 1,
  largeObjects: { inserted: 1, deleted: 0, updated: 0 },
  counts: {
    takenAt: '2026-12-02T12:00:00.000Z',
    statsResetAt: null,
    tables: [table('orders', 130, 130, 16400), table('fresh', 7, 7, 16600)]
  }
}

describe('earlierRead', () => {
  it('takes the newest read of the same source that finished by the target time', () => {
    const history = {
      source: 'file' as const,
      earlier: [
        figures(read('2026-12-02T11:50:00.000Z')),
        figures(read('2026-12-02T09:00:00.000Z')),
        figures(read('2026-12-02T10:00:00.000Z', 'postgresql-other-9')),
        figures(read('2026-12-01T09:00:00.000Z'))
      ]
    }
    expect(
      earlierRead(history, 'postgresql-shop-1', new Date('2026-12-02T11:30:00Z'))?.finishedAt
    ).toBe('2026-12-02T09:00:00.000Z')
    expect(earlierRead(history, 'postgresql-shop-1', new Date('2026-12-01T08:00:00Z'))).toBeNull()
    expect(earlierRead(undefined, 'postgresql-shop-1', new Date())).toBeNull()
  })
})

describe('rollbackWindow', () => {
  const window = rollbackWindow(read('2026-12-02T09:00:00.000Z'), current)
  const byName = new Map(window.before.counts.tables.map((t) => [t.table, t]))

  it('puts the earlier read in as the before counts, the drill read closing the window', () => {
    expect(window.readAt).toBe('2026-12-02T09:00:00.000Z')
    expect(byName.get('public.orders')).toMatchObject({
      rows: 100,
      inserted: 100,
      relfilenode: 16400,
      countersAfterCount: { inserted: 130, relfilenode: 16400 }
    })
    // Large objects were not read then: never judged as quiet.
    expect(window.before.largeObjects).toBeUndefined()
  })

  it('a table created since counts from zero as rewritten: only the upper bound holds', () => {
    const fresh = byName.get('public.fresh')!
    expect(fresh).toMatchObject({ rows: 0, inserted: 0, relfilenode: -1 })
    const writes = writesInWindow({ ...fresh, updated: 0 }, [fresh.countersAfterCount])
    expect(writes?.rewritten).toBe(true)
    const judged = judgeCount({
      before: 0,
      after: 7,
      restored: 3,
      writes,
      backupMode: 'rollback',
      watched: true
    })
    expect(judged).toMatchObject({ min: 0, max: 7, status: 'within-bounds' })
  })

  it('bounds a count at the target: rows lost from the copy fail, a table dropped since is drift', () => {
    const orders = byName.get('public.orders')!
    const writes = writesInWindow({ ...orders, updated: 0 }, [orders.countersAfterCount])
    const judge = (restored: number) =>
      judgeCount({
        before: 100,
        after: 130,
        restored,
        writes,
        backupMode: 'rollback',
        watched: true
      })
    expect(judge(115).status).toBe('within-bounds')
    expect(judge(95).status).toBe('mismatch')
    expect(byName.get('public.gone')).toMatchObject({ rows: 5 })
    expect(byName.get('public.gone')?.countersAfterCount).toBeUndefined()
  })
})
