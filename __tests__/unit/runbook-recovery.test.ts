// The runbook after a fork or rollback drill: the Continuous Protection commands only when the drill
// proved the path, a kept copy promoted first, and never a command that relies on an unproven copy.
import { describe, expect, it } from '@jest/globals'
import type { DrillReport } from '../../src/report/model.js'
import { comparedText, runbookSections } from '../../src/report/runbook.js'
import { renderSummary } from '../../src/report/summary.js'
import { failedReport, passedReport } from '../fakes/report-fixture.js'

function recovered(
  base: DrillReport,
  method: 'fork' | 'rollback',
  readBefore: string | null = null
): DrillReport {
  return {
    ...base,
    method,
    backup: null,
    recovery: {
      method,
      sourceAddon: base.source.addonName,
      targetTime: method === 'rollback' ? '2026-12-02T10:00:00Z' : null,
      earliest: '2026-11-29T10:00:00Z',
      readySeconds: 431,
      ...(method === 'rollback' ? { readBefore } : {})
    }
  }
}

describe('runbook after a fork or rollback', () => {
  it('a verified fork: fork the database onto a fresh add-on and promote it, with the time just measured', () => {
    const [section, ...rest] = runbookSections(recovered(passedReport(), 'fork'))
    expect(rest).toEqual([])
    expect(section.id).toBe('recover')
    expect(section.commands[0]).toBe(
      'heroku addons:create heroku-postgresql:standard-0 --app my-app --as EMERGENCY_RESTORE -- --fork my-app::DATABASE_URL'
    )
    expect(section.commands).toContain('heroku pg:promote EMERGENCY_RESTORE_URL --app my-app')
    expect(section.explanation).toContain('ready in 7m 11s')
  })

  it('a rollback that failed verification: where to look, no create or promote command', () => {
    const sections = runbookSections(recovered(failedReport(), 'rollback'))
    expect(sections.map((s) => s.id)).toEqual(['inspect'])
    const commands = sections.flatMap((s) => s.commands).join('\n')
    expect(commands).not.toMatch(/addons:create|pg:promote/)
    expect(commands).toContain('heroku pg:info DATABASE_URL --app my-app')
  })

  it('a kept, verified copy on the drill app is attached to the app before it is promoted', () => {
    const report = recovered(passedReport(), 'rollback', '2026-12-01T02:00:00Z')
    report.cleanup.kept = {
      addonName: 'restore-drill-my-app-9-1-ab12',
      attachment: 'RESTORE_DRILL'
    }
    const [kept] = runbookSections(report)
    expect(kept.id).toBe('kept-addon')
    expect(kept.explanation).toContain('the source as it was at 2026-12-02T10:00:00Z')
    expect(kept.commands[0]).toBe(
      'heroku addons:attach restore-drill-my-app-9-1-ab12 --app my-app --as EMERGENCY_RESTORE'
    )
  })

  it("says when a rollback's counts were drift, and what bounded them otherwise", () => {
    const unbounded = recovered(passedReport(), 'rollback')
    expect(comparedText(unbounded)).toContain(
      'row counts (as drift: no earlier read before the target)'
    )
    expect(renderSummary(unbounded)).toContain(
      'no earlier drill read the source before the target time'
    )
    const bounded = recovered(passedReport(), 'rollback', '2026-12-01T02:00:00Z')
    expect(comparedText(bounded)).not.toContain('as drift')
    expect(renderSummary(bounded)).toContain(
      'between the read of the drill of 2026-12-01 02:00:00 UTC (before the target) and now'
    )
  })
})
