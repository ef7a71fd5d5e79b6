// Continuous Protection in the simulator: Standard-tier databases live on a WAL-archiving
// PostgreSQL cluster, and a fork or rollback is a real point-in-time recovery of it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import { findPgBinDir } from '../../../sim/pg-server.js'
import {
  ContinuousProtection,
  parseRecoveryTime,
  parseRollbackInterval
} from '../../../sim/sim-protection.js'
import { appName, client, query, sim, waitAddon, type Client } from './helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('rollback times and intervals', () => {
  it('reads `to` as ISO 8601 or `YYYY-MM-DD HH:MM[:SS] +0000 | UTC`, and `by` as an interval', () => {
    const at = Date.parse('2026-12-02T00:30:00Z')
    for (const text of [
      '2026-12-02T00:30:00Z',
      '2026-12-02T00:30:00.000Z',
      '2026-12-02T01:30:00+01:00',
      '2026-12-02 00:30:00 +0000',
      '2026-12-02 00:30:00 UTC',
      '2026-12-02 00:30+00',
      '2026-12-02 00:30:00'
    ])
      expect([text, parseRecoveryTime(text)]).toEqual([text, at])
    for (const text of ['yesterday', '2026-12-02', '12/02/2026 00:30'])
      expect([text, parseRecoveryTime(text)]).toEqual([text, NaN])
    const h = 3600_000
    const cases: [string, number][] = [
      ['3h', 3 * h],
      ['30m', 30 * 60_000],
      ['1d', 24 * h],
      ['2 hours', 2 * h],
      ['1 day', 24 * h],
      ['3 days 7 hours 22 minutes', (3 * 24 + 7) * h + 22 * 60_000],
      ['2 days 5 hours ago', (2 * 24 + 5) * h]
    ]
    for (const [text, ms] of cases) expect([text, parseRollbackInterval(text)]).toEqual([text, ms])
    for (const text of ['', 'soon', '3 fortnights', '0h'])
      expect([text, parseRollbackInterval(text)]).toEqual([text, NaN])
  })
})

describe('Continuous Protection: fork and rollback', () => {
  let s: Simulator
  let c: Client
  let shop: SimApp
  let drill: SimApp

  beforeAll(async () => {
    s = await sim({ provisionDelaySeconds: 0, deprovisionDelaySeconds: 0 })
    c = client(s)
    shop = await s.createApp(appName('shop'), {
      plan: 'standard-0',
      schedule: false,
      sql: 'create table item (id int primary key, label text);'
    })
    drill = await s.createApp(appName('drill'), { schedule: false })
  }, 120_000)
  afterAll(async () => {
    await s?.close()
  })

  async function createCopy(app: string, config: Record<string, string>, plan = 'standard-0') {
    return c.post(`/apps/${app}/addons`, { plan: `heroku-postgresql:${plan}`, config })
  }

  /** The copy's URL once provisioned (through its attachment's config var). */
  async function readyCopy(app: string, addon: any): Promise<string> {
    const done = await waitAddon(c, app, addon.name, 90_000)
    const status = (await c.get(`/client/v11/databases/${addon.id}/wait_status`)).body
    expect([done.state, status.message]).toEqual(['provisioned', 'available'])
    const vars = (await c.get(`/apps/${app}/config-vars`)).body
    return vars[done.config_vars[0]]
  }

  it('a rollback is a point-in-time recovery: rows of before `to` are there, later ones are not', async () => {
    await query(
      shop.databaseUrl,
      `insert into item select g, 'a' || g from generate_series(1, 5) g`
    )
    await sleep(1300 - (Date.now() % 1000))
    const t = new Date()
    await sleep(1200)
    await query(
      shop.databaseUrl,
      `insert into item select g, 'b' || g from generate_series(6, 8) g`
    )
    await query(shop.databaseUrl, `delete from item where id = 1`)
    await query(shop.databaseUrl, `update item set label = 'changed' where id = 2`)
    const sourceBefore = await query(shop.databaseUrl, 'select * from item order by id')
    const releases = (await c.get(`/apps/${drill.name}/releases`)).body.length

    const r = await createCopy(drill.name, {
      rollback: `${shop.name}::DATABASE_URL`,
      to: t.toISOString()
    })
    expect([r.status, r.body.state]).toEqual([201, 'provisioning'])
    const status = (await c.get(`/client/v11/databases/${r.body.id}/wait_status`)).body
    expect(status).toMatchObject({ 'waiting?': true, 'error?': false })
    expect(['preparing', 'recovering', 'finishing']).toContain(status.message)
    expect((await c.get(`/client/v11/databases/${r.body.id}`)).status).toBe(404)

    const url = await readyCopy(drill.name, r.body)
    expect(await query(url, 'select id, label from item order by id')).toEqual(
      [1, 2, 3, 4, 5].map((id) => ({ id, label: `a${id}` }))
    )
    const copy = new URL(url)
    const source = new URL(shop.databaseUrl)
    expect(copy.username).not.toBe(source.username)
    expect(copy.password).not.toBe(source.password)
    expect(copy.pathname).not.toBe(source.pathname)
    expect(copy.port).not.toBe(source.port)
    const databases = await query(url, 'select datname from pg_database order by 1')
    expect(databases.map((d) => d.datname).sort()).toEqual(
      [copy.pathname.slice(1), 'postgres', 'template0', 'template1'].sort()
    )
    expect(await query(shop.databaseUrl, 'select * from item order by id')).toEqual(sourceBefore)
    expect((await c.get(`/apps/${drill.name}/releases`)).body.length).toBeGreaterThan(releases)

    const info = (await c.get(`/client/v11/databases/${r.body.id}`)).body
    const line = (name: string) => info.info.find((x: any) => x.name === name)?.values
    expect(line('Rollback of')).toEqual([shop.addonName])
    expect(line('Continuous Protection')).toEqual(['On'])
    expect(line('Rollback')).toEqual([expect.stringMatching(/^earliest from .* UTC$/)])
    // The copy archives its own WAL: it can be forked in turn, as on Heroku.
    const refork = await createCopy(drill.name, { fork: r.body.name })
    expect(refork.status).toBe(201)
    const reforkUrl = await readyCopy(drill.name, refork.body)
    expect(await query(reforkUrl, 'select id, label from item order by id')).toEqual(
      await query(url, 'select id, label from item order by id')
    )
    expect(new URL(reforkUrl).port).not.toBe(copy.port)

    await c.del(`/apps/${drill.name}/addons/${r.body.name}`)
    await waitAddon(c, drill.name, r.body.name)
    for (let i = 0; i < 50 && (await canConnect(url)); i++) await sleep(100)
    expect(await canConnect(url)).toBe(false)
  })

  it('a fork holds what was committed before the create request, not what came after', async () => {
    await query(shop.databaseUrl, `insert into item values (100, 'before fork')`)
    const r = await createCopy(drill.name, { fork: `${shop.name}::DATABASE_URL` })
    expect(r.status).toBe(201)
    await query(shop.databaseUrl, `insert into item values (101, 'after fork')`)
    const url = await readyCopy(drill.name, r.body)
    const ids = (await query(url, 'select id from item where id >= 100')).map((x) => x.id)
    expect(ids).toEqual([100])
    const info = (await c.get(`/client/v11/databases/${r.body.id}`)).body
    expect(info.info).toContainEqual({ name: 'Forked From', values: [shop.addonName] })
  })

  it('refuses what cannot be forked or rolled back, with 422 and nothing created', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString()
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ fork: `${drill.name}::DATABASE_URL` }, 'standard-0', /not supported for Essential-tier/],
      [{ rollback: `${shop.name}::DATABASE_URL`, to: future }, 'standard-0', /in the future/],
      [
        { rollback: `${shop.name}::DATABASE_URL`, to: '2020-01-01T00:00:00Z' },
        'standard-0',
        /before the earliest time/
      ],
      [{ fork: `${shop.name}::DATABASE_URL` }, 'essential-0', /needs a Standard/],
      [{ fork: 'nowhere::DATABASE_URL' }, 'standard-0', /Couldn't find the database/],
      [{ rollback: `${shop.name}::DATABASE_URL`, to: 'yesterday' }, 'standard-0', /not a time/],
      [{ rollback: `${shop.name}::DATABASE_URL` }, 'standard-0', /needs to .* or by/],
      [{ rollback: `${shop.name}::DATABASE_URL`, to: future, by: '1h' }, 'standard-0', /not both/]
    ]
    const addons = (await c.get(`/apps/${drill.name}/addons`)).body.length
    const releases = (await c.get(`/apps/${drill.name}/releases`)).body.length
    for (const [config, plan, message] of cases) {
      const r = await createCopy(drill.name, config, plan)
      expect([config, r.status, r.body.id, r.body.message]).toEqual([
        config,
        422,
        'invalid_params',
        expect.stringMatching(message)
      ])
    }
    expect((await c.get(`/apps/${drill.name}/addons`)).body.length).toBe(addons)
    expect((await c.get(`/apps/${drill.name}/releases`)).body.length).toBe(releases)
  })

  it("info[] of a Standard database shows Continuous Protection and the earliest rollback time; Essential's shows Off", async () => {
    const fresh = await s.createApp(appName('fresh'), { plan: 'standard-0', schedule: false })
    const created = Date.now()
    const info = (await c.get(`/client/v11/databases/${fresh.addonId}`)).body.info
    const line = (x: any[], name: string) => x.find((l: any) => l.name === name)?.values
    expect(line(info, 'Continuous Protection')).toEqual(['On'])
    expect(line(info, 'Fork/Follow')).toEqual(['Available'])
    const [rollback] = line(info, 'Rollback')
    const m = /^earliest from (\d{4}-\d\d-\d\d \d\d:\d\d) UTC$/.exec(rollback)
    expect(m).not.toBeNull()
    const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
    expect(m![1] >= minute(created - 60_000)).toBe(true)
    expect(m![1] <= minute(Date.now())).toBe(true)
    const essential = (await c.get(`/client/v11/databases/${drill.addonId}`)).body.info
    expect(line(essential, 'Continuous Protection')).toEqual(['Off'])
    expect(line(essential, 'Rollback')).toEqual(['Unsupported'])
    expect(line(essential, 'Fork/Follow')).toEqual(['Unsupported'])
  })

  it('POST /__sim/addons/{id}/recovery-history moves the earliest rollback time back; a bad body is 422', async () => {
    const fresh = await s.createApp(appName('aged'), { plan: 'standard-0', schedule: false })
    const earliest = async () => {
      const info = (await c.get(`/client/v11/databases/${fresh.addonId}`)).body.info
      const [text] = info.find((l: any) => l.name === 'Rollback').values
      return Date.parse(text.replace(/^earliest from (\S+) (\S+) UTC$/, '$1T$2:00Z'))
    }
    const before = await earliest()
    const r = await c.post(`/__sim/addons/${fresh.addonName}/recovery-history`, { ageSeconds: 600 })
    expect(r.body).toEqual({ addon: fresh.addonName, ageSeconds: 600 })
    expect(await earliest()).toBe(before - 600_000)
    for (const body of [{}, { ageSeconds: -1 }])
      expect((await c.post(`/__sim/addons/${fresh.addonId}/recovery-history`, body)).status).toBe(
        422
      )
  })

  it('applies an armed restore-delete-rows fault to the copy; one that cannot be applied fails the provisioning', async () => {
    const count = (await query(shop.databaseUrl, 'select count(*)::int as n from item'))[0].n
    s.armFaults({ kind: 'restore-delete-rows', table: 'item', count: 2 })
    const r = await createCopy(drill.name, { rollback: `${shop.name}::DATABASE_URL`, by: '0.5s' })
    const url = await readyCopy(drill.name, r.body)
    expect((await query(url, 'select count(*)::int as n from item'))[0].n).toBe(count - 2)

    s.armFaults({ kind: 'restore-delete-rows', table: 'no_such_table' })
    const bad = await createCopy(drill.name, { fork: `${shop.name}::DATABASE_URL` })
    const done = await waitAddon(c, drill.name, bad.body.name, 90_000)
    expect(done.state).toBe('deprovisioned')
    const status = (await c.get(`/client/v11/databases/${bad.body.id}/wait_status`)).body
    expect(status).toMatchObject({
      'waiting?': false,
      'error?': true,
      message: expect.stringMatching(/restore-delete-rows could not be applied/)
    })
    expect(status.message).not.toContain(new URL(shop.databaseUrl).password)
  })
})

describe('a recovery that cannot reach its target', () => {
  it("fails with PostgreSQL's own reason", async () => {
    const cp = new ContinuousProtection(process.env.PG_BIN_DIR ?? findPgBinDir(), new Set())
    try {
      const server = await cp.protectedServer()
      const creds = await server.createDatabase()
      const progress: string[] = []
      // A target after every commit in the archive: the WAL ends before the target is reached.
      const failed = cp.recover({
        source: creds,
        targetMs: Date.now() + 600_000,
        progress: (m) => progress.push(m)
      })
      await expect(failed).rejects.toThrow(
        /recovery failed: recovery ended before configured recovery target was reached/
      )
      expect(progress).toEqual(['preparing', 'recovering'])
    } finally {
      await cp.close()
    }
  })
})

async function canConnect(url: string): Promise<boolean> {
  try {
    await query(url, 'select 1')
    return true
  } catch {
    return false
  }
}
