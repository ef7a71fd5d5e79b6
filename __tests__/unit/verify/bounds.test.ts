// Count bounds (pure): exact when quiet, sound under writes, honest when counters cannot be trusted.
import { describe, expect, test } from '@jest/globals'
import { judgeCount, writesInWindow } from '../../../src/verify/bounds.js'

const w = (inserted: number, deleted: number, updated = 0) => ({ inserted, deleted, updated })

describe('writesInWindow', () => {
  test('is the delta from the opening read to the latest read', () => {
    expect(writesInWindow(w(10, 2), [w(12, 3), w(15, 4, 1)])).toEqual(w(5, 2, 1))
  })
  test('skips reads that are missing, and widens with later reads', () => {
    expect(writesInWindow(w(10, 2), [undefined, w(11, 2)])).toEqual(w(1, 0))
  })
  test('is null when a counter went backwards (statistics reset) or the reset time changed', () => {
    expect(writesInWindow(w(10, 2), [w(3, 0)])).toBeNull()
    expect(writesInWindow(w(10, 2), [w(12, 3), w(11, 3)])).toBeNull()
    expect(writesInWindow(w(10, 2), [w(12, 3)], true)).toBeNull()
  })
  test('is null without an opening or any closing read', () => {
    expect(writesInWindow(undefined, [w(1, 1)])).toBeNull()
    expect(writesInWindow(w(1, 1), [undefined])).toBeNull()
  })
})

describe('judgeCount', () => {
  const capture = { backupMode: 'capture' as const }

  test('a quiet table must restore exactly', () => {
    expect(
      judgeCount({ before: 100, after: 100, restored: 100, writes: w(0, 0), ...capture })
    ).toMatchObject({
      min: 100,
      max: 100,
      status: 'match'
    })
    const missingRow = judgeCount({
      before: 100,
      after: 100,
      restored: 99,
      writes: w(0, 0),
      ...capture
    })
    expect(missingRow).toMatchObject({ status: 'mismatch', finding: { severity: 'mismatch' } })
    expect(missingRow.finding?.message).toMatch(/restored 99 rows, expected 100/)
    expect(
      judgeCount({ before: 100, after: 100, restored: 101, writes: w(0, 0), ...capture }).status
    ).toBe('mismatch')
  })

  test('the bound is the intersection of the before side and the after side', () => {
    // B=100, A=105: 10 inserted, 5 deleted. Before side [95, 110], after side [95, 110].
    const j = judgeCount({ before: 100, after: 105, restored: 103, writes: w(10, 5), ...capture })
    expect(j).toMatchObject({ min: 95, max: 110, status: 'within-bounds' })
    expect(j.note).toMatch(/100 rows before and 105 after.*10 inserts and 5 deletes.*95\.\.110/)
    // Only inserts: B=100, A=110, I=10: exactly [100, 110].
    expect(
      judgeCount({ before: 100, after: 110, restored: 100, writes: w(10, 0), ...capture })
    ).toMatchObject({ min: 100, max: 110 })
    expect(
      judgeCount({ before: 100, after: 110, restored: 99, writes: w(10, 0), ...capture }).status
    ).toBe('mismatch')
    expect(
      judgeCount({ before: 100, after: 110, restored: 111, writes: w(10, 0), ...capture }).status
    ).toBe('mismatch')
    // Late counter read that also saw writes after the after-count only widens: B=100, A=110, I=25, D=3.
    expect(
      judgeCount({ before: 100, after: 110, restored: 97, writes: w(25, 3), ...capture })
    ).toMatchObject({
      min: 97,
      max: 113,
      status: 'within-bounds'
    })
  })

  test('is sound: every restored count a real history can produce lies inside the bound', () => {
    // Brute force small histories: B rows, then a sequence of inserts/deletes; the dump sees a prefix.
    for (let b = 0; b <= 3; b++) {
      for (let mask = 0; mask < 1 << 6; mask++) {
        const ops = Array.from({ length: 6 }, (_, i) => ((mask >> i) & 1 ? 1 : -1))
        let rows = b
        const history = [b]
        const applied: number[] = []
        for (const op of ops) {
          if (op < 0 && rows === 0) continue
          rows += op
          applied.push(op)
          history.push(rows)
        }
        const inserted = applied.filter((op) => op > 0).length
        const deleted = applied.length - inserted
        for (const restored of history) {
          const j = judgeCount({
            before: b,
            after: rows,
            restored,
            writes: w(inserted, deleted),
            ...capture
          })
          expect(j.finding).toBeUndefined()
        }
      }
    }
  })

  test('TRUNCATE (not counted as deletes) makes the bound empty: reported honestly as a mismatch', () => {
    const j = judgeCount({ before: 100, after: 0, restored: 100, writes: w(0, 0), ...capture })
    expect(j.status).toBe('mismatch')
    expect(j.note).toMatch(/TRUNCATE is not counted/)
  })

  test('an uncounted change without a rewrite (e.g. an unflushed COPY) stays an honest mismatch', () => {
    const writes = writesInWindow({ inserted: 0, updated: 0, deleted: 0, relfilenode: 7 }, [
      { inserted: 0, updated: 0, deleted: 0, relfilenode: 7 }
    ])
    expect(writes?.rewritten).toBeUndefined()
    expect(judgeCount({ before: 100, after: 0, restored: 100, writes, ...capture }).status).toBe(
      'mismatch'
    )
  })

  test('a rewritten table (new relfilenode: TRUNCATE and refill) is bounded by [0, before + inserts]', () => {
    const writes = writesInWindow({ inserted: 100, updated: 0, deleted: 0, relfilenode: 7 }, [
      { inserted: 100, updated: 0, deleted: 0, relfilenode: 9 },
      { inserted: 130, updated: 0, deleted: 0, relfilenode: 9 }
    ])
    expect(writes).toEqual({ inserted: 30, updated: 0, deleted: 0, rewritten: true })
    // Truncated before the dump (0 or the refill) or after it (all 100): all healthy.
    for (const restored of [0, 30, 100, 130]) {
      const j = judgeCount({ before: 100, after: 30, restored, writes, ...capture })
      expect(j).toMatchObject({ min: 0, max: 130, status: 'within-bounds' })
      expect(j.finding).toBeUndefined()
    }
    expect(judgeCount({ before: 100, after: 30, restored: 131, writes, ...capture })).toMatchObject(
      {
        status: 'mismatch'
      }
    )
    expect(
      judgeCount({ before: 100, after: 30, restored: null, writes, ...capture })
    ).toMatchObject({
      status: 'missing'
    })
  })

  test('reset counters: accepted between the before and after counts, drift (a warning) outside', () => {
    expect(
      judgeCount({ before: 100, after: 120, restored: 110, writes: null, ...capture })
    ).toMatchObject({
      status: 'within-bounds',
      min: 100,
      max: 120
    })
    const outside = judgeCount({ before: 100, after: 120, restored: 90, writes: null, ...capture })
    expect(outside).toMatchObject({ status: 'drift', finding: { severity: 'warning' } })
    expect(outside.note).toMatch(/reset or unavailable/)
  })

  test('a table missing from the restore is a mismatch in every mode', () => {
    expect(
      judgeCount({ before: 5, after: 5, restored: null, writes: w(0, 0), ...capture })
    ).toMatchObject({
      status: 'missing',
      finding: { severity: 'mismatch' }
    })
    expect(
      judgeCount({ before: 5, after: 5, restored: null, writes: w(0, 0), backupMode: 'latest' })
        .status
    ).toBe('missing')
  })

  test('with backup latest or an ID, out of bound is drift; in bound still passes', () => {
    const j = judgeCount({
      before: 100,
      after: 100,
      restored: 90,
      writes: w(0, 0),
      backupMode: 'id'
    })
    expect(j).toMatchObject({ status: 'drift', finding: { severity: 'warning' } })
    expect(j.note).toMatch(/predates the source snapshot/)
    expect(
      judgeCount({ before: 100, after: 100, restored: 100, writes: w(0, 0), backupMode: 'latest' })
        .status
    ).toBe('match')
  })

  test('a table dropped from the source during the window is drift, not mismatch', () => {
    expect(
      judgeCount({ before: 10, after: null, restored: 7, writes: null, ...capture }).status
    ).toBe('drift')
  })
})
