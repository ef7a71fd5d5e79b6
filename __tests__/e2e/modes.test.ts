// Issue 7, end to end through dist/: backup latest / an ID / an absent ID, keep-database, the
// promote drill, require-schedule and heartbeat-url.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  addonsOf,
  api,
  armFault,
  attachmentsOf,
  chinookApp,
  disarmFaults,
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

function captures(start: number): number {
  return writesOf(e2e.sim.audit(), start).filter(
    (w) => w.method === 'POST' && /\/backups$/.test(w.path)
  ).length
}

describe('which backup', () => {
  test('latest restores the newest successful backup (the scheduled a001), without a capture', async () => {
    const app = await chinookApp(e2e, 'latest')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, { backup: 'latest' })
    expect({ outcome: run.outputs.outcome, id: run.outputs['backup-id'] }).toEqual({
      outcome: 'passed',
      id: 'a001'
    })
    expect(captures(start)).toBe(0)
    expect(report(run).backup.choice).toBe('latest')
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  }, 120_000)

  test('an ID restores exactly that backup', async () => {
    const app = await chinookApp(e2e, 'byid')
    const manual = await e2e.sim.takeBackup(app.name, { scheduled: false })
    await e2e.sim.takeBackup(app.name, { scheduled: true })
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, { backup: manual.name })
    expect({ outcome: run.outputs.outcome, id: run.outputs['backup-id'] }).toEqual({
      outcome: 'passed',
      id: manual.name
    })
    expect(captures(start)).toBe(0)
  }, 120_000)

  test('an absent ID fails naming it and the available IDs, before anything is created', async () => {
    const app = await chinookApp(e2e, 'absent')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, { backup: 'b099' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.outcome).toBe('error')
    const line = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''
    expect(line).toMatch(/b099/)
    expect(line).toMatch(/a001/)
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
  }, 120_000)
})

describe('incident and promote', () => {
  test('keep-database leaves exactly the restored add-on and prints the promote command', async () => {
    const app = await chinookApp(e2e, 'keep')
    // On the production app (drill-app: same): the kept add-on then blocks the next drill there.
    const run = await drill(e2e, app, {
      backup: 'latest',
      'keep-database': 'true',
      plan: 'standard-0',
      'drill-app': 'same'
    })
    expect(run.outputs.outcome).toBe('passed')
    expect(report(run).restore.plan).toBe('heroku-postgresql:standard-0')
    expect(run.outputs['restored-attachment']).toBe('RESTORE_DRILL')
    const r = report(run)
    const kept = r.restore.addonName as string
    expect(kept).toMatch(/^restore-kept-keep-/)
    expect(r.cleanup.kept).toEqual({
      addonName: kept,
      app: app.name,
      attachment: 'RESTORE_DRILL'
    })
    const addons = await addonsOf(e2e, app.name)
    expect(addons.map((a) => a.name).sort()).toEqual([app.addonName, kept].sort())
    expect(run.summary).toContain('heroku pg:promote')
    expect(run.summary).toContain(kept)
    expect(run.postStdout).not.toMatch(/destroying/)
    // The kept add-on holds the restore, reachable as RESTORE_DRILL_URL.
    const vars = await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)
    expect(await fingerprint(vars.RESTORE_DRILL_URL)).toEqual(await fingerprint(app.databaseUrl))
    // A second drill refuses to run while the kept one holds RESTORE_DRILL.
    const again = await drill(e2e, app, { backup: 'latest', 'drill-app': 'same' })
    expect(again.outputs.outcome).toBe('error')
    expect(again.stdout).toMatch(/is a copy an earlier drill kept \(keep-database\)/)

    // A day later the kept add-on is still the team's: the next drill neither deletes it nor runs
    // over it, and says how to destroy it. An old add-on whose name is not ours is never touched.
    const other = await api<{ id: string; name: string }>(e2e, `/apps/${app.name}/addons`, {
      method: 'POST',
      body: { plan: 'heroku-postgresql:essential-0' }
    })
    const day = 24 * 3600
    await api(e2e, `/__sim/addons/${kept}/age`, { method: 'POST', body: { seconds: day + 60 } })
    await api(e2e, `/__sim/addons/${other.id}/age`, { method: 'POST', body: { seconds: 90 * day } })
    const start = e2e.sim.audit().length
    const later = await drill(e2e, app, { backup: 'latest', 'drill-app': 'same' })
    expect(later.outputs.outcome).toBe('error')
    expect(report(later).error).toContain(
      `add-on ${kept} is a copy an earlier drill kept (keep-database): when the team is done with it, run heroku addons:destroy ${kept} --app ${app.name} --confirm ${app.name}`
    )
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
    // Once the team destroyed it, the next drill runs.
    await api(e2e, `/apps/${app.name}/addons/${kept}`, { method: 'DELETE' })
    const after = await drill(e2e, app, { backup: 'latest', 'drill-app': 'same' })
    expect({ outcome: after.outputs.outcome, log: transcript(after) }).toMatchObject({
      outcome: 'passed'
    })
    expect(report(after).cleanup.staleDestroyed).toEqual([])
    expect((await addonsOf(e2e, app.name)).map((a) => a.name).sort()).toEqual(
      [app.addonName, other.name].sort()
    )
    await api(e2e, `/apps/${app.name}/addons/${other.id}`, { method: 'DELETE' })
  }, 180_000)

  test('keep-database with drill-app auto: the drill app is kept with its add-on, and one command deletes both', async () => {
    const app = await chinookApp(e2e, 'keepauto')
    const run = await drill(e2e, app, { backup: 'latest', 'keep-database': 'true' })
    expect(run.outputs.outcome).toBe('passed')
    const drillApp = run.outputs['drill-app']
    expect(drillApp).toMatch(/^restore-drill-keepauto-/)
    const kept = report(run).restore.addonName as string
    expect((await addonsOf(e2e, drillApp)).map((a) => a.name)).toEqual([kept])
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
    expect(run.summary).toContain(`heroku apps:destroy ${drillApp} --confirm ${drillApp}`)
    await api(e2e, `/apps/${drillApp}`, { method: 'DELETE' })
  }, 120_000)

  test('promote drill: promotes, runs checks through DATABASE_URL, promotes back; DATABASE_URL and maintenance as before', async () => {
    const app = await chinookApp(e2e, 'promote')
    const varsBefore = await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, {
      'drill-app': 'same',
      maintenance: 'true',
      promote: 'true',
      checks: 'tracks present: select count(*) > 3000 from track'
    })
    expect({
      outcome: run.outputs.outcome,
      log: run.outputs.outcome === 'passed' ? '' : transcript(run)
    }).toEqual({
      outcome: 'passed',
      log: ''
    })
    const r = report(run)
    expect(r.promote).toEqual({
      promoted: true,
      promotedBack: true,
      finalDatabaseAddon: app.addonName,
      maintenanceOff: true
    })
    const varsAfter = await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)
    expect(varsAfter.DATABASE_URL).toBe(varsBefore.DATABASE_URL)
    const appInfo = await api<{ maintenance: boolean }>(e2e, `/apps/${app.name}`)
    expect(appInfo.maintenance).toBe(false)
    const database = (await attachmentsOf(e2e, app.name)).find((a) => a.name === 'DATABASE')
    expect(database?.addon.id).toBe(app.addonId)
    // The original's alias (DATABASE was its only attachment), two promotes (there and back), the
    // alias removed; maintenance on and off twice (capture window, promote window).
    const writes = writesOf(e2e.sim.audit(), start)
    const attaches = writes.filter((w) => w.method === 'POST' && w.path === '/addon-attachments')
    expect(attaches.map((w) => (w.body as { addon: { name: string } }).addon.name)).toEqual([
      app.addonName,
      r.restore.addonName,
      app.addonName
    ])
    expect(
      writes.filter((w) => w.method === 'DELETE' && w.path.startsWith('/addon-attachments/'))
    ).toHaveLength(1)
    expect(
      writes
        .filter((w) => w.method === 'PATCH')
        .map((w) => (w.body as { maintenance: boolean }).maintenance)
    ).toEqual([true, false, true, false])
    expect(
      r.verification.checks.some(
        (c: { id: string; status: string }) => c.id.startsWith('promote:') && c.status === 'passed'
      )
    ).toBe(true)
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  }, 180_000)
})

describe('policies', () => {
  test('no schedule fails require-schedule clearly, before anything is created', async () => {
    const app = await chinookApp(e2e, 'nosched', { schedule: false, initialBackup: false })
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app)
    expect(run.exitCode).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    const line = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''
    expect(line).toMatch(/no automatic backup schedule/)
    expect(line).toMatch(/require-schedule/)
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
  }, 120_000)

  describe('heartbeat-url', () => {
    let server: Server
    let hits: string[] = []
    let url = ''
    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(`${req.method} ${req.url}`)
        res.writeHead(200)
        res.end('ok')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/abc123`
    })
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })

    test('requested once (GET) after a pass', async () => {
      hits = []
      const app = await chinookApp(e2e, 'beat')
      const run = await drill(e2e, app, { backup: 'latest', 'heartbeat-url': url })
      expect(run.outputs.outcome).toBe('passed')
      expect(hits).toEqual(['GET /ping/abc123'])
    }, 120_000)

    test('not requested after a failure', async () => {
      hits = []
      const app = await chinookApp(e2e, 'nobeat')
      await armFault(e2e, { kind: 'restore-drop-table', table: 'public.genre' })
      try {
        const run = await drill(e2e, app, { backup: 'latest', 'heartbeat-url': url })
        expect(run.outputs.outcome).toBe('failed')
      } finally {
        await disarmFaults(e2e)
      }
      expect(hits).toEqual([])
    }, 120_000)
  })
})
