// The job summary and its terminal twin: what a reader sees first, what is folded, what never appears.
import { describe, expect, it } from '@jest/globals'
import { renderSummary, renderTerminal } from '../../src/report/summary.js'
import { runbookCommands, runbookSections } from '../../src/report/runbook.js'
import type { DrillReport } from '../../src/report/model.js'
import { failedReport, passedReport, SECRET_URL } from '../fakes/report-fixture.js'

const SHA = 'f'.repeat(64)

function errorReport(): DrillReport {
  const report = passedReport()
  report.outcome = 'error'
  report.verdict =
    'Error: the add-on restore-drill-my-app-99-1-ab12 did not finish provisioning within 15 minutes'
  report.error =
    'the add-on restore-drill-my-app-99-1-ab12 did not finish provisioning within 15 minutes'
  report.backup = null
  report.restore = null
  report.verification = null
  report.timeline = [
    { phase: 'preflight', startedAt: '2026-11-25T02:00:00.000Z', seconds: 3, status: 'ok' },
    {
      phase: 'provision',
      startedAt: '2026-11-25T02:00:05.000Z',
      seconds: 900,
      status: 'failed',
      detail: 'timed out'
    }
  ]
  report.timings = { preflightSeconds: 3, provisionSeconds: 900, drillSeconds: 910 }
  report.runbook = { restoreSeconds: null, commands: [] }
  return report
}

/** The index of a line containing `text`, failing clearly when there is none. */
function lineOf(text: string, lines: string[]): number {
  const index = lines.findIndex((line) => line.includes(text))
  if (index < 0) throw new Error(`no line contains ${JSON.stringify(text)}`)
  return index
}

describe('renderSummary', () => {
  it('starts with the verdict line: icon and the one-line verdict', () => {
    expect(renderSummary(passedReport()).split('\n')[0]).toBe(
      '## ✅ Passed: backup b042 restored in 4m 12s and matched production (4 tables, 15,608 rows)'
    )
    expect(renderSummary(failedReport()).split('\n')[0]).toMatch(
      /^## ❌ Failed: backup b042 restored, but 3 mismatches/
    )
    expect(renderSummary(errorReport()).split('\n')[0]).toMatch(/^## ⚠️ Error: the add-on/)
  })

  it('answers the three questions right after the verdict, one line each', () => {
    const lines = renderSummary(passedReport()).split('\n')
    expect(lines[1]).toBe('')
    expect(lines[2]).toBe(
      '- **Backups automated:** yes, daily at 02:00 UTC (DATABASE_URL); newest successful backup `a041` is 23h 53m old (2026-11-24 02:10:00 UTC), within the 26h limit.'
    )
    expect(lines[3]).toBe('- **Restore time:** restore took 4m 12s for a 12 MB backup.')
    expect(lines[4]).toBe(
      '- **Data verified:** 4 tables, 15,608 rows; compared schema, row counts, sequences, the contents of 1 of 4 tables and 1 custom check; no mismatches (1 within the bounds of live writes).'
    )
  })

  it('a restore under ten seconds keeps its tenths (1.0s, not 0m 1s)', () => {
    const report = passedReport()
    report.restore!.seconds = 1.04
    expect(renderSummary(report).split('\n')[3]).toBe(
      '- **Restore time:** restore took 1.0s for a 12 MB backup.'
    )
  })

  it('"Data verified" names what was compared, and says when contents were not', () => {
    const report = passedReport()
    const v = report.verification!
    v.tables.forEach((t) => delete t.checksum)
    v.checks = v.checks.filter((c) => c.id !== 'checksums' && c.id !== 'custom')
    expect(renderSummary(report).split('\n')[4]).toBe(
      '- **Data verified:** 4 tables, 15,608 rows; compared schema, row counts and sequences (contents not compared); no mismatches (1 within the bounds of live writes).'
    )
    v.tables.forEach((t) => (t.checksum = { source: 'a', restored: 'a', match: true }))
    v.tables[2].status = 'match'
    expect(renderSummary(report).split('\n')[4]).toBe(
      '- **Data verified:** 4 tables, 15,608 rows; compared schema, row counts, sequences and the contents of 4 of 4 tables; no mismatches.'
    )
  })

  it('a pass with moved or drifted tables says so instead of "everything matched"', () => {
    const report = passedReport()
    report.verification!.tables[0].status = 'drift'
    expect(renderSummary(report)).toContain(
      '15,608 rows; compared schema, row counts, sequences, the contents of 1 of 4 tables and 1 custom check; no mismatches (1 within the bounds of live writes, 1 changed since the backup (drift)).'
    )
  })

  it('shortens very long free-text lines', () => {
    const report = failedReport()
    report.verification!.restoreWarnings.real.push('pg_restore: ' + 'x'.repeat(5000))
    const line = renderSummary(report)
      .split('\n')
      .find((l) => l.includes('xxxx'))!
    expect(line.length).toBeLessThan(420)
    expect(line).toContain('…')
  })

  it('says when backups are not automated, are too old, and how to schedule them', () => {
    const report = passedReport()
    report.backups.scheduled = false
    report.backups.schedule = null
    report.backups.newestBackup!.ageSeconds = 3 * 86400
    const md = renderSummary(report)
    expect(md).toContain('**Backups automated:** no, the source has no backup schedule;')
    expect(md).toContain('is 3d 0h old (2026-11-24 02:10:00 UTC), older than the 26h limit.')
    expect(md).toContain("`heroku pg:backups:schedule DATABASE_URL --at '02:00 UTC' --app my-app`")
  })

  it('does not guess about backups when the drill stopped before reading them', () => {
    const report = errorReport()
    report.backups = { scheduled: false, schedule: null, newestBackup: null, recentBackups: [] }
    report.timeline = [
      { phase: 'preflight', startedAt: '2026-11-25T02:00:00.000Z', seconds: 1, status: 'failed' }
    ]
    expect(renderSummary(report)).toContain(
      '**Backups automated:** unknown (the drill stopped before reading the backups).'
    )
  })

  it('has a timeline of phases with durations and a total', () => {
    const md = renderSummary(passedReport())
    expect(md).toContain('| phase | status | started (UTC) | took | detail |')
    expect(md).toContain('| restore | ok | 02:02:10 | 4m 12s |  |')
    expect(md).toContain('| preflight | ok | 02:00:00 | 3.2s |  |')
    expect(md).toContain('| **total** | passed | 02:00:00 | 9m 30s |  |')
  })

  it("a restore phase longer than Heroku's transfer says which one the headline gives", () => {
    const report = passedReport()
    report.timeline.find((p) => p.phase === 'restore')!.seconds = 259
    const md = renderSummary(report)
    expect(md).toContain('restore took 4m 12s for a 12 MB backup')
    expect(md).toContain(
      "| restore | ok | 02:02:10 | 4m 19s | the transfer took 4m 12s by Heroku's clock (the restore time above); the phase adds starting it, polling and its log |"
    )
  })

  it('describes the backup: ID, size human-readable, age, capture time', () => {
    const md = renderSummary(passedReport())
    expect(md).toContain(
      '<details><summary>Backup b042</summary>\n\n- **backup:** `b042` (fresh capture by this drill)\n- **size:** 12 MB (12,345,678 bytes)\n' +
        '- **captured:** 2026-11-25 02:03:00 UTC\n- **age at restore:** 15s\n'
    )
    expect(md).not.toContain('|  |  |') // no empty header row
  })

  it('puts mismatches first and folds the rest', () => {
    const md = renderSummary(failedReport())
    const lines = md.split('\n')
    const mismatch = lineOf('| `public.track` | mismatch |', lines)
    const missing = lineOf('| `Sales Data.Line \\| Items` | missing |', lines)
    const fold = lineOf('<details><summary>Verification: 5 tables, ', lines)
    const within = lineOf('| `public.invoice` | within-bounds |', lines)
    const match = lineOf('| `public.album` | match |', lines)
    expect(mismatch).toBeLessThan(fold)
    expect(missing).toBeLessThan(fold)
    expect(fold).toBeLessThan(within)
    expect(within).toBeLessThan(match)
    // The mismatched tables are listed once, above; the fold holds the rest.
    expect(md.match(/\| `public.track` \| mismatch \|/g)).toHaveLength(1)
    // The failing findings come before the tables, mismatch before warning.
    expect(lineOf('| mismatch | counts | `public.track` | 3 rows missing', lines)).toBeLessThan(
      mismatch
    )
    expect(lineOf('| mismatch | counts |', lines)).toBeLessThan(
      lineOf('| warning | sequences |', lines)
    )
    expect(md).toContain('DIFFERS')
  })

  it('folds every table when nothing mismatched', () => {
    const md = renderSummary(passedReport())
    expect(md).toContain('<details><summary>Verification: 4 tables, 6 checks</summary>')
    expect(md).not.toContain('### Findings')
    expect(md).not.toMatch(/\| (mismatch|missing) \|/)
  })

  it('explains the bounds of tables that moved', () => {
    const md = renderSummary(passedReport())
    expect(md).toContain('**Tables that moved during the drill:**')
    expect(md).toContain(
      '- `public.invoice`: 3 rows inserted during the capture window; restored count lies within 412–415'
    )
  })

  it('shows the schema diff, checks (failed first), and restore warnings real vs harmless', () => {
    const md = renderSummary(failedReport())
    const lines = md.split('\n')
    expect(md).toContain('**Schema differences:**')
    expect(md).toContain(
      '| mismatch | schema | `index public.track_pkey` | missing in the restore |'
    )
    // Failed, then passed, then skipped.
    const failed = lineOf('| Row counts | failed | 2 of 5 tables out of bounds or missing |', lines)
    const passed = lineOf('| Schema matches the source | passed |', lines)
    const skipped = lineOf('| Canary row present | skipped | no canary written |', lines)
    expect(lineOf('| Content checksums | failed |', lines)).toBeLessThan(passed)
    expect(failed).toBeLessThan(passed)
    expect(passed).toBeLessThan(lineOf('| Custom checks | passed |', lines))
    expect(lineOf('| Custom checks | passed |', lines)).toBeLessThan(skipped)
    expect(md).toContain(
      '1 real (data or objects may be missing), failing the drill (restore-warnings: triage):'
    )
    expect(md).toContain(
      '- `pg_restore: error: COPY failed for table "track": ERROR: out of memory`'
    )
    expect(md).toContain('<details><summary>1 known to be harmless on Heroku</summary>')
    expect(lineOf('COPY failed', lines)).toBeLessThan(
      lineOf('must be owner of extension plpgsql', lines)
    )
    expect(renderSummary(passedReport())).not.toContain('**Schema differences:**')
  })

  it('shows each restore warning once, in its own section, not among the findings', () => {
    const md = renderSummary(failedReport())
    expect(md.match(/COPY failed/g)).toHaveLength(1)
    expect(md.match(/must be owner of extension plpgsql/g)).toHaveLength(1)
    expect(md).not.toContain('restore problem:')
  })

  it('under restore-warnings: strict the harmless warnings fail too, and are not folded', () => {
    const report = failedReport()
    report.settings!.restoreWarnings = 'strict'
    const harmless = report.verification!.findings.find((f) =>
      f.message.startsWith('known harmless')
    )!
    harmless.severity = 'mismatch'
    const md = renderSummary(report)
    expect(md).toContain(
      '1 known to be harmless on Heroku, failing the drill (restore-warnings: strict):\n\n- `pg_restore: error: must be owner of extension plpgsql`'
    )
    expect(md).not.toContain('<summary>1 known to be harmless')
  })

  it('reports the promote drill, loudly when the source was not promoted back', () => {
    const report = passedReport()
    report.promote = {
      promoted: true,
      promotedBack: false,
      finalDatabaseAddon: 'restore-drill-my-app-99-1-ab12',
      maintenanceOff: true
    }
    const md = renderSummary(report)
    expect(md).toContain('- **source promoted back:** NO')
    expect(md).toContain('- **DATABASE_URL now on:** `restore-drill-my-app-99-1-ab12`')
    expect(md).toContain('Maintenance mode stops web traffic only')
  })

  it('lists the cleanup: destroyed, stale, kept, problems', () => {
    const report = passedReport()
    report.cleanup.problems.push(
      'could not destroy restore-drill-my-app-99-1-ab12: 503 Service Unavailable'
    )
    const md = renderSummary(report)
    expect(md).toContain('- destroyed `restore-drill-my-app-99-1-ab12`')
    expect(md).toContain(
      '- destroyed stale add-on of an earlier run `restore-drill-my-app-12-1-zz99`'
    )
    expect(md).toContain(
      '- **problem:** could not destroy restore-drill-my-app-99-1-ab12: 503 Service Unavailable'
    )
  })

  it('notes manual backup rotation after a capture, and what maintenance does not stop', () => {
    const report = passedReport()
    report.settings!.maintenance = true
    const md = renderSummary(report)
    expect(md).toContain(
      '- The source is 23 MB, well under the 20 GB guidance for logical backups.'
    )
    expect(md).toContain('Manual backups rotate')
    expect(md).toContain(
      'Maintenance mode stops web traffic only: worker and scheduler dynos keep running'
    )
    expect(renderSummary(passedReport())).not.toContain('Maintenance mode stops web traffic only')
  })

  it('does not repeat a note the drill already wrote', () => {
    const report = passedReport()
    report.notes.push(
      'The captured backup b042 is kept. Manual backups rotate: this capture may have pushed out the oldest one.'
    )
    expect(renderSummary(report).match(/rotate/g)).toHaveLength(1)
  })

  it('no rotation note for an existing backup', () => {
    const report = passedReport()
    report.backup!.choice = 'latest'
    expect(renderSummary(report)).not.toContain('rotate')
  })

  it('has a runbook with the exact restore commands and the restore time just measured', () => {
    const md = renderSummary(passedReport())
    expect(md).toContain('### Emergency runbook')
    expect(md).toContain(
      'The restore of b042 took 4m 12s just now (12 MB); a fresh add-on took 2m 5s to provision.'
    )
    expect(md).toContain(
      '```sh\nheroku maintenance:on --app my-app\nheroku pg:backups:restore my-app::b042 DATABASE_URL --app my-app --confirm my-app\nheroku maintenance:off --app my-app\n```'
    )
    expect(md).toContain(
      'heroku addons:create heroku-postgresql:standard-0 --app my-app --as EMERGENCY_RESTORE'
    )
    expect(md).toContain(
      'heroku pg:backups:restore my-app::b042 EMERGENCY_RESTORE_URL --app my-app --confirm my-app'
    )
    expect(md).toContain('heroku pg:promote EMERGENCY_RESTORE_URL --app my-app')
  })

  it('incident mode: the kept add-on with promote and destroy commands and a cost note, first', () => {
    const report = passedReport()
    report.backup = { ...report.backup!, id: 'a008', choice: 'id' }
    report.drillApp = { name: 'restore-drill-my-app-1a2b3c', mode: 'auto', deleted: false }
    report.cleanup.destroyed = []
    report.cleanup.kept = {
      addonName: 'restore-drill-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL'
    }
    const md = renderSummary(report)
    expect(md).toContain(
      '- **kept** `restore-drill-my-app-99-1-ab12` as `RESTORE_DRILL`: verification compared schema, row counts, sequences, the contents of 1 of 4 tables and 1 custom check and found no mismatch. Billed by the hour until destroyed'
    )
    // The copy lives on the kept drill app: attached to my-app first, then promoted there.
    const lines = md.split('\n')
    const attach = lineOf(
      'heroku addons:attach restore-drill-my-app-99-1-ab12 --app my-app --as VERIFIED_RESTORE',
      lines
    )
    const promote = lineOf('heroku pg:promote VERIFIED_RESTORE_URL --app my-app', lines)
    expect(attach).toBeLessThan(promote)
    expect(promote).toBeLessThan(
      lineOf('heroku pg:backups:restore my-app::a008 DATABASE_URL', lines)
    )
    // One command stops the billing: the drill app holds nothing else.
    const stop = runbookCommands(report).filter((c) => /destroy/.test(c))
    expect(stop).toEqual([
      'heroku apps:destroy restore-drill-my-app-1a2b3c --confirm restore-drill-my-app-1a2b3c'
    ])
    expect(md).toContain('billed by the hour on plan heroku-postgresql:standard-0 until destroyed')
    expect(md).toContain('- **backup:** `a008` (chosen by ID)')
  })

  it('incident mode with drill-app: same: the kept copy is promoted where it is attached', () => {
    const report = passedReport()
    report.drillApp = { name: 'my-app', mode: 'same', deleted: false }
    report.cleanup.destroyed = []
    report.cleanup.kept = {
      addonName: 'restore-drill-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL'
    }
    const commands = runbookCommands(report)
    expect(commands).toContain('heroku pg:promote RESTORE_DRILL_URL --app my-app')
    expect(commands.filter((c) => /addons:attach/.test(c))).toEqual([])
    expect(commands.filter((c) => /destroy/.test(c))).toEqual([
      'heroku addons:destroy restore-drill-my-app-99-1-ab12 --app my-app --confirm my-app'
    ])
  })

  it('the runbook restores onto the source attachment the backup came from', () => {
    const report = passedReport()
    report.source.attachment = 'HEROKU_POSTGRESQL_CYAN'
    report.source.plan = 'premium-2'
    const commands = runbookCommands(report)
    expect(commands).toContain(
      'heroku pg:backups:restore my-app::b042 HEROKU_POSTGRESQL_CYAN_URL --app my-app --confirm my-app'
    )
    expect(commands).toContain(
      'heroku addons:create heroku-postgresql:premium-2 --app my-app --as EMERGENCY_RESTORE'
    )
    expect(commands[0]).toMatch(/^# /)
  })

  it('the runbook names a source given as an add-on name as it is', () => {
    const report = passedReport()
    report.source.attachment = 'postgresql-shaped-12345'
    expect(runbookCommands(report)).toContain(
      'heroku pg:backups:restore my-app::b042 postgresql-shaped-12345 --app my-app --confirm my-app'
    )
  })

  it('prints the sha256 of the report and, outside GitHub, its path', () => {
    const md = renderSummary(passedReport(), {
      sha256: SHA,
      reportPath: '/tmp/drill/restore-drill-report.json'
    })
    expect(md).toContain(`- restore-drill-report.json sha256 \`${SHA}\``)
    expect(md).toContain('- report written to `/tmp/drill/restore-drill-report.json`')
    expect(renderSummary(passedReport())).not.toContain('sha256')
  })

  it('an error: the verdict, the questions honestly unanswered, no runbook without a backup', () => {
    const md = renderSummary(errorReport())
    expect(md).toContain('**Restore time:** the restore did not complete.')
    expect(md).toContain('**Data verified:** not verified (the drill stopped before verification).')
    expect(md).toContain('| provision | failed | 02:00:05 | 15m 0s | timed out |')
    expect(md).not.toContain('### Emergency runbook')
    expect(md).not.toContain('**Error:**') // already in the verdict
    const other = errorReport()
    other.verdict = 'Error: the drill could not complete'
    expect(renderSummary(other)).toContain(
      '**Error:** the add-on restore-drill-my-app-99-1-ab12 did not finish'
    )
    expect(runbookSections(other)).toEqual([])
  })

  it('never shows a URL, token or password, even when one slipped into free text', () => {
    const report = failedReport()
    report.notes.push(`connection to ${SECRET_URL} was slow`)
    report.cleanup.problems.push(
      `could not reach https://api.heroku.com/apps/my-app?token=hrku-abc`
    )
    report.verification!.restoreWarnings.real.push(`pg_restore: connecting to ${SECRET_URL}`)
    report.verdict += ` (${SECRET_URL})`
    for (const text of [renderSummary(report), renderTerminal(report)]) {
      expect(text).not.toMatch(/p4ssw0rd|hrku-abc|:\/\//)
      expect(text).toContain('(URL hidden)')
    }
  })

  it('escapes Markdown and HTML in names and messages', () => {
    const report = failedReport()
    report.verification!.tables[0].table = 'public.<script>'
    report.verification!.checks.push({
      id: 'x',
      title: '*bold* _it_ [link](x)',
      status: 'failed',
      detail: '<b>|</b>'
    })
    const md = renderSummary(report)
    expect(md).toContain('| \\*bold\\* \\_it\\_ \\[link\\](x) | failed | &lt;b&gt;\\|&lt;/b&gt; |')
    expect(md).toContain('| `public.<script>` |') // a code span shows it literally
    expect(md.replace(/`[^`]*`/g, '')).not.toContain('<script>')
    expect(md).not.toContain('<b>')
  })

  it('caps very long tables, leaving the rest to the JSON report', () => {
    const report = passedReport()
    const base = report.verification!.tables[0]
    report.verification!.tables = Array.from({ length: 1000 }, (_, i) => ({
      ...base,
      table: `public.t${i}`
    }))
    const md = renderSummary(report)
    expect(md).toContain('… 700 more in the JSON report')
    expect(md.length).toBeLessThan(200_000)
  })

  it('is deterministic', () => {
    expect(renderSummary(failedReport(), { sha256: SHA })).toBe(
      renderSummary(failedReport(), { sha256: SHA })
    )
  })
})

describe('renderTerminal', () => {
  it('is the same content as plain text: label, no HTML, no Markdown markup', () => {
    const text = renderTerminal(failedReport(), { sha256: SHA })
    expect(text.split('\n')[0]).toBe(
      'FAILED: backup b042 restored, but 3 mismatches (first: public.track: 3 rows missing)'
    )
    expect(text).not.toMatch(/<details>|<\/?summary>|\*\*|```|^#+ |\| ---/m)
    expect(text).toContain(
      '- Data verified: 4 tables, 15,608 rows; compared schema, row counts, sequences, the contents of 1 of 4 tables and 1 custom check; 3 mismatched objects.'
    )
    expect(text).toContain(`restore-drill-report.json sha256 ${SHA}`)
    expect(text).toContain('  $ heroku pg:backups --app my-app')
    expect(renderTerminal(passedReport()).split('\n')[0]).toMatch(/^PASSED: backup b042 restored/)
    expect(renderTerminal(errorReport()).split('\n')[0]).toMatch(/^ERROR: the add-on/)
  })

  it('aligns table columns, numbers to the right', () => {
    const lines = renderTerminal(passedReport()).split('\n')
    // Folded details are indented by two spaces in the terminal.
    const header = lineOf('phase      status  started (UTC)    took  detail', lines)
    expect(lines[header + 1]).toBe('  ---------  ------  -------------  ------  ------')
    expect(lines[header + 2]).toBe('  preflight  ok      02:00:00         3.2s')
    expect(lines[header + 6]).toBe('  restore    ok      02:02:10       4m 12s')
    const tableHeader = lines[lineOf('table                status         source before', lines)]
    const restoredEnd = tableHeader.indexOf('restored') + 'restored'.length - 1
    const rows = lines.filter((line) => /^\s+public\.\S+\s+(match|within-bounds)/.test(line))
    expect(rows).toHaveLength(4)
    for (const row of rows) {
      expect(row[restoredEnd]).toMatch(/\d/)
      expect(row[restoredEnd + 1]).toBe(' ')
    }
  })

  it('lists mismatches before the folded rest', () => {
    const lines = renderTerminal(failedReport()).split('\n')
    expect(lineOf('public.track             mismatch', lines)).toBeLessThan(
      lineOf('Verification: 5 tables', lines)
    )
    expect(lineOf('Verification: 5 tables', lines)).toBeLessThan(lineOf('public.album', lines))
  })
})

describe('advice that fits the outcome', () => {
  /** Every line that would restore or promote `backupId` (or a copy of it). */
  const restoreLines = (md: string, backupId: string) =>
    md
      .split('\n')
      .filter((l) => l.includes(`::${backupId}`) || /pg:promote|pg:backups:restore/.test(l))

  it('a failed drill gives no command that restores the failed backup, and never calls it good', () => {
    const report = failedReport()
    for (const md of [renderSummary(report), renderTerminal(report)]) {
      expect(restoreLines(md, 'b042')).toEqual([])
      expect(md).not.toMatch(/good|verified restore|Emergency runbook/i)
      expect(md).toContain('What to do instead')
      expect(md).toContain('verification found 3 mismatched objects (listed above)')
      expect(md).toContain('run the drill again with backup: b042 and keep-database: true')
      expect(md).toContain('heroku pg:backups --app my-app')
    }
    expect(runbookCommands(report).join('\n')).not.toMatch(/pg:backups:restore|pg:promote/)
  })

  it('a kept copy that failed verification: inspect and destroy it, never promote it', () => {
    const report = failedReport()
    report.drillApp = { name: 'restore-drill-my-app-1a2b3c', mode: 'auto', deleted: false }
    report.cleanup.destroyed = []
    report.cleanup.kept = {
      addonName: 'restore-drill-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL'
    }
    const md = renderSummary(report)
    expect(restoreLines(md, 'b042')).toEqual([])
    expect(md).toContain(
      '- **kept** `restore-drill-my-app-99-1-ab12` as `RESTORE_DRILL`: verification found 3 mismatched objects; do not promote it.'
    )
    expect(md).toContain('heroku pg:psql RESTORE_DRILL_URL --app restore-drill-my-app-1a2b3c')
    expect(md).toContain(
      'heroku apps:destroy restore-drill-my-app-1a2b3c --confirm restore-drill-my-app-1a2b3c'
    )
  })

  it('names the last backup that passed a drill when history knows it', () => {
    const md = renderSummary(failedReport(), {
      lastPassedBackup: { id: 'a039', drilledAt: '2026-11-22' }
    })
    expect(md).toContain(
      'The last backup that passed a drill of my-app is a039 (drilled 2026-11-22)'
    )
    expect(renderSummary(failedReport())).not.toContain('last backup that passed')
  })

  it('a drill whose restore failed gives no restore command for that backup either', () => {
    const report = passedReport()
    report.outcome = 'error'
    report.verdict =
      'Error: restore of b042 onto restore-drill-my-app-99-1-ab12 failed: pg_restore: error'
    report.error = 'restore of b042 onto restore-drill-my-app-99-1-ab12 failed: pg_restore: error'
    report.verification = null
    report.timeline = report.timeline.slice(0, 5)
    report.timeline[4] = { ...report.timeline[4], status: 'failed' }
    const md = renderSummary(report)
    expect(restoreLines(md, 'b042')).toEqual([])
    expect(md).toContain('This drill could not prove b042: its restore failed.')
    expect(md).toContain(
      '**Next step:** the restore failed: read the error and the restore warnings, drill another backup with `backup: <ID>` (`heroku pg:backups --app my-app` lists them).'
    )
  })

  it('a drill that failed only its restore-time objective keeps the runbook: the data verified', () => {
    const report = passedReport()
    report.outcome = 'failed'
    report.verdict =
      'Failed: backup b042 restored, but restore took 4m 12s, longer than max-restore-minutes 3'
    expect(renderSummary(report)).toContain(
      'heroku pg:backups:restore my-app::b042 DATABASE_URL --app my-app --confirm my-app'
    )
  })

  it('an error gives a next step that fits where the drill stopped', () => {
    const provision = renderSummary(errorReport())
    expect(provision).toContain(
      "**Next step:** Heroku did not provision the fresh add-on: check Heroku's status page and the plan input, then run the drill again."
    )
    const deadline = errorReport()
    deadline.error =
      'the drill did not finish within timeout-minutes 120; clean-up destroyed add-on restore-drill-shop-1-1-abcd'
    expect(renderSummary(deadline)).toContain(
      "**Next step:** raise timeout-minutes (and keep the job's timeout-minutes above it)"
    )
    expect(renderSummary(passedReport())).not.toContain('Next step')
  })
})
