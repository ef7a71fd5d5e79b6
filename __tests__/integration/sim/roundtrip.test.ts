// The simulator's core promise: an app loaded from Chinook, a real capture, a real restore onto a
// fresh add-on, and every table and row identical afterwards.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import {
  CHINOOK,
  appName,
  client,
  dumpTables,
  query,
  sim,
  waitAddon,
  waitAddonGone,
  waitTransfer,
  type Client
} from './helpers.js'

describe('simulator round trip (Chinook)', () => {
  let s: Simulator
  let c: Client
  let app: SimApp

  beforeAll(async () => {
    s = await sim({ provisionDelaySeconds: 1 })
    c = client(s)
    app = await s.createApp(appName('shop'), { sqlFile: CHINOOK })
  })
  afterAll(async () => {
    await s?.close()
  })

  it('creates the app with a DATABASE add-on owned by its own role, a schedule and backup a001', async () => {
    const appInfo = await c.get(`/apps/${app.name}`)
    expect(appInfo.status).toBe(200)
    expect(appInfo.body).toMatchObject({ id: app.id, name: app.name, maintenance: false })
    const atts = await c.get(`/apps/${app.name}/addon-attachments`)
    expect(atts.body).toHaveLength(1)
    expect(atts.body[0]).toMatchObject({
      name: 'DATABASE',
      namespace: null,
      addon: { id: app.addonId, name: app.addonName, app: { name: app.name } }
    })
    const vars = await c.get(`/apps/${app.name}/config-vars`)
    expect(vars.body).toEqual({ DATABASE_URL: app.databaseUrl })
    expect(app.databaseUrl).toMatch(/^postgres:\/\/u[0-9a-f]+:[^@]+@127\.0\.0\.1:\d+\/d[0-9a-f]+$/)
    const owners = await query(
      app.databaseUrl,
      `select distinct tableowner = current_user as mine from pg_tables where schemaname = 'public'`
    )
    expect(owners).toEqual([{ mine: true }])
    const transfers = await c.get(`/client/v11/apps/${app.name}/transfers`)
    expect(transfers.body).toHaveLength(1)
    expect(transfers.body[0]).toMatchObject({
      num: 1,
      from_type: 'pg_dump',
      to_type: 'gof3r',
      succeeded: true,
      from_name: 'DATABASE'
    })
    expect(transfers.body[0].schedule).toEqual({ uuid: expect.any(String) })
    const schedules = await c.get(`/client/v11/databases/${app.addonId}/transfer-schedules`)
    expect(schedules.body).toEqual([
      expect.objectContaining({ name: 'DATABASE_URL', hour: expect.any(Number), timezone: 'UTC' })
    ])
  })

  it('captures, provisions a fresh add-on and restores every table and row identically', async () => {
    const info = await c.get(`/client/v11/databases/${app.addonId}`)
    expect(info.status).toBe(200)
    // Essential-tier info has no num_tables (nor postgres_version or password); info[] has them.
    expect(info.body.num_tables).toBeUndefined()
    expect(info.body.info).toContainEqual({ name: 'Tables', values: [11] })
    const capture = await c.post(`/client/v11/databases/${app.addonId}/backups`)
    expect(capture.status).toBe(201)
    expect(capture.body).toMatchObject({
      num: 2,
      from_type: 'pg_dump',
      to_type: 'gof3r',
      finished_at: null
    })
    expect(capture.body.schedule).toBeUndefined()

    const created = await c.post(
      `/apps/${app.name}/addons`,
      {
        plan: { name: 'heroku-postgresql:essential-0' },
        name: 'restore-drill-shop-1-1-abcd',
        attachment: { name: 'RESTORE_DRILL' }
      },
      { 'Accept-Expansion': 'plan' }
    )
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      name: 'restore-drill-shop-1-1-abcd',
      state: 'provisioning',
      config_vars: ['RESTORE_DRILL_URL'],
      plan: { name: 'heroku-postgresql:essential-0', price: { cents: 500 } }
    })
    const target = created.body.id
    expect((await c.get(`/client/v11/databases/${target}/wait_status`)).body).toEqual({
      'waiting?': true,
      'error?': false,
      message: 'pending'
    })
    expect((await c.get(`/client/v11/databases/${target}`)).status).toBe(404)
    expect(await waitAddon(c, app.name, 'restore-drill-shop-1-1-abcd')).toMatchObject({
      state: 'provisioned'
    })
    expect((await c.get(`/client/v11/databases/${target}/wait_status`)).body).toMatchObject({
      'waiting?': false,
      message: 'available'
    })

    const backup = await waitTransfer(c, app.name, capture.body.uuid)
    expect(backup).toMatchObject({ succeeded: true, warnings: 0 })
    expect(backup.processed_bytes).toBeGreaterThan(1000)
    expect(
      backup.logs.some((l: any) =>
        /pg_dump: dumping contents of table "public.track"/.test(l.message)
      )
    ).toBe(true)

    const restore = await c.post(`/client/v11/databases/${target}/restores`, {
      backup_url: backup.to_url,
      extensions: ['pg_trgm']
    })
    expect(restore.status).toBe(201)
    expect(restore.body).toMatchObject({ num: 3, to_type: 'pg_restore', to_name: 'RESTORE_DRILL' })
    // By app id too, as the CLI polls restores.
    const done = await waitTransfer(c, app.id, restore.body.uuid)
    expect(done).toMatchObject({ succeeded: true })
    expect(
      done.logs.some((l: any) => /pg_restore: creating TABLE "public.album"/.test(l.message))
    ).toBe(true)

    const vars = await c.get(`/apps/${app.name}/config-vars`)
    const restoredUrl = vars.body.RESTORE_DRILL_URL
    expect(restoredUrl).toMatch(/^postgres:\/\//)
    expect(restoredUrl).not.toBe(app.databaseUrl)
    const [source, restored] = await Promise.all([
      dumpTables(app.databaseUrl),
      dumpTables(restoredUrl)
    ])
    expect(Object.keys(source)).toHaveLength(11)
    expect(Object.values(source).reduce((n, rows) => n + rows.length, 0)).toBe(15607)
    expect(restored).toEqual(source)
    const ext = await query(
      restoredUrl,
      `select extname from pg_extension where extname = 'pg_trgm'`
    )
    expect(ext).toHaveLength(1)

    const list = await c.get(`/client/v11/apps/${app.name}/transfers`)
    expect(list.body.map((t: any) => t.num)).toEqual([1, 2, 3])
    expect(list.body[0].logs).toBeUndefined()

    const del = await c.del(`/apps/${app.name}/addons/${target}`, { force: false })
    expect(del.status).toBe(200)
    // Deprovisioning takes a moment: the config var goes at once, the add-on and database after.
    expect(del.body.state).toBe('deprovisioning')
    expect(Object.keys((await c.get(`/apps/${app.name}/config-vars`)).body)).toEqual([
      'DATABASE_URL'
    ])
    expect((await c.get(`/apps/${app.name}/addons/${target}`)).body.state).toBe('deprovisioning')
    const gone = await waitAddonGone(c, app.name, target)
    expect(gone).toBe(404)
    await expect(query(restoredUrl, 'select 1')).rejects.toThrow()
  })
})

describe('simulator restores with extensions', () => {
  let s: Simulator
  let c: Client
  let app: SimApp
  const SQL = `create extension pg_trgm; create extension citext;
    create table person (id serial primary key, name citext not null);
    create index person_trgm on person using gin (name gin_trgm_ops);
    insert into person (name) select 'person ' || g from generate_series(1, 100) g;`

  beforeAll(async () => {
    s = await sim()
    c = client(s)
    app = await s.createApp(appName('ext'), { sql: SQL })
  })
  afterAll(async () => {
    await s?.close()
  })

  async function restore(extensions?: string[]): Promise<{ t: any; url: string }> {
    const add = await c.post(`/apps/${app.name}/addons`, { plan: 'heroku-postgresql:essential-0' })
    await waitAddon(c, app.name, add.body.id)
    const backup = (await c.get(`/client/v11/apps/${app.name}/transfers/1`)).body
    const body = extensions
      ? { backup_url: backup.to_url, extensions }
      : { backup_url: backup.to_url }
    const r = await c.post(`/client/v11/databases/${add.body.id}/restores`, body)
    expect(r.status).toBe(201)
    const t = await waitTransfer(c, app.name, r.body.uuid)
    const vars = (await c.get(`/apps/${app.name}/config-vars`)).body
    return { t, url: vars[`${add.body.config_vars[0]}`] }
  }

  it('pre-installs the requested extensions: the restore then logs harmless ownership warnings, as on Heroku', async () => {
    const { t, url } = await restore(['pg_trgm', 'citext'])
    expect(t).toMatchObject({ succeeded: true, warnings: 2 })
    const messages = t.logs.map((l: any) => l.message)
    expect(messages).toContain(
      'pg_restore: error: could not execute query: ERROR:  must be owner of extension citext'
    )
    expect(messages).toContain('pg_restore: warning: errors ignored on restore: 2')
    expect(messages.every((m: string) => m.trim() !== '')).toBe(true)
    expect(await dumpTables(url)).toEqual(await dumpTables(app.databaseUrl))
    const owners = await query(
      url,
      `select e.extname, r.rolsuper from pg_extension e join pg_roles r on r.oid = e.extowner where extname in ('citext','pg_trgm') order by 1`
    )
    expect(owners).toEqual([
      { extname: 'citext', rolsuper: true },
      { extname: 'pg_trgm', rolsuper: true }
    ])
  })

  it('without extensions the target role creates trusted extensions itself, with no warnings', async () => {
    const { t, url } = await restore()
    expect(t).toMatchObject({ succeeded: true, warnings: 0 })
    expect(await dumpTables(url)).toEqual(await dumpTables(app.databaseUrl))
  })

  it('takes the daily scheduled backup at its hour when schedules run', async () => {
    const running = await sim({ runSchedules: { checkEveryMs: 100 } })
    try {
      const rc = client(running)
      const a = await running.createApp(appName('sched'), {
        sql: 'create table x (id int)',
        schedule: false
      })
      const hour = new Date().getUTCHours()
      expect(
        (
          await rc.post(`/client/v11/databases/${a.addonId}/transfer-schedules`, {
            hour: String(hour),
            timezone: 'UTC',
            schedule_name: 'DATABASE_URL'
          })
        ).status
      ).toBe(201)
      let list: any[] = []
      for (let i = 0; i < 100 && list.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100))
        list = (await rc.get(`/client/v11/apps/${a.name}/transfers`)).body
      }
      expect(list).toHaveLength(1)
      expect(list[0].schedule).toEqual({ uuid: expect.any(String) })
      await new Promise((r) => setTimeout(r, 500))
      expect((await rc.get(`/client/v11/apps/${a.name}/transfers`)).body).toHaveLength(1)
    } finally {
      await running.close()
    }
  })
})
