// verify-budget's pure planning and the coverage remembered over drills (no database).
import { describe, expect, test } from '@jest/globals'
import {
  beyondBudget,
  DEFAULT_PACE,
  estimateSeconds,
  fits,
  hashOrder,
  PaceMeter
} from '../../../src/verify/budget.js'
import {
  coverageLine,
  drillsAgo,
  nextCoverage,
  parseCoverage,
  type ContentCoverage
} from '../../../src/verify/coverage.js'

const tables = Array.from({ length: 40 }, (_, i) => ({
  table: `public.t${String(i).padStart(2, '0')}`,
  rows: (i + 1) * 1000
}))
const names = tables.map((t) => t.table)

describe('the hashing order', () => {
  test('never verified first, then the longest ago; recently verified last', () => {
    const ages = new Map([
      ['public.t00', 1],
      ['public.t01', 3],
      ['public.t02', 2]
    ])
    const order = hashOrder(tables, ages).map((t) => t.table)
    expect(order.slice(-3)).toEqual(['public.t01', 'public.t02', 'public.t00'])
    expect(order.slice(0, 37).every((t) => !ages.has(t))).toBe(true)
  })

  test('with no history the biggest tables are not all left to the end (nor all put first)', () => {
    const order = hashOrder(tables, new Map())
    const biggest = new Set(
      [...tables]
        .sort((a, b) => b.rows - a.rows)
        .slice(0, 10)
        .map((t) => t.table)
    )
    const positions = order.map((t, i) => (biggest.has(t.table) ? i : -1)).filter((i) => i >= 0)
    // Spread over the order: some in the first half, some in the second.
    expect(positions.some((i) => i < 20)).toBe(true)
    expect(positions.some((i) => i >= 20)).toBe(true)
    // Stable: the same tables give the same order.
    expect(hashOrder([...tables].reverse(), new Map())).toEqual(order)
  })
  test('with history, the biggest of one age first: a table passed over for its size is not passed over again', () => {
    // t00 was verified last drill; the rest were passed over (never verified).
    const order = hashOrder(tables, new Map([['public.t00', 1]])).map((t) => t.table)
    expect(order.slice(0, 3)).toEqual(['public.t39', 'public.t38', 'public.t37'])
    expect(order.at(-2)).toBe('public.t01')
    expect(order.at(-1)).toBe('public.t00')
  })
})

describe('what fits', () => {
  test('an estimate is the fixed part plus the rows at the pace', () => {
    expect(estimateSeconds(200_000, { fixedSeconds: 0.5, rowsPerSecond: 100_000 })).toBe(2.5)
    expect(fits(2, 7, 10)).toBe(true)
    expect(fits(2, 8.5, 10)).toBe(false)
  })

  test('a table longer than the whole budget is beyond any budget', () => {
    const pace = { fixedSeconds: 0, rowsPerSecond: 10_000 }
    expect(beyondBudget(tables, 3, pace).map((t) => t.table)).toEqual(
      names.filter((_, i) => (i + 1) * 1000 > 30_000)
    )
  })

  test('the pace is learned from what was hashed, the prior kept until enough was seen', () => {
    const meter = new PaceMeter(DEFAULT_PACE)
    meter.record(100, 0.001, 0.009)
    expect(meter.measured()).toBe(false)
    expect(meter.pace()).toEqual({ fixedSeconds: 0.009, rowsPerSecond: DEFAULT_PACE.rowsPerSecond })
    meter.record(50_000, 1, 0.011)
    meter.record(50_000, 0.999, 0.01)
    expect(meter.measured()).toBe(true)
    // The rows over the statements' time; the fixed part is the average of the rest.
    expect(meter.pace().fixedSeconds).toBeCloseTo(0.01, 6)
    expect(meter.pace().rowsPerSecond).toBeCloseTo(100_100 / 2.0, 6)
  })
})

describe('coverage over drills', () => {
  test('carried forward; the line counts this drill and names the oldest', () => {
    const first = nextCoverage(undefined, '2026-01-01T00:00:00Z', names.slice(0, 10), names)
    expect(first.drill).toBe(1)
    expect(coverageLine(first, names)).toBe(
      'contents of 10 of 40 tables this drill; 30 tables not verified yet (e.g. public.t10)'
    )
    let coverage: ContentCoverage = first
    for (let d = 1; d < 4; d++)
      coverage = nextCoverage(
        coverage,
        `2026-01-0${d + 1}T00:00:00Z`,
        names.slice(d * 10, d * 10 + 10),
        names
      )
    expect(coverage.drill).toBe(4)
    expect(coverageLine(coverage, names)).toBe(
      'contents of 10 of 40 tables this drill; every table within the last 4 drills; oldest: public.t00, 3 drills ago'
    )
    expect(coverage.tables['public.t05']).toEqual([1, '2026-01-01T00:00:00Z'])
    const ages = drillsAgo(coverage)
    expect(ages.get('public.t00')).toBe(4)
    expect(ages.get('public.t39')).toBe(1)
  })

  test('every table this drill: the line says just that; a dropped table is forgotten', () => {
    const all = nextCoverage(undefined, '2026-01-01T00:00:00Z', names, [...names, 'public.gone'])
    const next = nextCoverage(all, '2026-01-02T00:00:00Z', names, names)
    expect(coverageLine(next, names)).toBe('contents of 40 of 40 tables this drill')
    expect(Object.keys(nextCoverage(all, 'x', [], names).tables)).not.toContain('public.gone')
  })

  test('a history record is checked before it is believed', () => {
    const good = nextCoverage(undefined, '2026-01-01T00:00:00Z', ['public.a'], ['public.a'], 12345)
    expect(parseCoverage(JSON.parse(JSON.stringify(good)))).toEqual(good)
    expect(parseCoverage({ drill: 0, tables: {} })).toBeNull()
    expect(
      parseCoverage({ drill: 2, tables: { 'public.a': [3, '2026-01-01T00:00:00Z'] } })
    ).toBeNull()
    expect(parseCoverage({ drill: 2, tables: { 'public.a': [1, 'yesterday'] } })).toBeNull()
    expect(parseCoverage({ drill: 2, tables: {}, rowsPerSecond: -1 })).toBeNull()
  })
})
