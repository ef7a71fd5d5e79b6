// The History section of the job summary: a trend table always, a restore-time chart in Markdown,
// and the regressions named; the first drill says there is no history yet.
import { describe, expect, it } from '@jest/globals'
import { compareWithHistory } from '../../../src/history/compare.js'
import { figuresOfReport, type DrillFigures } from '../../../src/history/figures.js'
import { renderSummary, renderTerminal } from '../../../src/report/summary.js'
import { passedReport } from '../../fakes/report-fixture.js'

function earlier(day: number, restoreSeconds: number): DrillFigures {
  const f = figuresOfReport(passedReport())
  return { ...f, time: `2026-11-${day}T02:00:00.000Z`, backupId: `b0${day}`, restoreSeconds }
}

describe('History in the summary', () => {
  it('the first drill: no history yet, and a trend table of this drill alone', () => {
    const report = passedReport()
    report.history = compareWithHistory(
      figuresOfReport(report),
      { source: 'file', earlier: [] },
      { maxRowDrop: null, maxRestoreMinutes: null }
    )
    const md = renderSummary(report)
    expect(md).toContain('### History')
    expect(md).toContain('No history yet: this is the first drill of my-app on record.')
    expect(md).toMatch(/\| Drill \| Outcome \| Backup \| Size \| Restore \| Rows \| Drill time \|/)
    expect(md).toContain('(this drill)')
    expect(md).not.toContain('xychart-beta')
  })

  it('a slow restore: the warning, the table newest first, a chart oldest first, no chart in text', () => {
    const report = passedReport()
    report.history = compareWithHistory(
      { ...figuresOfReport(report), restoreSeconds: 252 },
      { source: 'artifacts', earlier: [earlier(24, 60), earlier(23, 70)] },
      { maxRowDrop: null, maxRestoreMinutes: null }
    )
    const md = renderSummary(report)
    expect(md).toContain('Compared with 2 earlier drills of my-app (history: artifacts)')
    expect(md).toMatch(
      /⚠️ restore took 4m 12s, \d+ % slower than the median 1m 5s of the last 2 drills/
    )
    const rows = md.split('\n').filter((l) => /^\| 2026-11-2\d/.test(l))
    expect(rows.map((r) => r.slice(2, 12))).toEqual(['2026-11-25', '2026-11-24', '2026-11-23'])
    expect(md).toContain('```mermaid\nxychart-beta')
    expect(md).toContain('  line [70, 60, 252]')
    const text = renderTerminal(report)
    expect(text).toContain('History')
    expect(text).not.toContain('xychart')
  })
})
