// Restore warnings triaged end to end (harmless ownership errors pass, real errors fail), the
// canary written before the capture found in the restore, and the source named by add-on name.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  addonsOf,
  armFault,
  chinookApp,
  disarmFaults,
  drill,
  report,
  startE2E,
  transcript,
  type E2E
} from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E()
})
afterAll(async () => {
  await e2e?.close()
})

describe('restore warnings', () => {
  test('harmless ownership errors are listed and pass (triage)', async () => {
    const app = await chinookApp(e2e, 'benign')
    await armFault(e2e, { kind: 'transfer-warnings', transfer: 'restore', count: 2, benign: true })
    try {
      const run = await drill(e2e, app, { backup: 'latest' })
      expect({
        outcome: run.outputs.outcome,
        log: run.outputs.outcome === 'passed' ? '' : transcript(run)
      }).toEqual({
        outcome: 'passed',
        log: ''
      })
      const r = report(run)
      expect(r.verification.restoreWarnings.harmless.length).toBeGreaterThan(0)
      expect(r.verification.restoreWarnings.real).toEqual([])
      expect(r.restore.logs.length).toBeGreaterThan(0)
    } finally {
      await disarmFaults(e2e)
    }
  }, 120_000)

  test('real pg_restore errors fail the drill', async () => {
    const app = await chinookApp(e2e, 'realwarn')
    await armFault(e2e, { kind: 'transfer-warnings', transfer: 'restore', count: 2, benign: false })
    try {
      const run = await drill(e2e, app, { backup: 'latest' })
      expect(run.outputs.outcome).toBe('failed')
      expect(report(run).verification.restoreWarnings.real.length).toBeGreaterThan(0)
      expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
    } finally {
      await disarmFaults(e2e)
    }
  }, 120_000)
})

describe('canary and source by add-on name', () => {
  test('the canary written before the capture is found in the restore', async () => {
    const app = await chinookApp(e2e, 'canary')
    const run = await drill(e2e, app, { canary: 'true', database: app.addonName })
    expect({
      outcome: run.outputs.outcome,
      log: run.outputs.outcome === 'passed' ? '' : transcript(run)
    }).toEqual({
      outcome: 'passed',
      log: ''
    })
    const r = report(run)
    expect(r.source.addonName).toBe(app.addonName)
    const canary = (r.verification.checks as { id: string; title: string; status: string }[]).find(
      (c) => /canary/i.test(`${c.id} ${c.title}`)
    )
    expect(canary?.status).toBe('passed')
  }, 120_000)
})
