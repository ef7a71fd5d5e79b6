// The summary of an upgrade rehearsal (postgres-version above the source's major): the majors,
// what was judged equal, unavailable extensions and real differences; names from the database
// escaped like every other string.
import { describe, expect, it } from '@jest/globals'
import { renderSummary } from '../../src/report/summary.js'
import type { DrillReport } from '../../src/report/model.js'
import { passedReport } from '../fakes/report-fixture.js'

function rehearsal(upgrade: Partial<NonNullable<DrillReport['upgrade']>> = {}): DrillReport {
  return {
    ...passedReport(),
    versions: { source: 15, copy: 17 },
    upgrade: {
      sourceMajor: 15,
      copyMajor: 17,
      judgedEqual: ['view shop.recent', 'materialized view shop.order_counts'],
      notNullConstraints: 0,
      unavailableExtensions: [],
      ...upgrade
    }
  }
}

describe('the upgrade rehearsal section', () => {
  it('says "upgrade rehearsal 15 → 17" and lists what was judged equal', () => {
    const md = renderSummary(rehearsal())
    expect(md).toContain('PostgreSQL upgrade rehearsal 15 → 17')
    expect(md).toContain(
      '2 objects differ only in form between 15 and 17 and were judged equal: view shop.recent, materialized view shop.order_counts'
    )
    expect(md).toContain('Every extension of the source is available on PostgreSQL 17')
    expect(md).toContain('Really differs: nothing in the schema')
  })

  it('names unavailable extensions, counts 18 NOT NULL rows, and caps long lists', () => {
    const many = Array.from({ length: 8 }, (_, i) => `view s.v${i}`)
    const md = renderSummary(
      rehearsal({
        copyMajor: 18,
        judgedEqual: many,
        notNullConstraints: 12,
        unavailableExtensions: ['adminpack']
      })
    )
    expect(md).toContain('Not available on PostgreSQL 18:')
    expect(md).toContain('adminpack')
    expect(md).toContain('and 3 more')
    expect(md).toContain(
      "12 NOT NULL constraint rows of PostgreSQL 18 compared as the columns' NOT NULL"
    )
  })

  it('escapes a hostile object name', () => {
    const md = renderSummary(rehearsal({ judgedEqual: ['view s."<img src=x>\n# x"'] }))
    expect(md).not.toContain('<img')
    expect(md).not.toContain('\n# x')
  })

  it('is absent from a drill on one major', () => {
    expect(renderSummary(passedReport())).not.toContain('upgrade rehearsal')
  })
})
