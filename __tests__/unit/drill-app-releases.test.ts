// drill-app: NAME (an app the team already runs): every add-on attach, config var change and detach
// there is a release that restarts its dynos. The report counts them from what the drill did, and
// the summary says so; auto (an empty app, deleted) and same (its own note) do not.
import { describe, expect, it } from '@jest/globals'
import { runDrill } from '../../src/drill/run.js'
import type { DrillConfig } from '../../src/config.js'
import { buildReport } from '../../src/report/build.js'
import { renderSummary } from '../../src/report/summary.js'
import { drillConfig, fakeRuntime, type FakeOptions } from '../fakes/fake-heroku.js'

async function drill(over: Partial<DrillConfig>, options: FakeOptions = {}) {
  const run = fakeRuntime(drillConfig(over), options)
  run.heroku.apps.set('team-drills', new Date(Date.now() - 86400_000 * 30).toISOString())
  const facts = await runDrill(run.runtime)
  const report = buildReport(run.runtime.config, facts, (t) => t)
  return { report, summary: renderSummary(report) }
}

const NAMED = { drillApp: { mode: 'named' as const, name: 'team-drills' } }

describe('releases on a named drill app', () => {
  it('a drill: attach, the config var set when ready, detach: three releases, said in the summary', async () => {
    const { report, summary } = await drill(NAMED)
    expect(report.outcome).toBe('passed')
    expect(report.drillApp?.releases).toEqual([
      'attach RESTORE_DRILL (the add-on created)',
      'RESTORE_DRILL_URL set (the add-on ready)',
      'detach RESTORE_DRILL (the add-on destroyed)'
    ])
    expect(summary).toContain(
      'drill-app team-drills: the drill made 3 releases on team-drills, each restarting its dynos: attach RESTORE_DRILL (the add-on created), RESTORE_DRILL_URL set (the add-on ready), detach RESTORE_DRILL (the add-on destroyed). shop got no release and no restart.'
    )
    // The report's fields others rely on are as they were.
    expect(Object.keys(report.timings)).toContain('drillSeconds')
    expect(report.drillApp).toMatchObject({ name: 'team-drills', mode: 'named', deleted: false })
  })

  it('a kept copy stays attached: two releases so far, and destroying it is one more', async () => {
    const { report, summary } = await drill({ ...NAMED, keepDatabase: true })
    expect(report.drillApp?.releases).toHaveLength(2)
    expect(summary).toContain('the drill made 2 releases on team-drills')
    expect(summary).toContain('destroying it later is one more release')
  })

  it('a create Heroku refused: nothing made there, no release', async () => {
    const { report, summary } = await drill(NAMED, { fail: 'createAddon' })
    expect(report.outcome).toBe('error')
    expect(report.drillApp?.releases).toEqual([])
    expect(summary).toContain('drill-app team-drills: the drill made no release on team-drills')
  })

  it.each([
    ['auto', { mode: 'auto' as const }],
    ['same', { mode: 'same' as const }]
  ])('drill-app: %s: no such sentence, no such field', async (_, drillApp) => {
    const { report, summary } = await drill({ drillApp })
    expect(report.drillApp?.releases).toBeUndefined()
    expect(summary).not.toMatch(/releases? on /)
  })
})
