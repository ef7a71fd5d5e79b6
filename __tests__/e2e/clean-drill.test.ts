// The clean path, end to end through dist/: a drill of a Chinook app passes with the right outputs,
// does exactly one create, one capture, one restore onto that add-on and its deletion (no other
// write), leaves the source's data unchanged and nothing behind; no secret appears anywhere.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import {
  addonsOf,
  CHINOOK_ROWS,
  CHINOOK_TABLES,
  chinookApp,
  drill,
  fingerprint,
  report,
  startE2E,
  transcript,
  writesOf,
  type E2E
} from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E()
})
afterAll(async () => {
  await e2e?.close()
})

describe('clean drill', () => {
  test('passes, writes only its own add-on, leaves the source unchanged and nothing behind', async () => {
    const app = await chinookApp(e2e, 'clean')
    const sourceBefore = await fingerprint(app.databaseUrl)
    const auditStart = e2e.sim.audit().length

    const run = await drill(e2e, app)
    expect({ exit: run.exitCode, outcome: run.outputs.outcome }).toEqual({
      exit: 0,
      outcome: 'passed'
    })

    // Outputs
    expect(run.outputs['tables-checked']).toBe(String(CHINOOK_TABLES))
    expect(run.outputs['rows-checked']).toBe(String(CHINOOK_ROWS))
    expect(run.outputs.mismatches).toBe('0')
    expect(run.outputs['backup-id']).toMatch(/^b\d{3,}$/)
    expect(Number(run.outputs['backup-size-bytes'])).toBeGreaterThan(0)
    expect(run.outputs['restore-seconds']).toMatch(/^\d+\.\d$/)
    expect(run.outputs.verdict).toMatch(/^Passed: backup b\d{3,} restored in /)
    expect(run.outputs['backups-newest-age-seconds']).toMatch(/^\d+$/)
    expect(run.outputs['drill-seconds']).toMatch(/^\d+$/)
    expect(run.outputs['backup-age-seconds']).toMatch(/^\d+$/)
    expect(run.outputs['restored-attachment']).toBeUndefined()
    expect(existsSync(run.outputs['report-path'])).toBe(true)

    // Report and summary
    const r = report(run)
    expect(r.outcome).toBe('passed')
    expect(r.verification.tablesChecked).toBe(CHINOOK_TABLES)
    expect(r.cleanup.destroyed).toEqual([r.restore.addonName])
    expect(r.restore.addonName).toMatch(/^restore-drill-/)
    for (const key of [
      'preflightSeconds',
      'snapshotSeconds',
      'captureSeconds',
      'provisionSeconds',
      'restoreSeconds',
      'verifySeconds',
      'drillSeconds'
    ]) {
      expect(typeof r.timings[key]).toBe('number')
    }
    expect(run.summary).toMatch(/PASSED|passed/i)
    expect(run.summary).toContain(run.outputs['backup-id'])

    // Exactly the expected writes: the drill app and its add-on, the capture, the restore onto
    // that add-on, the capture's deletion and the drill app's deletion (which takes the add-on).
    const writes = writesOf(e2e.sim.audit(), auditStart)
    const drillApp = run.outputs['drill-app']
    expect(drillApp).toMatch(/^restore-drill-clean-/)
    const restores = writes.filter((w) => w.method === 'POST' && /\/restores$/.test(w.path))
    const restoredId = /^\/client\/v11\/databases\/([^/]+)\/restores$/.exec(
      restores[0]?.path ?? ''
    )?.[1]
    expect(restoredId).toBeDefined()
    expect(restoredId).not.toBe(app.addonId)
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /apps',
      `POST /apps/${drillApp}/addons`,
      `POST /client/v11/databases/${app.addonId}/backups`,
      `POST /client/v11/databases/${restoredId}/restores`,
      `DELETE /client/v11/apps/${app.name}/transfers/${r.backup.id.replace(/^b0*/, '')}`,
      `DELETE /apps/${drillApp}`
    ])
    expect((writes[1].body as { name: string }).name).toBe(r.restore.addonName)

    // The source is unchanged; only the DATABASE add-on is left.
    expect(await fingerprint(app.databaseUrl)).toEqual(sourceBefore)
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])

    // The post step found nothing to do.
    expect(run.postExitCode).toBe(0)
    expect(run.postStdout).toMatch(/nothing to clean up/)
  }, 180_000)
})

export { transcript }
