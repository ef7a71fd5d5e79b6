// A drill that leaves production alone: by default the restored copy lives on an app created for
// the drill and deleted at the end, so the production app gets no release, no config change and
// no write but the capture and that capture's deletion; the same after a cancel or a killed main.
// drill-app: NAME and same, a source whose manual-backup slots are full, stale drill apps.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type { AuditEntry, SimApp } from '../../sim/server.js'
import { startRewritingProxy } from '../fakes/rewriting-proxy.js'
import { drillAppName } from '../../src/steps/drill-app.js'
import { drillAddonName } from '../../src/safety.js'
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

/** Until the add-on is provisioned (the sim provisions with a delay, as Heroku does). */
async function waitAvailable(e2e: E2E, addonId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const addon = await api<{ state: string }>(e2e, `/addons/${addonId}`)
    if (addon.state === 'provisioned') return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`add-on ${addonId} did not provision`)
}

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

  test('a well-formed plan Heroku does not offer: refused before any write, naming the plans it does (issue 25 #14)', async () => {
    const app = await chinookApp(e2e, 'noplan')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, { plan: 'standard-9' })
    expect(run.outputs.outcome).toBe('error')
    expect(report(run).error).toMatch(
      /Input "plan": heroku-postgresql has no plan standard-9; plans Heroku offers: .*essential-0/
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

  test('the sweep deletes only the stale drill apps of the drilled app: never one holding a copy attached elsewhere (a promoted kept copy), never those of another app; one it cannot delete is a warning (issue 25 #1, #10)', async () => {
    const app = await chinookApp(e2e, 'stale')
    const victim = await chinookApp(e2e, 'victim')
    const stale = drillAppName(app.name, 'abc123')
    const promoted = drillAppName(app.name, 'abc456')
    const undeletable = drillAppName(app.name, 'abc789')
    const othersDrill = drillAppName(victim.name, 'abcdef')
    const plain = `old-app-${process.pid % 1000}`
    for (const name of [stale, promoted, undeletable, othersDrill, plain]) {
      await api(e2e, '/apps', { method: 'POST', body: { name } })
      await api(e2e, `/__sim/apps/${name}/age`, { method: 'POST', body: { seconds: 90_000 } })
    }
    // A copy an earlier drill made, attached to the victim app and promoted to its DATABASE, as
    // the runbook's recovery does: deleting its app would take the victim's DATABASE_URL away.
    const copy = await api<{ id: string; name: string }>(e2e, `/apps/${promoted}/addons`, {
      method: 'POST',
      body: {
        plan: 'heroku-postgresql:essential-0',
        name: drillAddonName(app.name, '99', '1', 'abcd')
      }
    })
    await waitAvailable(e2e, copy.id)
    // As pg:promote: the victim's database gets an alias first (DATABASE is its last attachment).
    await api(e2e, '/addon-attachments', {
      method: 'POST',
      body: { addon: victim.addonId, app: victim.name }
    })
    await api(e2e, '/addon-attachments', {
      method: 'POST',
      body: { addon: copy.id, app: victim.name, name: 'DATABASE', confirm: victim.name }
    })
    const victimUrl = (await api<Record<string, string>>(e2e, `/apps/${victim.name}/config-vars`))
      .DATABASE_URL
    // Heroku refuses to delete one of them (the token can see it, not delete it).
    const proxy = await startRewritingProxy(e2e.sim.apiUrl, [
      {
        method: 'DELETE',
        path: new RegExp(`^/apps/${undeletable}$`),
        times: 8,
        forward: false,
        rewrite: () => ({
          status: 403,
          body: JSON.stringify({ id: 'forbidden', message: 'You do not have access to the app.' })
        })
      }
    ])
    try {
      const run = await drill(
        e2e,
        app,
        {},
        {
          env: { HEROKU_API_URL: proxy.url, HEROKU_DATA_API_URL: proxy.url }
        }
      )
      expectOutcome(run, 'passed')
      // The refusal was really applied (a 403 is not retried: once).
      expect(proxy.rewritten()).toBeGreaterThan(0)
      expect(report(run).cleanup.staleDestroyed).toEqual([`app ${stale}`])
      expect(run.stdout).toMatch(
        new RegExp(`::warning.*could not delete stale drill app ${undeletable}.*the drill goes on`)
      )
      const names = (await api<AppView[]>(e2e, '/apps')).map((a) => a.name)
      expect(names).not.toContain(stale)
      expect(names).toEqual(expect.arrayContaining([promoted, undeletable, othersDrill, plain]))
      const vars = await api<Record<string, string>>(e2e, `/apps/${victim.name}/config-vars`)
      expect(vars.DATABASE_URL).toBe(victimUrl)
    } finally {
      await proxy.close()
    }
  }, 180_000)
})
