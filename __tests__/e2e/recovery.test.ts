// method fork / rollback end to end, the bundle run as the runner runs it, against the simulator's
// Continuous Protection (a Standard-tier database on a WAL-archiving PostgreSQL server; a fork or a
// rollback is a point-in-time recovery into a server of its own). A fork passes and touches
// nothing in production; a rollback to a time between two batches of writes holds the first batch
// and not the second, and its counts are bounded by the fork drill's earlier read; a rollback copy
// that lost rows fails; an Essential source, a time outside the window and a future time are
// refused before any write.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { AuditEntry, SimApp } from '../../sim/server.js'
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
  type DrillRun,
  type E2E
} from './helpers.js'

let e2e: E2E
let app: SimApp
let dir: string
let historyFile: string
beforeAll(async () => {
  e2e = await startE2E({ provisionDelaySeconds: 1 })
  app = await chinookApp(e2e, 'cp', { plan: 'standard-0' })
  await sql(
    app.databaseUrl,
    `create table public.drill_marks (id serial primary key, batch text not null)`
  )
  dir = mkdtempSync(join(tmpdir(), 'drill-recovery-'))
  historyFile = join(dir, 'history.jsonl')
}, 120_000)
afterAll(async () => {
  await e2e?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(text)
  } finally {
    await client.end()
  }
}

function expectOutcome(run: DrillRun, outcome: string): void {
  if (run.outputs.outcome !== outcome)
    throw new Error(`outcome ${run.outputs.outcome}, wanted ${outcome}\n${transcript(run)}`)
}

/** The create requests of add-ons in a run, with the provisioning options they sent. */
function addonCreates(requests: AuditEntry[]): { path: string; config?: Record<string, string> }[] {
  return writesOf(requests)
    .filter((w) => w.method === 'POST' && /^\/apps\/[^/]+\/addons$/.test(w.path))
    .map((w) => ({ path: w.path, config: (w.body as { config?: Record<string, string> })?.config }))
}

async function releasesOf(name: string): Promise<number> {
  return (await api<unknown[]>(e2e, `/apps/${name}/releases`)).length
}

/** The earliest recoverable time the source's database info shows (to the minute), in ms. */
async function earliestShown(): Promise<number> {
  const res = await fetch(`${e2e.sim.dataApiUrl}/client/v11/databases/${app.addonId}`, {
    headers: { Authorization: `Basic ${Buffer.from(`:${e2e.sim.token}`).toString('base64')}` }
  })
  const info = (await res.json()) as { info: { name: string; values: string[] }[] }
  const line = info.info.find((i) => i.name === 'Rollback')?.values[0] ?? ''
  const m = /from (\S+) (\d\d:\d\d) UTC/.exec(line)
  if (!m) throw new Error(`no Rollback line: ${line}`)
  return Date.parse(`${m[1]}T${m[2]}:00Z`)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

describe('method fork and rollback', () => {
  let target = ''

  test('fork: Heroku makes the copy from WAL; verified as a capture is, production untouched', async () => {
    const releases = await releasesOf(app.name)
    const run = await drill(e2e, app, { method: 'fork', history: historyFile })
    expectOutcome(run, 'passed')
    expect(run.outputs.method).toBe('fork')
    expect(run.outputs['backup-id']).toBe('')
    expect(Number(run.outputs['restore-seconds'])).toBeGreaterThan(0)
    const r = report(run)
    expect(r.recovery).toMatchObject({ method: 'fork', targetTime: null })
    expect(r.verification.tablesChecked).toBe(12)
    // Every Chinook table was quiet: its content was compared.
    expect(r.verification.tables.filter((t: any) => t.checksum?.match)).toHaveLength(12)
    const creates = addonCreates(run.requests)
    expect(creates).toHaveLength(1)
    expect(creates[0].path).not.toBe(`/apps/${app.name}/addons`)
    expect(creates[0].config).toEqual({ fork: `${app.name}::DATABASE_URL` })
    // No capture, no restore transfer.
    expect(writesOf(run.requests).filter((w) => /backups|restores|transfers/.test(w.path))).toEqual(
      []
    )
    expect(await releasesOf(app.name)).toBe(releases)
    expect((await addonsOf(e2e, app.name)).map((a) => a.name)).toEqual([app.addonName])
    expect(run.summary).toMatch(/Restore time:\*\* the fork was ready .* after it was asked for/)
  }, 150_000)

  test('rollback to a time between two batches: the first is in the copy, the second is not', async () => {
    // The earliest time shows to the minute: rather than wait for a target after it to be allowed,
    // move the source's recovery history back two minutes (its WAL still covers the target).
    const shownAt = await earliestShown()
    await api(e2e, `/__sim/addons/${app.addonId}/recovery-history`, {
      method: 'POST',
      body: { ageSeconds: 120 }
    })
    expect(await earliestShown()).toBeLessThanOrEqual(shownAt - 60_000)
    await sql(
      app.databaseUrl,
      `insert into public.drill_marks (batch) select 'before' from generate_series(1, 10)`
    )
    await sleep(1000 - (Date.now() % 1000) + 300)
    target = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
    await sleep(1200)
    await sql(
      app.databaseUrl,
      `insert into public.drill_marks (batch) select 'after' from generate_series(1, 5)`
    )
    await sql(app.databaseUrl, `delete from public.drill_marks where id = 1`)
    const run = await drill(e2e, app, {
      method: 'rollback',
      'rollback-to': target,
      history: historyFile,
      checks: [
        "rows before the target: select count(*) = 10 from public.drill_marks where batch = 'before'",
        "no rows after the target: select count(*) = 0 from public.drill_marks where batch = 'after'"
      ].join('\n')
    })
    expectOutcome(run, 'passed')
    const r = report(run)
    expect(r.recovery).toMatchObject({ method: 'rollback', targetTime: target })
    // The fork drill read the source before the target: the counts are bounded, not drift.
    expect(r.recovery.readBefore).toEqual(expect.any(String))
    const marks = r.verification.tables.find((t: any) => t.table === 'public.drill_marks')
    expect(marks).toMatchObject({ restored: 10, status: 'within-bounds' })
    expect(marks.expectedMin).toBeLessThanOrEqual(10)
    expect(marks.expectedMax).toBeGreaterThanOrEqual(10)
    // Chinook was quiet since the fork drill's read: its contents were compared.
    const track = r.verification.tables.find((t: any) => t.table === 'public.track')
    expect(track).toMatchObject({ status: 'match', checksum: { match: true } })
    const custom = r.verification.checks.find((c: any) => c.id === 'custom')
    expect(custom).toMatchObject({ status: 'passed', detail: '2 of 2 passed' })
    expect(addonCreates(run.requests)[0].config).toEqual({
      rollback: `${app.name}::DATABASE_URL`,
      to: target
    })
    expect(run.summary).toContain('the rollback to')
  }, 200_000)

  test('a rollback copy that lost rows fails verification, naming the table', async () => {
    expect(target).not.toBe('')
    await armFault(e2e, { kind: 'restore-delete-rows', table: 'public.track', count: 5 })
    try {
      // The fork drill's read in the history bounds public.track at the target: exactly its count.
      const run = await drill(e2e, app, {
        method: 'rollback',
        'rollback-to': target,
        history: historyFile
      })
      expectOutcome(run, 'failed')
      const track = report(run).verification.tables.find((t: any) => t.table === 'public.track')
      expect(track).toMatchObject({ status: 'mismatch' })
      const { events } = await api<{ events: { fault: { kind: string }; error: boolean }[] }>(
        e2e,
        '/__sim/faults'
      )
      expect(events.filter((e) => e.fault.kind === 'restore-delete-rows' && !e.error)).toHaveLength(
        1
      )
      expect(run.outputs.mismatches).not.toBe('0')
    } finally {
      await disarmFaults(e2e)
    }
  }, 200_000)

  test('cancelled while Heroku makes the fork: the post step deletes the drill app and the fork with it', async () => {
    await armFault(e2e, { kind: 'provision-slow', seconds: 30 })
    try {
      const run = await drill(
        e2e,
        app,
        { method: 'fork' },
        {
          signals: [
            { signal: 'SIGINT', whenStdout: /created add-on restore-drill-/, afterMs: 1000 },
            { signal: 'SIGTERM', afterMs: 7500 }
          ]
        }
      )
      expect(run.stdout).toMatch(/SIGINT received/)
      expect(run.postExitCode).toBe(0)
      // The slow provisioning was applied, and the cancel landed while Heroku made the fork.
      const { events } = await api<{ events: { fault: { kind: string }; error: boolean }[] }>(
        e2e,
        '/__sim/faults'
      )
      expect(events.filter((e) => e.fault.kind === 'provision-slow' && !e.error)).toHaveLength(1)
      expect(run.stdout).not.toMatch(/is available|was ready/)
      const state = JSON.parse(run.state.drill ?? '{}') as { drillApp?: { name: string } }
      const drillApp = state.drillApp?.name ?? ''
      expect(drillApp).toMatch(/^restore-drill-/)
      expect(run.postStdout).toContain(drillApp)
      const apps = (await api<{ name: string }[]>(e2e, '/apps')).map((a) => a.name)
      expect(apps).not.toContain(drillApp)
      expect((await addonsOf(e2e, app.name)).map((a) => a.name)).toEqual([app.addonName])
      // The post step's report says what ran and how far it got.
      expect(run.postStdout).toMatch(/cancel/i)
    } finally {
      await disarmFaults(e2e)
    }
  }, 150_000)

  test('refused before any write: an Essential source, beyond the window, a future time', async () => {
    const essential = await chinookApp(e2e, 'ess')
    const cases: [SimApp, Record<string, string>, RegExp][] = [
      [essential, { method: 'fork' }, /needs Continuous Protection.*essential-0/],
      [app, { method: 'rollback', 'rollback-to': '5d' }, /beyond the 4d that standard-0 keeps/],
      [
        app,
        {
          method: 'rollback',
          'rollback-to': new Date(Date.now() + 3600_000).toISOString().slice(0, 19) + 'Z'
        },
        /is in the future/
      ],
      [app, { method: 'rollback', 'rollback-to': '1d' }, /before the earliest time Heroku can roll/]
    ]
    for (const [source, inputs, error] of cases) {
      const run = await drill(e2e, source, inputs)
      expectOutcome(run, 'error')
      expect(report(run).error).toMatch(error)
      expect(writesOf(run.requests)).toEqual([])
    }
  }, 200_000)
})
