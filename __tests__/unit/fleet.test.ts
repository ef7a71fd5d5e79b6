// The fleet's pure parts: which apps and add-ons make the matrix, the matrix read back, the rate
// budget, the join of matrix and reports, and the two summaries (escaped, links, missing named).
import { describe, expect, it } from '@jest/globals'
import { judgeFleet, type FoundReport } from '../../src/fleet/judge.js'
import {
  appLeftOut,
  attachmentOf,
  attachmentKey,
  matchesPattern,
  matrixJson,
  parseAppPatterns,
  parseMatrix,
  suggestMethod,
  type FleetDatabase,
  type MatrixEntry
} from '../../src/fleet/matrix.js'
import { drillRequests, parseShare, pollsForWait, rateBudget } from '../../src/fleet/rate.js'
import {
  fleetVerdict,
  jobFor,
  renderDiscover,
  renderFleet,
  renderFleetText,
  trendText
} from '../../src/fleet/render.js'
import type { DrillReport } from '../../src/report/model.js'
import { failedReport, passedReport } from '../fakes/report-fixture.js'

function entry(app: string, database = 'DATABASE_URL'): MatrixEntry {
  return { app, database, plan: 'essential-0', tier: 'essential', method: 'backup' }
}

function reportOf(base: DrillReport, app: string, extra: Partial<DrillReport> = {}): FoundReport {
  return { artifact: `restore-drill-${app}`, report: { ...base, app, ...extra } }
}

describe('which apps and databases make the fleet', () => {
  it('patterns match whole names, * any run of name characters', () => {
    expect(matchesPattern('billing-*', 'billing-api')).toBe(true)
    expect(matchesPattern('billing-*', 'old-billing-api')).toBe(false)
    expect(matchesPattern('shop', 'shop-staging')).toBe(false)
    expect(matchesPattern('*-staging', 'shop-staging')).toBe(true)
  })

  it('apps and exclude are lists; a bad pattern is named with an example', () => {
    expect(parseAppPatterns('apps', ' billing-*, shop\nreports ')).toEqual([
      'billing-*',
      'shop',
      'reports'
    ])
    expect(parseAppPatterns('apps', '')).toEqual([])
    expect(() => parseAppPatterns('exclude', 'shop.prod')).toThrow(
      /exclude: "shop.prod" is not an app name or pattern.*example/
    )
  })

  it('the drill apps of this action are never in the fleet, whatever the patterns say', () => {
    const all = { include: ['*'], exclude: [] }
    expect(appLeftOut('restore-drill-shop-0a1b2c', all)).toBe('a drill app of this action')
    expect(appLeftOut('shop', all)).toBeNull()
    expect(appLeftOut('shop', { include: ['billing-*'], exclude: [] })).toBe('not in apps')
    expect(appLeftOut('shop', { include: [], exclude: ['sh*'] })).toBe('excluded')
  })

  it('a database is named by DATABASE when it holds it, else its first plain attachment', () => {
    const att = (name: string, id: string, namespace: string | null = null) => ({
      name,
      namespace,
      addon: { id }
    })
    const list = [
      att('HEROKU_POSTGRESQL_CYAN', 'a'),
      att('DATABASE', 'a'),
      att('HEROKU_POSTGRESQL_BLUE', 'b'),
      att('DATABASE_CONNECTION_POOL', 'b', 'connection-pooling:default')
    ]
    expect(attachmentOf('a', list)).toBe('DATABASE')
    expect(attachmentOf('b', list)).toBe('HEROKU_POSTGRESQL_BLUE')
    expect(attachmentOf('c', list)).toBeNull()
  })

  it('suggests fork where a logical backup cannot do the job, backup everywhere else', () => {
    expect(suggestMethod('heroku-postgresql:essential-0', 50e9).method).toBe('backup')
    expect(suggestMethod('standard-0', 1e9).method).toBe('backup')
    expect(suggestMethod('standard-0', 30e9)).toEqual({
      method: 'fork',
      note: 'above the 20 GB guidance for logical backups'
    })
    expect(suggestMethod('shield-0', 1e9).method).toBe('fork')
    expect(suggestMethod('private-0', 1e9)).toEqual({
      method: 'backup',
      note: expect.stringContaining('private-network: true')
    })
  })
})

describe('the matrix as JSON', () => {
  it('is the five fields of each entry, in app order, and reads back the same', () => {
    const db: FleetDatabase = {
      ...entry('zeta'),
      addonName: 'postgresql-x',
      team: null,
      newestBackup: null,
      note: 'n'
    }
    const json = matrixJson([db, entry('alpha')])
    expect(JSON.parse(json)).toEqual([entry('alpha'), entry('zeta')])
    expect(parseMatrix(json)).toEqual([entry('alpha'), entry('zeta')])
    expect(parseMatrix(JSON.stringify({ include: [{ app: 'a' }] }))).toEqual([
      { app: 'a', database: 'DATABASE_URL', plan: '', tier: '', method: 'backup' }
    ])
  })

  it('a matrix that is not one fails with a line saying what to pass', () => {
    expect(() => parseMatrix('')).toThrow(/matrix: not JSON.*needs.discover.outputs.matrix/)
    expect(() => parseMatrix('[{"database":"DATABASE_URL"}]')).toThrow(/entry 1 has no app/)
    expect(() => parseMatrix('{"x":1}')).toThrow(/expected a JSON array/)
  })

  it('an attachment is the same however it is written', () => {
    expect(attachmentKey('DATABASE_URL')).toBe('DATABASE')
    expect(attachmentKey('database')).toBe('DATABASE')
    expect(attachmentKey('HEROKU_POSTGRESQL_CYAN_URL')).toBe('HEROKU_POSTGRESQL_CYAN')
  })
})

describe('the rate budget', () => {
  it('counts the polls of a wait under the drill poll policy (about 100 in an hour)', () => {
    expect(pollsForWait(0)).toBe(0)
    expect(pollsForWait(3600)).toBeGreaterThan(60)
    expect(pollsForWait(3600)).toBeLessThanOrEqual(100)
    expect(drillRequests('fork')).toBeLessThan(drillRequests('backup'))
  })

  it('a fleet within the share needs no limit; a larger one gets a max-parallel within it', () => {
    expect(rateBudget(['backup', 'backup'], 50).maxParallel).toBeNull()
    const big = rateBudget(Array(100).fill('backup'), 50)
    expect(big.budgetPerHour).toBe(2250)
    expect(big.maxParallel).toBeGreaterThanOrEqual(1)
    expect(big.maxParallel! * big.perSlotPerHour).toBeLessThanOrEqual(2250)
    expect((big.maxParallel! + 1) * big.perSlotPerHour).toBeGreaterThan(2250)
  })

  it('rate-limit-share is a percentage', () => {
    expect(parseShare('25%')).toBe(25)
    expect(() => parseShare('0')).toThrow(/rate-limit-share: "0" is not a percentage/)
    expect(() => parseShare('half')).toThrow(/example: 50/)
  })
})

describe('the fleet judged from the matrix and the reports', () => {
  const matrix = [entry('billing'), entry('shop'), entry('reports'), entry('ledger')]

  it('names the failed drill, counts the passes, and a database without a report is missing', () => {
    const found = [
      reportOf(passedReport(), 'billing'),
      reportOf(failedReport(), 'shop'),
      reportOf(passedReport(), 'reports')
    ]
    const j = judgeFleet(matrix, found)
    expect(j.counts).toEqual({ passed: 2, failed: 1, missing: 1 })
    expect(j.rows.map((r) => [r.entry.app, r.status])).toEqual([
      ['billing', 'passed'],
      ['ledger', 'missing'],
      ['reports', 'passed'],
      ['shop', 'failed']
    ])
    const shop = j.rows.find((r) => r.entry.app === 'shop')!
    expect(shop.mismatches).toBeGreaterThan(0)
    const billing = j.rows.find((r) => r.entry.app === 'billing')!
    expect(billing.restoreSeconds).toBe(252)
    expect(billing.newestBackup).toEqual({ id: 'a041', ageSeconds: 86_000 })
    expect(fleetVerdict(j)).toBe('Fleet drill: 1 failed, 1 missing of 4 databases (2 passed)')
  })

  it('an error counts as failed; a report of another database is kept aside, not judged', () => {
    const error = reportOf(failedReport(), 'billing', { outcome: 'error' })
    const other = reportOf(passedReport(), 'billing', {
      settings: { ...passedReport().settings!, database: 'HEROKU_POSTGRESQL_CYAN_URL' }
    })
    const j = judgeFleet([entry('billing')], [error, other])
    expect(j.rows[0].status).toBe('error')
    expect(j.counts).toEqual({ passed: 0, failed: 1, missing: 0 })
    expect(j.unlisted).toEqual([other])
  })

  it('all passed says so', () => {
    const j = judgeFleet([entry('shop')], [reportOf(passedReport(), 'shop')])
    expect(fleetVerdict(j)).toBe('Fleet drill: all 1 database passed')
  })
})

describe('the fleet summaries', () => {
  it('the trend compares the restore time with the median of earlier drills', () => {
    expect(trendText(12, { medianSeconds: 10, earlierDrills: 5 })).toBe(
      '+20% vs 10s (median of 5 drills)'
    )
    expect(trendText(8, { medianSeconds: 10, earlierDrills: 1 })).toBe(
      '-20% vs 10s (median of 1 drill)'
    )
    expect(trendText(8, { medianSeconds: null, earlierDrills: 0 })).toBe('first drill')
    expect(trendText(8, null)).toBe('—')
  })

  it('links each database to its job, by app, then by database when an app has several', () => {
    const jobs = [
      { name: 'drill (shop, DATABASE_URL, essential-0, essential, backup)', url: 'https://x/1' },
      { name: 'drill (shop, HEROKU_POSTGRESQL_CYAN_URL, standard-0)', url: 'https://x/2' },
      { name: 'drill (shop-eu, DATABASE_URL)', url: 'https://x/3' }
    ]
    expect(jobFor(entry('shop'), jobs)?.url).toBe('https://x/1')
    expect(jobFor(entry('shop', 'HEROKU_POSTGRESQL_CYAN_URL'), jobs)?.url).toBe('https://x/2')
    expect(jobFor(entry('shop-eu'), jobs)?.url).toBe('https://x/3')
    expect(jobFor(entry('billing'), jobs)).toBeUndefined()
  })

  it('the fleet report names the failed and the missing, with links, and escapes what came from outside', () => {
    const hostile = reportOf(failedReport(), 'shop', {
      verdict: 'Failed: <img src=x> | table `x` lost rows see postgres://u:pw@host/db'
    })
    const j = judgeFleet([entry('shop'), entry('ledger')], [hostile])
    const md = renderFleet(j, {
      runUrl: 'https://github.com/o/r/actions/runs/9',
      jobs: [
        { name: 'drill (shop, DATABASE_URL)', url: 'https://github.com/o/r/actions/runs/9/job/1' }
      ]
    })
    expect(md).toMatch(/^## ❌ Fleet drill: 1 failed, 1 missing of 2 databases \(0 passed\)/)
    expect(md).toContain('[job](https://github.com/o/r/actions/runs/9/job/1)')
    expect(md).toContain('[run](https://github.com/o/r/actions/runs/9)')
    expect(md).toContain('### Missing')
    expect(md).toMatch(/\*\*ledger DATABASE\\?_URL\*\*: no report/)
    expect(md).not.toContain('<img')
    expect(md).not.toContain('pw@host')
    expect(md).toContain('&lt;img src=x&gt; \\| table \\`x\\`')
    const text = renderFleetText(j, { runUrl: null, jobs: [] })
    expect(text).toContain('FAILED: Fleet drill')
  })

  it('discover lists each database with its newest backup, flags an old one, and the rate limit', () => {
    const db = (app: string, ageSeconds: number | null): FleetDatabase => ({
      ...entry(app),
      addonName: `postgresql-${app}`,
      team: app === 'billing' ? 'acme' : null,
      newestBackup:
        ageSeconds === null ? null : { id: 'a001', finishedAt: '2026-12-01T02:00:00Z', ageSeconds }
    })
    const fleet = {
      databases: [db('billing', 3600), db('shop', 3 * 86400), db('reports', null)],
      skipped: [
        { app: 'ledger', addonName: 'postgresql-f', reason: 'a follower (read-only replica)' }
      ],
      appsSeen: 6,
      appsLeftOut: [{ app: 'restore-drill-shop-0a1b2c', reason: 'a drill app of this action' }],
      appsWithoutDatabase: ['empty']
    }
    const md = renderDiscover(fleet, rateBudget(['backup', 'backup', 'backup'], 50), 50)
    expect(md).toContain('### Heroku Postgres fleet: 3 databases to drill')
    expect(md).toMatch(
      /\| billing \| `DATABASE_URL` \| essential-0 \| acme \| `backup` \| `a001` \| 1h 0m \|/
    )
    expect(md).toMatch(/\| shop \| .* \| ⚠️ 3d 0h \(over 26h\) \|/)
    expect(md).toMatch(/\| reports \| .* \| none \| — \|/)
    expect(md).toContain('a follower (read-only replica)')
    expect(md).toContain('restore-drill-shop-0a1b2c: a drill app of this action')
    expect(md).toMatch(/A drill costs about \d+ Heroku API requests/)
    expect(md).toContain('within 50% (2,250 an hour)')
  })
})
