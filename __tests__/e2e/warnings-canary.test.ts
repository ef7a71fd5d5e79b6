// Restore warnings triaged end to end (harmless ownership errors pass, real errors fail), the
// canary written before the capture found in the restore, the source named by add-on name, and
// the second database of an app drilled on its own.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  addonsOf,
  api,
  armFault,
  chinookApp,
  disarmFaults,
  drill,
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
      const r = report(run)
      expect(r.verification.restoreWarnings.real.length).toBeGreaterThan(0)
      // The report keeps the log's problems, not lines that could quote row values.
      const logText = (r.restore.logs as { message: string }[]).map((l) => l.message).join('\n')
      expect(logText).toMatch(/error/i)
      expect(logText).not.toMatch(/^\s*(DETAIL|CONTEXT|QUERY):/m)
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

describe('an app with two databases', () => {
  test('database: ANALYTICS_URL drills the second database only; DATABASE is untouched', async () => {
    const app = await chinookApp(e2e, 'twodb')
    const second = await api<{ id: string; name: string }>(e2e, `/apps/${app.name}/addons`, {
      method: 'POST',
      body: { plan: { name: 'heroku-postgresql:essential-0' }, attachment: { name: 'ANALYTICS' } }
    })
    await waitProvisioned(app.name, second.id)
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, {
      database: 'ANALYTICS_URL',
      'require-schedule': 'false',
      'max-backup-age': ''
    })
    expect({
      outcome: run.outputs.outcome,
      log: run.outputs.outcome === 'passed' ? '' : transcript(run)
    }).toEqual({
      outcome: 'passed',
      log: ''
    })
    const r = report(run)
    expect(r.source.addonName).toBe(second.name)
    expect(r.backups.scheduled).toBe(false)
    const writes = writesOf(e2e.sim.audit(), start)
    expect(writes.filter((w) => /\/backups$/.test(w.path)).map((w) => w.path)).toEqual([
      `/client/v11/databases/${second.id}/backups`
    ])
    expect((await addonsOf(e2e, app.name)).map((a) => a.id).sort()).toEqual(
      [app.addonId, second.id].sort()
    )
    await api(e2e, `/apps/${app.name}/addons/${second.id}`, { method: 'DELETE' })
  }, 120_000)
})

async function waitProvisioned(app: string, id: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const a = await api<{ state: string }>(e2e, `/apps/${app}/addons/${id}`)
    if (a.state === 'provisioned') return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`add-on ${id} not provisioned`)
}
