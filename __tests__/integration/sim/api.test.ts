// The simulator's HTTP surface: auth, errors, paging, rate-limit header, maintenance, attachments
// (promote semantics, resolve), plans, schedules, transfer actions and the audit log.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import { appName, client, query, sim, waitTransfer, type Client } from './helpers.js'

const SMALL_SQL = `create table item (id serial primary key, name text not null);
insert into item (name) select 'item ' || g from generate_series(1, 50) g;`

describe('simulator HTTP API', () => {
  let s: Simulator
  let c: Client
  let app: SimApp

  beforeAll(async () => {
    s = await sim()
    c = client(s)
    app = await s.createApp(appName('api'), { sql: SMALL_SQL })
  })
  afterAll(async () => {
    await s?.close()
  })

  describe('auth', () => {
    it('accepts Bearer and Basic (token as password), refuses anything else with 401 unauthorized', async () => {
      expect((await c.get('/account')).status).toBe(200)
      const basic = await fetch(`${s.apiUrl}/account`, {
        headers: {
          Authorization: 'Basic ' + Buffer.from(':' + s.token).toString('base64'),
          Accept: 'application/vnd.heroku+json; version=3'
        }
      })
      expect(basic.status).toBe(200)
      for (const token of ['', 'wrong-token']) {
        const r = await client(s, token).get(`/apps/${app.name}`)
        expect(r.status).toBe(401)
        expect(r.body).toEqual({ id: 'unauthorized', message: expect.any(String) })
      }
      const data = await client(s, 'nope').get(`/client/v11/apps/${app.name}/transfers`)
      expect(data.status).toBe(401)
    })

    it('sends RateLimit-Remaining on every response and serves /account/rate-limits', async () => {
      const r1 = await c.get('/account')
      const r2 = await c.get('/account')
      const n1 = Number(r1.headers.get('ratelimit-remaining'))
      expect(n1).toBeGreaterThan(4000)
      expect(Number(r2.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(n1)
      expect(
        (await client(s, 'x').get('/account')).headers.get('ratelimit-remaining')
      ).not.toBeNull()
      const limits = await c.get('/account/rate-limits')
      expect(limits.body).toEqual({ remaining: expect.any(Number) })
    })
  })

  describe('errors', () => {
    it('answers 404 not_found for unknown apps, add-ons, transfers and endpoints', async () => {
      for (const path of [
        '/apps/no-such-app',
        `/apps/${app.name}/addons/nope`,
        '/addons/nope',
        `/client/v11/apps/${app.name}/transfers/999`,
        '/client/v11/databases/00000000-0000-4000-8000-000000000000',
        '/no/such/endpoint'
      ]) {
        const r = await c.get(path)
        expect([path, r.status, r.body.id]).toEqual([path, 404, 'not_found'])
        expect(typeof r.body.message).toBe('string')
      }
      // A database id that is not a UUID gets an HTML page, not JSON, as from Heroku's data API.
      for (const path of ['/client/v11/databases/nope', '/client/v11/databases/nope/wait_status']) {
        const r = await c.get(path)
        expect([path, r.status, r.headers.get('content-type')]).toEqual([
          path,
          404,
          'text/html; charset=utf-8'
        ])
        expect(r.body).toMatch(/^<!DOCTYPE html>/)
      }
      // The schema has no DELETE /addons/{id}.
      expect((await c.del(`/addons/${app.addonId}`)).status).toBe(404)
    })

    it('answers 422 invalid_params for malformed bodies', async () => {
      const bad = [
        await c.post(`/apps/${app.name}/addons`, '{not json'),
        await c.post(`/apps/${app.name}/addons`, {}),
        await c.post(`/apps/${app.name}/addons`, { plan: 'heroku-postgresql:no-such-plan' }),
        await c.post(`/apps/${app.name}/addons`, {
          plan: 'heroku-postgresql:essential-0',
          name: '1bad name'
        }),
        await c.patch(`/apps/${app.name}`, { maintenance: 'yes' }),
        await c.post(`/client/v11/databases/${app.addonId}/restores`, {}),
        await c.post(`/client/v11/databases/${app.addonId}/restores`, {
          backup_url: 'http://x/y',
          extensions: 'postgis'
        }),
        await c.post('/addon-attachments', { app: { name: app.name } }),
        await c.post('/actions/addon-attachments/resolve', {})
      ]
      for (const r of bad) expect([r.status, r.body.id]).toEqual([422, 'invalid_params'])
    })

    it('answers 406 not_acceptable on the Platform API without its Accept header (data API: any)', async () => {
      const auth = { Authorization: `Bearer ${s.token}` }
      const platform = await fetch(`${s.apiUrl}/apps/${app.name}`, { headers: auth })
      expect(platform.status).toBe(406)
      expect(((await platform.json()) as any).id).toBe('not_acceptable')
      const sdk = await fetch(`${s.apiUrl}/apps/${app.name}`, {
        headers: { ...auth, Accept: 'application/vnd.heroku+json; version=3.sdk' }
      })
      expect(sdk.status).toBe(200)
      expect(
        (await fetch(`${s.apiUrl}/client/v11/apps/${app.name}/transfers`, { headers: auth })).status
      ).toBe(200)
    })

    it('answers 416 for a Range header on a field it cannot range over', async () => {
      const r = await c.get(`/apps/${app.name}/addons`, { Range: 'bogus ..; max=2' })
      expect(r.status).toBe(416)
      expect(r.body.id).toBe('requested_range_not_satisfiable')
    })
  })

  describe('paging', () => {
    it('pages lists with Range `id ..; max=N` and Next-Range until done', async () => {
      const created: string[] = []
      for (let i = 0; i < 4; i++) {
        const r = await c.post(`/apps/${app.name}/addons`, {
          plan: 'heroku-postgresql:essential-0'
        })
        expect(r.status).toBe(201)
        created.push(r.body.id)
      }
      const all = (await c.get(`/apps/${app.name}/addons`)).body.map((a: any) => a.id)
      expect(all).toHaveLength(5)
      const seen: string[] = []
      let range = 'id ..; max=2'
      let pages = 0
      for (;;) {
        const r = await c.get(`/apps/${app.name}/addons`, { Range: range })
        pages++
        seen.push(...r.body.map((a: any) => a.id))
        const next = r.headers.get('next-range')
        if (!next) {
          expect(r.status).toBe(200)
          break
        }
        expect(r.status).toBe(206)
        expect(r.body).toHaveLength(2)
        range = next
      }
      expect(pages).toBe(3)
      expect(seen.sort()).toEqual([...all].sort())
      for (const id of created)
        expect((await c.del(`/apps/${app.name}/addons/${id}`)).status).toBe(200)
    })

    it('orders releases by version descending with `version ..; max=5, order=desc`', async () => {
      const r = await c.get(`/apps/${app.name}/releases`, {
        Range: 'version ..; max=5, order=desc'
      })
      const versions = r.body.map((x: any) => x.version)
      expect(versions.length).toBeLessThanOrEqual(5)
      expect([...versions].sort((a: number, b: number) => b - a)).toEqual(versions)
    })
  })

  describe('apps, plans, account', () => {
    it('switches maintenance on and off with PATCH /apps/{app}', async () => {
      expect((await c.patch(`/apps/${app.name}`, { maintenance: true })).body.maintenance).toBe(
        true
      )
      expect((await c.get(`/apps/${app.id}`)).body.maintenance).toBe(true)
      expect((await c.patch(`/apps/${app.name}`, { maintenance: false })).body.maintenance).toBe(
        false
      )
    })

    it("limits each database role to its plan's connections (essential-0: 20)", async () => {
      const [{ rolconnlimit }] = await query(
        app.databaseUrl,
        'select rolconnlimit from pg_roles where rolname = current_user'
      )
      expect(rolconnlimit).toBe(20)
      const info = await c.get(`/client/v11/databases/${app.addonId}`)
      expect(info.body.info.find((x: any) => x.name === 'Connections').values[0]).toMatch(
        /^\d+\/20$/
      )
    })

    it('lists heroku-postgresql plans and the account', async () => {
      const plans = await c.get('/addon-services/heroku-postgresql/plans')
      expect(plans.body.map((p: any) => p.name)).toContain('heroku-postgresql:essential-0')
      expect(plans.body[0]).toMatchObject({
        id: expect.any(String),
        human_name: expect.any(String),
        price: { cents: expect.any(Number), unit: 'month' },
        state: 'public'
      })
      expect((await c.get('/account')).body).toMatchObject({
        id: expect.any(String),
        email: expect.any(String)
      })
    })
  })

  describe('test hooks', () => {
    it('ages an add-on by name or id (POST /__sim/addons/{id}/age), refusing a bad body', async () => {
      const before = Date.parse(
        (await c.get(`/apps/${app.name}/addons/${app.addonId}`)).body.created_at
      )
      const aged = await c.post(`/__sim/addons/${app.addonName}/age`, { seconds: 86_400 })
      expect(aged.status).toBe(200)
      const after = Date.parse(
        (await c.get(`/apps/${app.name}/addons/${app.addonId}`)).body.created_at
      )
      expect(before - after).toBe(86_400_000)
      for (const body of [{}, { seconds: -5 }, { seconds: '60' }])
        expect((await c.post(`/__sim/addons/${app.addonId}/age`, body)).status).toBe(422)
      expect((await c.post('/__sim/addons/no-such-addon/age', { seconds: 1 })).status).toBe(404)
    })
  })

  describe('attachments and promote', () => {
    it('resolves DATABASE_URL, DATABASE, the add-on name and id to the one attachment, with inclusions', async () => {
      for (const ref of ['DATABASE_URL', 'DATABASE', app.addonName, app.addonId]) {
        const r = await c.post(
          '/actions/addon-attachments/resolve',
          { addon_attachment: ref, app: app.name },
          {
            Accept: 'application/vnd.heroku+json; version=3.sdk',
            'Accept-Inclusion': 'addon:plan,config_vars'
          }
        )
        expect(r.status).toBe(200)
        expect(r.body).toEqual([
          expect.objectContaining({
            name: 'DATABASE',
            config_vars: ['DATABASE_URL'],
            addon: expect.objectContaining({
              id: app.addonId,
              plan: { id: expect.any(String), name: 'heroku-postgresql:essential-0' }
            })
          })
        ])
      }
      const none = await c.post('/actions/addon-attachments/resolve', {
        addon_attachment: 'NOPE',
        app: app.name
      })
      expect([none.status, none.body.id]).toEqual([404, 'not_found'])
      const addons = await c.post('/actions/addons/resolve', {
        addon: app.addonName,
        app: app.name
      })
      expect(addons.body.map((a: any) => a.id)).toEqual([app.addonId])
    })

    it('promotes as the CLI does: alias for the old database, DATABASE moved (confirm needed), and back', async () => {
      const fresh = await c.post(`/apps/${app.name}/addons`, {
        plan: 'heroku-postgresql:essential-0',
        attachment: { name: 'RESTORE_DRILL' }
      })
      const freshName = fresh.body.name
      const vars0 = (await c.get(`/apps/${app.name}/config-vars`)).body
      // An attachment name already in use is replaced only with confirm.
      const noConfirm = await c.post('/addon-attachments', {
        addon: { name: freshName },
        app: { name: app.name },
        name: 'DATABASE'
      })
      expect([noConfirm.status, noConfirm.body.id]).toEqual([422, 'confirmation_required'])
      // CLI step 4: alias without a name; Heroku picks HEROKU_POSTGRESQL_<COLOR>.
      const alias = await c.post('/addon-attachments', {
        addon: { name: app.addonName },
        app: { name: app.name },
        confirm: app.name,
        namespace: null
      })
      expect(alias.status).toBe(201)
      expect(alias.body.name).toMatch(/^HEROKU_POSTGRESQL_[A-Z]+$/)
      const promote = await c.post('/addon-attachments', {
        addon: { name: freshName },
        app: { name: app.name },
        confirm: app.name,
        name: 'DATABASE',
        namespace: null
      })
      expect(promote.status).toBe(201)
      const vars1 = (await c.get(`/apps/${app.name}/config-vars`)).body
      expect(vars1.DATABASE_URL).toBe(vars0.RESTORE_DRILL_URL)
      expect(vars1.RESTORE_DRILL_URL).toBe(vars0.RESTORE_DRILL_URL)
      expect(vars1[`${alias.body.name}_URL`]).toBe(app.databaseUrl)
      const atts = (await c.get(`/apps/${app.name}/addon-attachments`)).body
      expect(atts.find((a: any) => a.name === 'DATABASE').addon.name).toBe(freshName)
      const releases = (await c.get(`/apps/${app.name}/releases`)).body.map(
        (r: any) => r.description
      )
      expect(releases.some((d: string) => d.startsWith('Detach DATABASE'))).toBe(true)
      expect(releases.some((d: string) => d.startsWith('Attach DATABASE'))).toBe(true)
      // Promote back.
      const back = await c.post('/addon-attachments', {
        addon: { name: app.addonName },
        app: { name: app.name },
        confirm: app.name,
        name: 'DATABASE'
      })
      expect(back.status).toBe(201)
      expect((await c.get(`/apps/${app.name}/config-vars`)).body.DATABASE_URL).toBe(app.databaseUrl)
      expect(
        (await c.get(`/addons/${freshName}/addon-attachments`)).body.map((a: any) => a.name)
      ).toEqual(['RESTORE_DRILL'])
      expect((await c.del(`/apps/${app.name}/addons/${fresh.body.id}`)).status).toBe(200)
      const detach = await c.del(`/addon-attachments/${alias.body.id}`)
      expect(detach.status).toBe(200)
    })
  })

  describe('schedules and transfers', () => {
    it('creates, replaces and deletes a schedule as the CLI sends it', async () => {
      const base = `/client/v11/databases/${app.addonId}/transfer-schedules`
      const created = await c.post(base, {
        hour: '06',
        timezone: 'PST',
        schedule_name: 'DATABASE_URL'
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({
        name: 'DATABASE_URL',
        hour: 6,
        timezone: 'America/Los_Angeles',
        days: expect.arrayContaining(['Monday'])
      })
      const list = (await c.get(base)).body
      expect(list).toHaveLength(1)
      expect(
        (await c.post(base, { hour: '25', timezone: 'UTC', schedule_name: 'DATABASE_URL' })).status
      ).toBe(422)
      expect((await c.del(`${base}/${list[0].uuid}`)).status).toBe(200)
      expect((await c.get(base)).body).toEqual([])
      expect(
        (await c.post(base, { hour: '02', timezone: 'UTC', schedule_name: 'DATABASE_URL' })).status
      ).toBe(201)
    })

    it('names backups from one sequence per app (a scheduled, b manual, r restore), cancels, deletes, gives public URLs', async () => {
      const b = await c.post(`/client/v11/databases/${app.addonId}/backups`)
      const done = await waitTransfer(c, app.name, b.body.uuid)
      expect(done.succeeded).toBe(true)
      const sched = await s.takeBackup(app.name, { scheduled: true, ageSeconds: 3 * 86400 })
      const list = (await c.get(`/client/v11/apps/${app.name}/transfers`)).body
      const byNum = Object.fromEntries(list.map((t: any) => [t.num, t]))
      expect(byNum[1].schedule).toBeDefined()
      expect(byNum[done.num].schedule).toBeUndefined()
      expect(sched.name).toBe(`a${String(done.num + 1).padStart(3, '0')}`)
      expect(Date.now() - Date.parse(byNum[done.num + 1].finished_at)).toBeGreaterThan(
        2.9 * 86400 * 1000
      )

      const byNumGet = await c.get(`/client/v11/apps/${app.name}/transfers/${done.num}`)
      expect(byNumGet.body.uuid).toBe(done.uuid)
      expect(byNumGet.body.logs).toBeUndefined()

      const pub = await c.post(
        `/client/v11/apps/${app.name}/transfers/${done.num}/actions/public-url`
      )
      expect(pub.status).toBe(200)
      expect(pub.body).toEqual({
        url: expect.stringMatching(/^http/),
        expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/)
      })
      const dump = await fetch(pub.body.url)
      expect(dump.status).toBe(200)
      expect(
        Buffer.from(await dump.arrayBuffer())
          .subarray(0, 5)
          .toString()
      ).toBe('PGDMP')

      const cancelDone = await c.post(
        `/client/v11/apps/${app.name}/transfers/${done.uuid}/actions/cancel`
      )
      expect(cancelDone.status).toBe(409)
      const del = await c.del(`/client/v11/apps/${app.name}/transfers/${done.num}`)
      expect(del.status).toBe(200)
      expect((await c.get(`/client/v11/apps/${app.name}/transfers/${done.num}`)).status).toBe(410)
      expect(
        (await c.get(`/client/v11/apps/${app.name}/transfers`)).body.map((t: any) => t.num)
      ).not.toContain(done.num)
      const restoreDeleted = await c.post(`/client/v11/databases/${app.addonId}/restores`, {
        backup_url: done.to_url
      })
      expect(restoreDeleted.status).toBe(422)
    })

    it('rotates manual backups beyond num_keep (5 on essential plans); scheduled ones stay', async () => {
      const a = await s.createApp(appName('rotate'), { sql: SMALL_SQL })
      const names: string[] = []
      for (let i = 0; i < 6; i++)
        names.push((await s.takeBackup(a.name, { scheduled: false })).name)
      expect(names).toEqual(['b002', 'b003', 'b004', 'b005', 'b006', 'b007'])
      const list = (await c.get(`/client/v11/apps/${a.name}/transfers`)).body
      expect(list.map((t: any) => t.num)).toEqual([1, 3, 4, 5, 6, 7])
      expect(list[list.length - 1].num_keep).toBe(5)
      expect((await c.get(`/client/v11/apps/${a.name}/transfers/2`)).status).toBe(410)
    })

    it('cancels a running capture', async () => {
      const slow = await sim({ captureDelaySeconds: 30 })
      try {
        const sc = client(slow)
        const a = await slow.createApp(appName('cancel'), { sql: SMALL_SQL, schedule: false })
        const b = await sc.post(`/client/v11/databases/${a.addonId}/backups`)
        expect(b.body.finished_at).toBeNull()
        const running = await sc.get(`/client/v11/apps/${a.name}/transfers/${b.body.uuid}`)
        expect(running.body).toMatchObject({ started_at: expect.any(String), finished_at: null })
        const cancel = await sc.post(
          `/client/v11/apps/${a.name}/transfers/${b.body.uuid}/actions/cancel`
        )
        expect(cancel.status).toBe(201)
        expect(cancel.body.canceled_at).toEqual(expect.any(String))
        const after = await sc.get(`/client/v11/apps/${a.name}/transfers/${b.body.uuid}`)
        expect(after.body).toMatchObject({
          succeeded: false,
          canceled_at: expect.any(String),
          finished_at: expect.any(String)
        })
      } finally {
        await slow.close()
      }
    })
  })

  describe('audit', () => {
    it('records every request with status and redacted body; never the token or a password', async () => {
      await c.post('/actions/addon-attachments/resolve', {
        addon_attachment: 'DATABASE_URL',
        app: app.name,
        password: 'hunter2hunter2'
      })
      await c.post('/addon-attachments', {
        addon: { name: 'x' },
        app: { name: app.name },
        note: app.databaseUrl
      })
      const r = await fetch(`${s.apiUrl}/__sim/audit`)
      const audit = (await r.json()) as any[]
      expect(audit.length).toBeGreaterThan(10)
      expect(audit[0]).toEqual({
        at: expect.any(String),
        method: expect.any(String),
        path: expect.any(String),
        status: expect.any(Number)
      })
      const resolve = audit.filter((e) => e.path === '/actions/addon-attachments/resolve').pop()
      expect(resolve.body).toEqual({
        addon_attachment: 'DATABASE_URL',
        app: app.name,
        password: '[REDACTED]'
      })
      const text = JSON.stringify(audit) + JSON.stringify(s.audit())
      expect(text).not.toContain(s.token)
      expect(text).not.toContain(new URL(app.databaseUrl).password)
      expect(text).not.toContain('hunter2hunter2')
      expect(audit.some((e) => e.status === 401)).toBe(true)
    })
  })
})
