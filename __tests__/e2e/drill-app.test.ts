// A drill that leaves production alone: by default the restored copy lives on an app created for
// the drill and deleted at the end, so the production app gets no release, no config change and
// no write but the capture and that capture's deletion; the same after a cancel or a killed main.
// drill-app: NAME and same, a source whose manual-backup slots are full, stale drill apps.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type { AuditEntry, SimApp } from '../../sim/server.js'
import {
  addonsOf,
  api,
  chinookApp,
  drill,
  report,
  startE2E,
  transcript,
  writesOf,
  type DrillRun,
  type E2E
} from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E({ restoreDelaySeconds: 4 })
})
afterAll(async () => {
  await e2e?.close()
})

function expectOutcome(run: DrillRun, outcome: string): void {
  if (run.outputs.outcome !== outcome)
    throw new Error(`outcome ${run.outputs.outcome}, wanted ${outcome}\n${transcript(run)}`)
}

function expectPostClean(run: DrillRun): void {
  if (run.postExitCode !== 0) throw new Error(`post step failed\n${transcript(run)}`)
}

interface AppView {
  name: string
  created_at: string
}

async function productionState(app: SimApp) {
  return {
    releases: (await api<{ version: number }[]>(e2e, `/apps/${app.name}/releases`)).map(
      (r) => r.version
    ),
    configVars: Object.keys(
      await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)
    ).sort()
  }
}

async function drillApps(): Promise<string[]> {
  return (await api<AppView[]>(e2e, '/apps'))
    .map((a) => a.name)
    .filter((n) => n.startsWith('restore-drill-'))
}

async function backupNames(app: SimApp): Promise<string[]> {
  const transfers = await dataApi<
    { num: number; from_type: string; to_type: string; schedule: unknown }[]
  >(`/client/v11/apps/${app.name}/transfers`)
  return transfers
    .filter((t) => t.from_type === 'pg_dump' && t.to_type === 'gof3r')
    .map((t) => `${t.schedule ? 'a' : 'b'}${String(t.num).padStart(3, '0')}`)
}

async function dataApi<T>(path: string): Promise<T> {
  const res = await fetch(`${e2e.sim.dataApiUrl}${path}`, {
    headers: { Authorization: `Basic ${Buffer.from(`:${e2e.sim.token}`).toString('base64')}` }
  })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`)
  return (await res.json()) as T
}

/** The writes of a run that touch the production app or its database. */
function productionWrites(requests: AuditEntry[], app: SimApp): string[] {
  return writesOf(requests)
    .filter(
      (w) =>
        w.path.includes(`/apps/${app.name}/`) ||
        w.path.endsWith(`/apps/${app.name}`) ||
        w.path.includes(app.addonId)
    )
    .map(
      (w) =>
        `${w.method} ${w.path.replace(app.addonId, '{source}').replace(/\/transfers\/\d+$/, '/transfers/{num}')}`
    )
}

/** Production untouched: same releases and config vars, no drill app, no add-on, no backup of ours. */
async function expectProductionLeftAlone(
  app: SimApp,
  before: Awaited<ReturnType<typeof productionState>>,
  run: DrillRun
) {
  expect(await productionState(app)).toEqual(before)
  expect(productionWrites(run.requests, app)).toEqual([
    'POST /client/v11/databases/{source}/backups',
    'DELETE /client/v11/apps/' + app.name + '/transfers/{num}'
  ])
  expect(await drillApps()).toEqual([])
  expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  expect(await backupNames(app)).toEqual(['a001'])
}

describe('drill-app: auto (the default)', () => {
  test('a default drill of shop: no release, no config change, no write but the capture and its deletion, nothing left', async () => {
    const app = await chinookApp(e2e, 'shop')
    const before = await productionState(app)
    const run = await drill(e2e, app)
    expectOutcome(run, 'passed')
    expect(run.outputs['drill-app']).toMatch(/^restore-drill-shop-/)
    await expectProductionLeftAlone(app, before, run)
    expect(report(run).cleanup.appDeleted).toBe(run.outputs['drill-app'])
    expect(run.summary).toMatch(/got no release and no restart/)
  }, 120_000)

  test('cancelled mid-restore (SIGINT, SIGTERM 7.5 s later, then post): the same', async () => {
    const app = await chinookApp(e2e, 'cancel')
    const before = await productionState(app)
    const run = await drill(
      e2e,
      app,
      {},
      {
        signals: [
          { signal: 'SIGINT', whenStdout: /restoring b\d+ onto/, afterMs: 500 },
          { signal: 'SIGTERM', afterMs: 7500 }
        ]
      }
    )
    expect(run.stdout).toMatch(/SIGINT received/)
    expectPostClean(run)
    expect(run.postStdout).toMatch(/deleted drill app restore-drill-/)
    await expectProductionLeftAlone(app, before, run)
    // Main wrote no report: the post step's summary says how far it got and what it undid.
    expect(run.postSummary).toMatch(/the drill was cancelled during the restore/)
    expect(run.postSummary).toMatch(
      /deleted drill app restore-drill-\S+, deleted the drill's backup b\d+/
    )
  }, 120_000)

  test('main killed (SIGKILL) once the drill app exists: the post step deletes it', async () => {
    const app = await chinookApp(e2e, 'killed')
    const run = await drill(
      e2e,
      app,
      {},
      { signals: [{ signal: 'SIGKILL', whenStdout: /creating add-on/ }] }
    )
    expect(run.exitSignal).toBe('SIGKILL')
    expectPostClean(run)
    expect(run.postStdout).toMatch(
      /deleted drill app restore-drill-|drill app restore-drill-\S+ was already gone/
    )
    expect(await drillApps()).toEqual([])
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  }, 120_000)
})

describe('drill-app: NAME and same', () => {
  test('NAME: only the drill add-on is created and destroyed there; the app stays', async () => {
    const app = await chinookApp(e2e, 'named')
    const target = `drills-${process.pid % 1000}`
    await api(e2e, '/apps', { method: 'POST', body: { name: target } })
    const before = await productionState(app)
    const run = await drill(e2e, app, { 'drill-app': target })
    expectOutcome(run, 'passed')
    expect(run.outputs['drill-app']).toBe(target)
    await expectProductionLeftAlone(app, before, run)
    expect(await addonsOf(e2e, target)).toEqual([])
    expect((await api<AppView>(e2e, `/apps/${target}`)).name).toBe(target)
    const onTarget = writesOf(run.requests).filter((w) => w.path.includes(`/apps/${target}`))
    expect(onTarget.map((w) => w.method).sort()).toEqual(['DELETE', 'POST'])
  }, 120_000)

  test('same: the add-on lives on the production app, and the summary says it restarted twice', async () => {
    const app = await chinookApp(e2e, 'same')
    const before = await productionState(app)
    const run = await drill(e2e, app, { 'drill-app': 'same' })
    expectOutcome(run, 'passed')
    expect(run.outputs['drill-app']).toBe(app.name)
    const after = await productionState(app)
    expect(after.releases.length).toBeGreaterThanOrEqual(before.releases.length + 2)
    expect(run.summary).toMatch(/dynos restarted twice/)
  }, 120_000)
})

describe('what the drill refuses, and what it cleans up', () => {
  test('a source whose manual-backup slots are full: refused before any write, naming the backup that would go', async () => {
    const app = await chinookApp(e2e, 'full', { plan: 'standard-0' })
    for (let i = 0; i < 25; i++)
      await api(e2e, `/__sim/apps/${app.name}/backups`, {
        method: 'POST',
        body: { scheduled: false }
      })
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app)
    expect(run.outputs.outcome).toBe('error')
    expect(report(run).error).toMatch(
      /a capture would expire backup b002 .*keeps 25 manual backups on standard-0/
    )
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
  }, 120_000)

  test('Essential: slots full by num_keep, refused before any write (issue 25 #7: it was only a warning)', async () => {
    const app = await chinookApp(e2e, 'fullessential')
    for (let i = 0; i < 5; i++)
      await api(e2e, `/__sim/apps/${app.name}/backups`, {
        method: 'POST',
        body: { scheduled: false }
      })
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app)
    expect(run.outputs.outcome).toBe('error')
    expect(report(run).error).toMatch(
      /a capture would expire backup b002 .*keeps 5 manual backups on essential-0/
    )
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
  }, 120_000)

  test('a stale drill app of an earlier run is deleted and reported; other apps are never touched', async () => {
    const app = await chinookApp(e2e, 'stale')
    const stale = 'restore-drill-old-abc123'
    const busy = 'restore-drill-busy-abc456'
    const other = `old-app-${process.pid % 1000}`
    for (const name of [stale, busy, other]) {
      await api(e2e, '/apps', { method: 'POST', body: { name } })
      await api(e2e, `/__sim/apps/${name}/age`, { method: 'POST', body: { seconds: 90_000 } })
    }
    // An add-on that is not a drill's: that app is not ours to delete.
    await api(e2e, `/apps/${busy}/addons`, {
      method: 'POST',
      body: { plan: 'heroku-postgresql:essential-0' }
    })
    const run = await drill(e2e, app)
    expectOutcome(run, 'passed')
    expect(report(run).cleanup.staleDestroyed).toEqual([`app ${stale}`])
    const names = (await api<AppView[]>(e2e, '/apps')).map((a) => a.name)
    expect(names).not.toContain(stale)
    expect(names).toEqual(expect.arrayContaining([busy, other]))
  }, 120_000)
})
