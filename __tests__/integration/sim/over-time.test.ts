// The simulator behaves like Heroku over time, not only at rest: transfers answer nulls until
// they run and finish, both APIs' time formats, add-ons provision and deprovision over time,
// releases wait for a release phase, and what Heroku refuses is refused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import {
  appName,
  client,
  sim,
  waitAddon,
  waitAddonGone,
  waitTransfer,
  type Client
} from './helpers.js'

const DATA_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/
const PLATFORM_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('simulator over time', () => {
  let s: Simulator
  let c: Client
  let app: SimApp

  beforeAll(async () => {
    s = await sim({ provisionDelaySeconds: 1, deprovisionDelaySeconds: 1 })
    c = client(s)
    app = await s.createApp(appName('time'), {
      sql: `create table item (id int primary key); insert into item values (1), (2);`
    })
  })
  afterAll(async () => {
    await s?.close()
  })

  async function provisionedAddon(attachmentName?: string): Promise<any> {
    const r = await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      ...(attachmentName ? { attachment: { name: attachmentName } } : {})
    })
    expect(r.status).toBe(201)
    return waitAddon(c, app.name, r.body.id)
  }

  it('a capture answers with started_at, updated_at and source_bytes null, then succeeded null while it runs', async () => {
    s.armFaults({ kind: 'transfer-slow', transfer: 'capture', seconds: 2 })
    const post = await c.post(`/client/v11/databases/${app.addonId}/backups`)
    expect(post.status).toBe(201)
    expect(post.body).toMatchObject({
      started_at: null,
      updated_at: null,
      source_bytes: null,
      finished_at: null,
      succeeded: null,
      to_name: 'BACKUP'
    })
    expect(post.body.created_at).toMatch(DATA_TIME)
    await sleep(500)
    const running = (await c.get(`/client/v11/apps/${app.name}/transfers/${post.body.uuid}`)).body
    expect(running).toMatchObject({ succeeded: null, finished_at: null })
    expect(running.started_at).toMatch(DATA_TIME)
    expect(running.source_bytes).toBeGreaterThan(0)
    const done = await waitTransfer(c, app.name, post.body.uuid)
    expect(done.succeeded).toBe(true)
    for (const key of ['created_at', 'started_at', 'updated_at', 'finished_at'])
      expect([key, done[key]]).toEqual([key, expect.stringMatching(DATA_TIME)])
    expect(done.logs[0].created_at).toMatch(DATA_TIME)
  })

  it('scheduled backups are SCHEDULED BACKUP; a restore is htcat from BACKUP and keeps source_bytes null', async () => {
    const list = (await c.get(`/client/v11/apps/${app.name}/transfers`)).body
    expect(list.find((t: any) => t.num === 1)).toMatchObject({
      to_name: 'SCHEDULED BACKUP',
      schedule: { uuid: expect.any(String) }
    })
    const target = await provisionedAddon('TARGET')
    const post = await c.post(`/client/v11/databases/${target.id}/restores`, {
      backup_url: list[0].to_url
    })
    expect(post.body).toMatchObject({ started_at: null, updated_at: null, source_bytes: null })
    const done = await waitTransfer(c, app.name, post.body.uuid)
    expect(done).toMatchObject({
      succeeded: true,
      from_type: 'htcat',
      from_name: 'BACKUP',
      to_type: 'pg_restore',
      to_name: 'TARGET',
      source_bytes: null
    })
    expect(done.processed_bytes).toBeGreaterThan(0)
  })

  it('a created add-on answers provisioning, and its config var is set only once it is provisioned', async () => {
    const r = await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      attachment: { name: 'SLOWPOKE' }
    })
    expect(r.body.state).toBe('provisioning')
    expect(r.body.config_vars).toEqual(['SLOWPOKE_URL'])
    expect(r.body.created_at).toMatch(PLATFORM_TIME)
    expect((await c.get(`/apps/${app.name}/config-vars`)).body.SLOWPOKE_URL).toBeUndefined()
    expect((await c.get(`/client/v11/databases/${r.body.id}/wait_status`)).body['waiting?']).toBe(
      true
    )
    expect((await waitAddon(c, app.name, r.body.id)).state).toBe('provisioned')
    expect((await c.get(`/apps/${app.name}/config-vars`)).body.SLOWPOKE_URL).toMatch(/^postgres:/)
  })

  it('POST /__sim/clock moves the clock: a provisioning due in 10 minutes is done when they have passed', async () => {
    s.armFaults({ kind: 'provision-slow', seconds: 600 })
    const r = await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      attachment: { name: 'CLOCKED' }
    })
    expect(r.body.state).toBe('provisioning')
    expect((await c.post('/__sim/clock', { advanceSeconds: 300 })).body).toMatchObject({
      advancedSeconds: 300
    })
    expect((await c.get(`/apps/${app.name}/addons/${r.body.id}`)).body.state).toBe('provisioning')
    expect(
      (await c.post('/__sim/clock', { advanceSeconds: 300 })).body.fired
    ).toBeGreaterThanOrEqual(1)
    expect((await waitAddon(c, app.name, r.body.id, 5_000)).state).toBe('provisioned')
    for (const body of [{}, { advanceSeconds: 0 }, { advanceSeconds: '60' }])
      expect((await c.post('/__sim/clock', body)).status).toBe(422)
  })

  it('a destroyed add-on passes through deprovisioning; its config var goes at once', async () => {
    const addon = await provisionedAddon('DOOMED')
    const del = await c.del(`/apps/${app.name}/addons/${addon.id}`)
    expect(del.body.state).toBe('deprovisioning')
    expect((await c.get(`/apps/${app.name}/addons/${addon.id}`)).body.state).toBe('deprovisioning')
    expect((await c.get(`/apps/${app.name}/config-vars`)).body.DOOMED_URL).toBeUndefined()
    expect(await waitAddonGone(c, app.name, addon.id)).toBe(404)
  })

  it('upper-cases the config var of a lowercase attachment name', async () => {
    const addon = await provisionedAddon('svs_lower')
    expect(addon.config_vars).toEqual(['SVS_LOWER_URL'])
    const vars = (await c.get(`/apps/${app.name}/config-vars`)).body
    expect(vars.SVS_LOWER_URL).toMatch(/^postgres:/)
    expect(vars.svs_lower_URL).toBeUndefined()
  })

  it('a release phase keeps releases pending, then succeeded, or failed when a release-fail fault is armed', async () => {
    const hook = await c.post(`/__sim/apps/${app.name}/release-phase`, { seconds: 60 })
    expect(hook.status).toBe(200)
    const formation = (await c.get(`/apps/${app.name}/formation`)).body
    expect(formation.map((f: any) => f.type)).toEqual(['web', 'release'])
    s.armFaults({ kind: 'release-fail', description: 'Attach FAILING' })
    await c.post('/addon-attachments', { addon: app.addonName, app: app.name, name: 'PASSING' })
    await c.post('/addon-attachments', { addon: app.addonName, app: app.name, name: 'FAILING' })
    const newest = async () =>
      (await c.get(`/apps/${app.name}/releases`, { Range: 'version ..; max=2, order=desc' })).body
    const pending = await newest()
    expect(pending.map((r: any) => [r.description.split(' (')[0], r.status])).toEqual([
      ['Attach FAILING', 'pending'],
      ['Attach PASSING', 'pending']
    ])
    expect(pending.every((r: any) => !r.current)).toBe(true)
    // The simulator's clock, not a real minute: half of it leaves them pending, all of it ends them.
    await c.post('/__sim/clock', { advanceSeconds: 30 })
    expect((await newest()).map((r: any) => r.status)).toEqual(['pending', 'pending'])
    await c.post('/__sim/clock', { advanceSeconds: 30 })
    const finished = await newest()
    expect(finished.map((r: any) => r.status)).toEqual(['failed', 'succeeded'])
    expect(finished[1].current).toBe(true)
    await c.post(`/__sim/apps/${app.name}/release-phase`, { seconds: null })
    expect((await c.get(`/apps/${app.name}/formation`)).body).toHaveLength(1)
  })

  it('refuses unknown params, non-string config values and an app object in resolve: 422 invalid_params', async () => {
    const refused = [
      await c.patch(`/apps/${app.name}`, { maintenance: false, foo: 1 }),
      await c.post(`/apps/${app.name}/addons`, { plan: 'heroku-postgresql:essential-0', foo: 1 }),
      await c.post('/addon-attachments', { addon: app.addonName, app: app.name, foo: 1 }),
      await c.post('/actions/addon-attachments/resolve', { addon_attachment: 'DATABASE', foo: 1 })
    ]
    for (const r of refused)
      expect([r.status, r.body]).toEqual([
        422,
        { id: 'invalid_params', message: 'Unknown params: foo.' }
      ])
    const config = await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      config: { fork: true }
    })
    expect([config.status, config.body.id]).toEqual([422, 'invalid_params'])
    for (const path of ['/actions/addon-attachments/resolve', '/actions/addons/resolve']) {
      const key = path.includes('attachments') ? 'addon_attachment' : 'addon'
      const r = await c.post(path, { [key]: 'DATABASE', app: { name: app.name } })
      expect([path, r.status, r.body.id]).toEqual([path, 422, 'invalid_params'])
      const ok = await c.post(path, { [key]: 'DATABASE', app: app.name })
      expect([path, ok.status]).toEqual([path, 200])
    }
  })

  it('Essential-tier database info has no num_tables, postgres_version or password; Standard has them', async () => {
    const essential = (await c.get(`/client/v11/databases/${app.addonId}`)).body
    for (const key of ['num_tables', 'postgres_version', 'database_password'])
      expect([key, key in essential]).toEqual([key, false])
    expect(essential.created_at).toMatch(DATA_TIME)
    const std = await s.createApp(appName('std'), { plan: 'standard-0', schedule: false })
    const standard = (await c.get(`/client/v11/databases/${std.addonId}`)).body
    expect(standard).toMatchObject({
      num_tables: 0,
      postgres_version: expect.stringMatching(/^\d+$/),
      database_password: expect.any(String)
    })
  })
})
