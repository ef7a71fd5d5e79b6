// A copy kept with keep-database lives on the app it was created on: a drill app (auto or a named
// one) or, with drill-app: same, the production app. Every command about the copy (inspect it,
// attach and promote it, stop its billing) names that app; the promote commands name production.
import { describe, expect, it } from '@jest/globals'
import { runDrill } from '../../src/drill/run.js'
import type { DrillConfig } from '../../src/config.js'
import { buildReport } from '../../src/report/build.js'
import { interruptedReport } from '../../src/report/interrupted.js'
import type { DrillReport } from '../../src/report/model.js'
import { runbookCommands } from '../../src/report/runbook.js'
import { renderSummary } from '../../src/report/summary.js'
import { emptyCleanup } from '../../src/steps/cleanup.js'
import { drillConfig, fakeRuntime } from '../fakes/fake-heroku.js'
import { failedReport, passedReport } from '../fakes/report-fixture.js'

async function keptDrill(drillApp: DrillConfig['drillApp']): Promise<DrillReport> {
  const run = fakeRuntime(drillConfig({ keepDatabase: true, drillApp }))
  run.heroku.apps.set('team-drills', new Date(Date.now() - 86400_000 * 30).toISOString())
  const facts = await runDrill(run.runtime)
  return buildReport(run.runtime.config, facts, (t) => t)
}

/** The commands that act on the kept copy itself (not the restore paths of production). */
function copyCommands(report: DrillReport): string[] {
  const kept = report.cleanup.kept!.addonName
  return runbookCommands(report).filter(
    (c) => !c.startsWith('#') && (c.includes(kept) || /pg:psql|apps:destroy/.test(c))
  )
}

describe('the commands for a kept copy name the app it lives on', () => {
  it('drill-app: NAME: attached from team-drills to production, destroyed on team-drills', async () => {
    const report = await keptDrill({ mode: 'named', name: 'team-drills' })
    expect(report.outcome).toBe('passed')
    expect(report.cleanup.kept?.app).toBe('team-drills')
    const kept = report.cleanup.kept!.addonName
    expect(copyCommands(report)).toEqual([
      `heroku addons:attach ${kept} --app shop --as VERIFIED_RESTORE`,
      `heroku addons:destroy ${kept} --app team-drills --confirm team-drills`
    ])
  })

  it('drill-app: auto: the drill app holds only the copy, so deleting it stops the billing', async () => {
    const report = await keptDrill({ mode: 'auto' })
    const app = report.cleanup.kept!.app!
    expect(app).toMatch(/^restore-drill-shop-/)
    expect(copyCommands(report)).toContainEqual(`heroku apps:destroy ${app} --confirm ${app}`)
  })

  it('drill-app: same: the copy is on production, promoted where it is attached', async () => {
    const report = await keptDrill({ mode: 'same' })
    const kept = report.cleanup.kept!.addonName
    expect(report.cleanup.kept?.app).toBe('shop')
    expect(runbookCommands(report)).toContain('heroku pg:promote RESTORE_DRILL_URL --app shop')
    expect(copyCommands(report)).toEqual([
      `heroku addons:destroy ${kept} --app shop --confirm shop`
    ])
  })

  it("the post step's report of a kept copy on a named drill app: inspect and destroy it there", () => {
    const cleanup = {
      ...emptyCleanup(),
      kept: { addonName: 'restore-kept-shop-7-1-ab12', attachment: 'RESTORE_DRILL' }
    }
    const saved = {
      version: 1 as const,
      app: 'shop',
      keep: true,
      phase: 'report',
      created: { id: 'a-1', name: 'restore-kept-shop-7-1-ab12', app: 'team-drills' }
    }
    const report = interruptedReport(saved, cleanup, new Date(), (t) => t)
    expect(report.cleanup.kept?.app).toBe('team-drills')
    expect(report.runbook.commands).toEqual([
      '# Inspect the restored copy kept by this run',
      'heroku pg:psql RESTORE_DRILL_URL --app team-drills',
      'heroku addons:destroy restore-kept-shop-7-1-ab12 --app team-drills --confirm team-drills'
    ])
  })

  it('a report that says where the copy lives is believed over the drill app it names', () => {
    const report = passedReport()
    report.drillApp = null
    report.cleanup.destroyed = []
    report.cleanup.kept = {
      addonName: 'restore-kept-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL',
      app: 'team-drills'
    }
    expect(runbookCommands(report)).toContain(
      'heroku addons:destroy restore-kept-my-app-99-1-ab12 --app team-drills --confirm team-drills'
    )
    expect(runbookCommands(report).filter((c) => /destroy.*--app my-app/.test(c))).toEqual([])
  })

  it('a kept fork that failed verification: inspect and destroy it on its drill app, never promote', () => {
    const report: DrillReport = {
      ...failedReport(),
      method: 'fork',
      backup: null,
      recovery: {
        method: 'fork',
        sourceAddon: 'postgresql-shaped-12345',
        targetTime: null,
        earliest: null,
        readySeconds: 431
      },
      drillApp: { name: 'restore-drill-my-app-1a2b3c', mode: 'auto', deleted: false }
    }
    report.cleanup.destroyed = []
    report.cleanup.kept = {
      addonName: 'restore-kept-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL',
      app: 'restore-drill-my-app-1a2b3c'
    }
    const commands = runbookCommands(report)
    expect(commands).toContain('heroku pg:psql RESTORE_DRILL_URL --app restore-drill-my-app-1a2b3c')
    expect(commands).toContain(
      'heroku apps:destroy restore-drill-my-app-1a2b3c --confirm restore-drill-my-app-1a2b3c'
    )
    expect(commands.filter((c) => /pg:promote|addons:attach/.test(c))).toEqual([])
  })
})

describe('the summary says where the kept copy lives', () => {
  it('names the drill app beside the copy', () => {
    const report = passedReport()
    report.cleanup.destroyed = []
    report.cleanup.kept = {
      addonName: 'restore-kept-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL',
      app: 'team-drills'
    }
    expect(renderSummary(report)).toContain(
      '- **kept** `restore-kept-my-app-99-1-ab12` as `RESTORE_DRILL` on app `team-drills`: '
    )
  })
})
