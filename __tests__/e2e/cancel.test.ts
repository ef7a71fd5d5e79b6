// Issue 5, cancellation: SIGINT then SIGTERM mid-restore (as the runner does on cancel), then the
// post step → no add-on left. Main killed with SIGKILL after the create → post alone destroys it,
// by id when main saved it, by name when main died before learning the id.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  addonsOf,
  api,
  armFault,
  attachmentsOf,
  chinookApp,
  disarmFaults,
  drill,
  startE2E,
  transcript,
  writesOf,
  type E2E
} from './helpers.js'

// The add-on lives on the production app here (drill-app: same), so the clean-up of the add-on
// itself, by id and by name, is what these tests see; drill-app.test.ts covers the drill app.
const SAME = { 'drill-app': 'same' }

let e2e: E2E
beforeAll(async () => {
  // A slow restore and provisioning, so signals land in the middle of them.
  e2e = await startE2E({ restoreDelaySeconds: 8, provisionDelaySeconds: 3 })
})
afterAll(async () => {
  await e2e?.close()
})

function savedState(run: { state: Record<string, string> }): Record<string, any> {
  return JSON.parse(run.state.drill ?? '{}') as Record<string, any>
}

describe('cancel and kill', () => {
  test('SIGINT then SIGTERM mid-restore: main exits, post destroys the add-on', async () => {
    const app = await chinookApp(e2e, 'cancel')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, SAME, {
      signals: [
        { signal: 'SIGINT', whenStdout: /restoring b\d+ onto/, afterMs: 1000 },
        { signal: 'SIGTERM', afterMs: 300 }
      ]
    })
    expect(run.exitCode === 1 || run.exitSignal !== null).toBe(true)
    expect(run.stdout).toMatch(/SIGINT received/)
    const state = savedState(run)
    expect(state.created?.id).toBeTruthy()
    expect(run.postExitCode).toBe(0)
    expect(run.postStdout).toMatch(/destroy/)
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
    const writes = writesOf(e2e.sim.audit(), start)
    expect(writes.filter((w) => /\/restores$/.test(w.path))).toHaveLength(1)
    // The drill's own capture and the add-on: nothing else.
    expect(writes.filter((w) => w.method === 'DELETE').map((w) => w.path)).toEqual([
      `/client/v11/apps/${app.name}/transfers/${state.capture.num}`,
      `/apps/${app.name}/addons/${state.created.id}`
    ])
  }, 120_000)

  test('SIGKILL right after the create: post alone destroys the add-on by its saved id', async () => {
    const app = await chinookApp(e2e, 'killed')
    const run = await drill(e2e, app, SAME, {
      signals: [{ signal: 'SIGKILL', whenStdout: /created add-on/ }]
    })
    expect(run.exitSignal).toBe('SIGKILL')
    const state = savedState(run)
    expect(state.created?.id).toBeTruthy()
    expect(run.postExitCode).toBe(0)
    expect(run.postStdout).toMatch(new RegExp(`destroying add-on ${state.created.name}`))
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  }, 120_000)

  test('SIGKILL while the create answer is lost: post finds the add-on by its saved name', async () => {
    const app = await chinookApp(e2e, 'byname')
    await armFault(e2e, [
      {
        kind: 'reset',
        count: 1,
        method: 'POST',
        path: `^/apps/${app.name}/addons$`,
        when: 'after'
      },
      // The read-back is slowed down (retried), so the kill surely lands before main learns the id.
      {
        kind: 'http',
        status: 503,
        count: 4,
        method: 'GET',
        path: `^/apps/${app.name}/addons/restore-drill-`
      }
    ])
    try {
      const run = await drill(e2e, app, SAME, {
        signals: [{ signal: 'SIGKILL', whenStdout: /checking whether it was created/ }]
      })
      expect(run.exitSignal).toBe('SIGKILL')
      const state = savedState(run)
      expect(state.created?.name).toMatch(/^restore-drill-/)
      expect(state.created?.id).toBeUndefined()
      expect({ post: run.postExitCode, out: run.postStdout }).toEqual({
        post: 0,
        out: expect.stringMatching(new RegExp(`destroying add-on ${state.created.name}`))
      })
      expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
    } finally {
      await disarmFaults(e2e)
    }
  }, 120_000)
})

interface ListedTransfer {
  num: number
  from_type: string
  to_type: string
  finished_at: string | null
  canceled_at: string | null
  deleted_at?: string | null
}

/** The source's manual captures (pg_dump to storage) the sim still lists. */
async function capturesOf(app: string): Promise<ListedTransfer[]> {
  const all = await api<ListedTransfer[]>(e2e, `/client/v11/apps/${app}/transfers`)
  return all.filter((t) => t.from_type === 'pg_dump' && t.to_type === 'gof3r' && !t.deleted_at)
}

describe('killed while its capture runs (issue 25 #4)', () => {
  const slowCapture = { kind: 'transfer-slow', transfer: 'capture', seconds: 60 }

  test('SIGKILL mid-capture: post cancels the running capture, then deletes it', async () => {
    const app = await chinookApp(e2e, 'capkill')
    const before = (await capturesOf(app.name)).map((t) => t.num)
    await armFault(e2e, slowCapture)
    try {
      const start = e2e.sim.audit().length
      const run = await drill(e2e, app, SAME, {
        signals: [{ signal: 'SIGKILL', whenStdout: /capture b\d+ started/, afterMs: 500 }]
      })
      expect(run.exitSignal).toBe('SIGKILL')
      const num = savedState(run).capture.num as number
      expect(run.postExitCode).toBe(0)
      expect(run.postStdout).toMatch(/cancelled the drill's capture b\d+/)
      const writes = writesOf(e2e.sim.audit(), start).map((w) => `${w.method} ${w.path}`)
      const cancel = writes.findIndex((w) => /\/actions\/cancel$/.test(w))
      const del = writes.indexOf(`DELETE /client/v11/apps/${app.name}/transfers/${num}`)
      expect(cancel).toBeGreaterThanOrEqual(0)
      expect(del).toBeGreaterThan(cancel)
      // Nothing of the drill's left running on production, the team's backups untouched.
      expect((await capturesOf(app.name)).map((t) => t.num)).toEqual(before)
    } finally {
      await disarmFaults(e2e)
    }
  }, 120_000)

  test('SIGKILL before the capture request was answered: post finds the capture, cancels and deletes it', async () => {
    const app = await chinookApp(e2e, 'caplost')
    const before = (await capturesOf(app.name)).map((t) => t.num)
    await armFault(e2e, [
      slowCapture,
      // The capture is applied and its answer lost; main reads back after a 2 s pause, in which
      // the kill lands.
      { kind: 'reset', count: 1, method: 'POST', path: '/backups$', when: 'after' }
    ])
    try {
      const run = await drill(e2e, app, SAME, {
        signals: [{ signal: 'SIGKILL', whenStdout: /checking whether it started/ }]
      })
      expect(run.exitSignal).toBe('SIGKILL')
      const state = savedState(run)
      expect(state.capture).toBeUndefined()
      expect(state.captureRequest?.app).toBe(app.name)
      expect({ post: run.postExitCode, out: run.postStdout }).toEqual({
        post: 0,
        out: expect.stringMatching(/cancelled the drill's capture b\d+/)
      })
      expect((await capturesOf(app.name)).map((t) => t.num)).toEqual(before)
    } finally {
      await disarmFaults(e2e)
    }
  }, 120_000)
})

export { transcript }

describe('killed during the promote drill', () => {
  test('post promotes the original back, switches maintenance off and destroys the add-on', async () => {
    const app = await chinookApp(e2e, 'promokill')
    const varsBefore = await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)
    const run = await drill(
      e2e,
      app,
      { ...SAME, maintenance: 'true', promote: 'true' },
      { signals: [{ signal: 'SIGKILL', whenStdout: /is now DATABASE; running the checks/ }] }
    )
    expect(run.exitSignal).toBe('SIGKILL')
    const state = savedState(run)
    expect(state).toMatchObject({ promoteInProgress: true, maintenanceOn: true })
    expect(run.postExitCode).toBe(0)
    expect(run.postStdout).toMatch(/promoting the original .* back to DATABASE/)
    const database = (await attachmentsOf(e2e, app.name)).find((a) => a.name === 'DATABASE')
    expect(database?.addon.id).toBe(app.addonId)
    const varsAfter = await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)
    expect(varsAfter.DATABASE_URL).toBe(varsBefore.DATABASE_URL)
    expect((await api<{ maintenance: boolean }>(e2e, `/apps/${app.name}`)).maintenance).toBe(false)
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  }, 180_000)
})
