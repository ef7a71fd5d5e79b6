// Apps and teams of the simulator (a drill app per run): create personal and team apps, name and
// permission errors, delete with its add-ons, releases on every attach/detach/config change,
// cross-app restore, manual-backup rotation per plan, transfer delete, the age hook, the audit.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import {
  adminUrl,
  appName,
  client,
  query,
  sim,
  waitAddon,
  waitTransfer,
  type Client
} from './helpers.js'

const SMALL_SQL = `create table item (id serial primary key, name text not null);
insert into item (name) select 'item ' || g from generate_series(1, 50) g;`
const ESSENTIAL = 'heroku-postgresql:essential-0'

describe('simulator apps and teams', () => {
  let s: Simulator
  let c: Client
  let shop: SimApp

  beforeAll(async () => {
    s = await sim({ teams: { acme: 'admin', guests: 'collaborator' } })
    c = client(s)
    shop = await s.createApp(appName('shop'), { sql: SMALL_SQL })
  })
  afterAll(async () => {
    await s?.close()
  })

  const releases = async (app: string): Promise<string[]> =>
    (await c.get(`/apps/${app}/releases`)).body.map((r: any) => r.description)

  /** A new empty app with a provisioned essential-0 add-on as DATABASE. */
  async function drillApp(prefix: string): Promise<{ name: string; addon: any }> {
    const name = appName(prefix)
    expect((await c.post('/apps', { name })).status).toBe(201)
    const created = (await c.post(`/apps/${name}/addons`, { plan: ESSENTIAL })).body
    expect(created.state).toBe('provisioning')
    const addon = await waitAddon(c, name, created.id)
    expect(addon.state).toBe('provisioned')
    return { name, addon }
  }

  describe('create', () => {
    it('creates a personal app (POST /apps) with region, owner and created_at; GET /apps lists it', async () => {
      const name = appName('drill')
      const r = await c.post('/apps', { name, region: 'eu' })
      expect(r.status).toBe(201)
      expect(r.body).toMatchObject({
        name,
        region: { id: expect.any(String), name: 'eu' },
        team: null,
        space: null,
        owner: { id: expect.any(String), email: expect.any(String) }
      })
      expect(Math.abs(Date.now() - Date.parse(r.body.created_at))).toBeLessThan(10_000)
      expect((await c.get(`/apps/${name}`)).body).toEqual(r.body)
      expect((await c.get('/apps')).body.map((a: any) => a.name)).toContain(name)
      const unnamed = await c.post('/apps', {})
      expect(unnamed.status).toBe(201)
      expect(unnamed.body.name).toMatch(/^[a-z][a-z0-9-]{1,28}[a-z0-9]$/)
      expect(unnamed.body.region.name).toBe('us')
    })

    it('creates a team app (POST /teams/apps, and /teams/{team}/apps) owned by the team', async () => {
      const name = appName('team')
      const r = await c.post('/teams/apps', { name, team: 'acme', region: 'us' })
      expect(r.status).toBe(201)
      expect(r.body).toMatchObject({
        name,
        team: { id: expect.any(String), name: 'acme' },
        region: { name: 'us' },
        owner: { email: 'acme@herokumanager.com' },
        locked: false
      })
      expect((await c.get(`/apps/${name}`)).body.team).toEqual(r.body.team)
      const other = await c.post('/teams/acme/apps', { name: appName('team') })
      expect([other.status, other.body.team.name]).toEqual([201, 'acme'])
      const listed = (await c.get('/teams/acme/apps')).body.map((a: any) => a.name)
      expect(listed).toEqual(expect.arrayContaining([name, other.body.name]))
      const team = await c.get('/teams/acme')
      expect(team.status).toBe(200)
      expect(team.body).toMatchObject({ id: r.body.team.id, name: 'acme', role: 'admin' })
      expect(Object.keys(team.body).sort()).toEqual(
        [
          'created_at',
          'credit_card_collections',
          'default',
          'enterprise_account',
          'id',
          'identity_provider',
          'membership_limit',
          'name',
          'provisioned_licenses',
          'role',
          'type',
          'updated_at'
        ].sort()
      )
      expect((await c.get('/teams/nope')).status).toBe(404)
    })

    it('refuses bad and taken names, unknown params, regions and teams', async () => {
      for (const name of ['ab', 'Abc', '1abc', 'abc-', 'ab_c', 'a'.repeat(31)]) {
        const r = await c.post('/apps', { name })
        expect([name, r.status, r.body.id]).toEqual([name, 422, 'invalid_params'])
        expect(r.body.message).toMatch(/Name/)
      }
      expect((await c.post('/apps', { name: 'a'.repeat(30) })).status).toBe(201)
      const taken = await c.post('/apps', { name: shop.name })
      expect([taken.status, taken.body.id]).toEqual([422, 'invalid_params'])
      expect(taken.body.message).toMatch(/already taken/)
      const takenInTeam = await c.post('/teams/apps', { name: shop.name, team: 'acme' })
      expect(takenInTeam.status).toBe(422)
      const unknown = await c.post('/apps', { name: appName('x'), team: 'acme' })
      expect([unknown.status, unknown.body.message]).toEqual([422, 'Unknown params: team.'])
      expect((await c.post('/apps', { name: appName('x'), region: 'mars' })).status).toBe(404)
      expect((await c.post('/teams/apps', { name: appName('x'), team: 'nope' })).status).toBe(404)
    })

    it('answers 403 forbidden to a collaborator creating or deleting a team app; a member may', async () => {
      const name = appName('collab')
      const r = await c.post('/teams/apps', { name, team: 'guests' })
      expect([r.status, r.body.id]).toEqual([403, 'forbidden'])
      expect(r.body.message).toMatch(/collaborator/)
      expect((await c.get(`/apps/${name}`)).status).toBe(404)

      const hook = await c.post('/__sim/teams/guests', { role: 'member' })
      expect([hook.status, hook.body.role]).toEqual([200, 'member'])
      expect((await c.get('/teams/guests')).body.role).toBe('member')
      expect((await c.post('/teams/apps', { name, team: 'guests' })).status).toBe(201)
      s.setTeam('guests', 'collaborator')
      expect((await c.del(`/apps/${name}`)).status).toBe(403)
      expect((await c.get(`/apps/${name}`)).status).toBe(200)

      expect((await c.post('/__sim/teams/guests', { role: 'boss' })).status).toBe(422)
      expect((await c.post('/__sim/teams/newteam', {})).body).toMatchObject({ role: 'admin' })
    })
  })

  describe('delete', () => {
    it('DELETE /apps/{app} destroys its add-ons (databases dropped, attachments elsewhere gone) and answers the app', async () => {
      const drill = await drillApp('del')
      const url = (await c.get(`/apps/${drill.name}/config-vars`)).body.DATABASE_URL
      const db = new URL(url).pathname.slice(1)
      // The drill add-on attached to shop too, and shop's database attached to the drill app.
      const out = await c.post('/addon-attachments', {
        addon: { name: drill.addon.name },
        app: { name: shop.name },
        name: 'DRILL_COPY'
      })
      expect(out.status).toBe(201)
      const inward = await c.post('/addon-attachments', {
        addon: { name: shop.addonName },
        app: { name: drill.name },
        name: 'SHOP'
      })
      expect(inward.status).toBe(201)

      const del = await c.del(`/apps/${drill.name}`)
      expect(del.status).toBe(200)
      expect(del.body).toMatchObject({ name: drill.name, id: expect.any(String) })
      expect((await c.get(`/apps/${drill.name}`)).status).toBe(404)
      expect((await c.get(`/addons/${drill.addon.id}`)).status).toBe(404)
      // The database is dropped once deprovisioning is over (1 s by default).
      const dropped = async (): Promise<boolean> =>
        (await query(adminUrl(), 'select datname from pg_database where datname = $1', [db]))
          .length === 0
      for (let i = 0; i < 100 && !(await dropped()); i++)
        await new Promise((r) => setTimeout(r, 100))
      expect(await dropped()).toBe(true)
      expect(Object.keys((await c.get(`/apps/${shop.name}/config-vars`)).body)).toEqual([
        'DATABASE_URL'
      ])
      expect((await releases(shop.name)).at(-1)).toMatch(/^Detach DRILL_COPY/)
      expect((await c.get(`/addons/${shop.addonId}/addon-attachments`)).body).toHaveLength(1)
      expect((await c.get(`/client/v11/apps/${drill.name}/transfers`)).status).toBe(404)
      expect((await c.del(`/apps/${drill.name}`)).status).toBe(404)
    })
  })

  describe('releases', () => {
    it('adds one on every attach, detach and config change; none on maintenance', async () => {
      const name = appName('rel')
      await c.post('/apps', { name })
      expect(await releases(name)).toEqual(['Initial release'])
      const addon = (await c.post(`/apps/${name}/addons`, { plan: ESSENTIAL })).body
      await waitAddon(c, name, addon.id)
      expect((await releases(name)).slice(1)).toEqual([
        `Attach DATABASE (@ref:${addon.name})`,
        `Update DATABASE_URL by ${addon.name}`
      ])
      const second = (
        await c.post(`/apps/${name}/addons`, { plan: ESSENTIAL, attachment: { name: 'SECOND' } })
      ).body
      const promote = await c.post('/addon-attachments', {
        addon: { name: second.name },
        app: { name },
        name: 'DATABASE',
        confirm: name
      })
      expect(promote.status).toBe(201)
      expect((await releases(name)).slice(-2)).toEqual([
        `Detach DATABASE (@ref:${addon.name})`,
        `Attach DATABASE (@ref:${second.name})`
      ])
      const count = (await releases(name)).length
      await c.patch(`/apps/${name}`, { maintenance: true })
      await c.patch(`/apps/${name}`, { maintenance: false })
      expect(await releases(name)).toHaveLength(count)
      expect((await c.del(`/apps/${name}/addons/${addon.id}`)).status).toBe(200)
      expect((await c.del(`/apps/${name}/addons/${second.id}`)).status).toBe(200)
      // The old add-on is attached nowhere any more: destroying it changes no config var.
      expect((await releases(name)).slice(count).sort()).toEqual([
        `Detach DATABASE (@ref:${second.name})`,
        `Detach SECOND (@ref:${second.name})`
      ])
      const versions = (await c.get(`/apps/${name}/releases`)).body.map((r: any) => r.version)
      expect(versions).toEqual(versions.map((_: unknown, i: number) => i + 1))
    })
  })

  describe('transfers', () => {
    it("restores a backup of another app onto the drill app's database; the transfer is the drill app's", async () => {
      const backup = await s.takeBackup(shop.name, { scheduled: false })
      const source = (await c.get(`/client/v11/apps/${shop.name}/transfers/${backup.uuid}`)).body
      const drill = await drillApp('cross')
      const r = await c.post(`/client/v11/databases/${drill.addon.id}/restores`, {
        backup_url: source.to_url,
        extensions: []
      })
      expect(r.status).toBe(201)
      // Polled under the target's billing app, by name or id (the CLI uses the id).
      const done = await waitTransfer(c, drill.name, r.body.uuid)
      expect(done).toMatchObject({ succeeded: true, to_type: 'pg_restore', to_name: 'DATABASE' })
      const drillId = (await c.get(`/apps/${drill.name}`)).body.id
      expect((await c.get(`/client/v11/apps/${drillId}/transfers/${r.body.uuid}`)).status).toBe(200)
      expect((await c.get(`/client/v11/apps/${shop.name}/transfers/${r.body.uuid}`)).status).toBe(
        404
      )
      const url = (await c.get(`/apps/${drill.name}/config-vars`)).body.DATABASE_URL
      expect((await query(url, 'select count(*)::int as n from item'))[0].n).toBe(50)
      expect(await releases(shop.name)).not.toContain(`Attach DATABASE (@ref:${drill.addon.name})`)
      await c.del(`/apps/${drill.name}`)
    })

    it('rotates manual backups at the plan limit (configurable): the oldest manual goes, scheduled stay', async () => {
      const a = await s.createApp(appName('rot'), { sql: SMALL_SQL })
      expect((await c.get('/__sim/backup-limits')).body).toEqual({
        essential: 5,
        standard: 25,
        premium: 50,
        private: 50,
        shield: 50
      })
      const set = await c.post('/__sim/backup-limits', { essential: 2 })
      expect(set.body.essential).toBe(2)
      try {
        const b2 = await s.takeBackup(a.name, { scheduled: false })
        await s.takeBackup(a.name, { scheduled: false })
        await s.takeBackup(a.name, { scheduled: true })
        const nums = async (): Promise<number[]> =>
          (await c.get(`/client/v11/apps/${a.name}/transfers`)).body.map((t: any) => t.num)
        expect(await nums()).toEqual([1, 2, 3, 4])
        const b5 = await c.post(`/client/v11/databases/${a.addonId}/backups`)
        expect((await waitTransfer(c, a.name, b5.body.uuid)).num_keep).toBe(2)
        expect(await nums()).toEqual([1, 3, 4, 5])
        expect((await c.get(`/client/v11/apps/${a.name}/transfers/${b2.uuid}`)).status).toBe(410)
      } finally {
        s.setManualBackupLimits({ essential: 5 })
      }
      expect((await c.post('/__sim/backup-limits', { hobby: 2 })).status).toBe(422)
      expect((await c.post('/__sim/backup-limits', { essential: 0 })).status).toBe(422)
    })

    it('deletes a backup by num (DELETE .../transfers/{num}): answered with it, then 410 and unlisted', async () => {
      const b = await s.takeBackup(shop.name, { scheduled: false })
      const num = Number(b.name.slice(1))
      const del = await c.del(`/client/v11/apps/${shop.name}/transfers/${num}`)
      expect(del.status).toBe(200)
      expect(del.body).toMatchObject({ uuid: b.uuid, num, deleted_at: expect.any(String) })
      expect((await c.get(`/client/v11/apps/${shop.name}/transfers/${num}`)).status).toBe(410)
      const list = (await c.get(`/client/v11/apps/${shop.name}/transfers`)).body
      expect(list.map((t: any) => t.num)).not.toContain(num)
    })
  })

  describe('test hooks and audit', () => {
    it('ages an app (POST /__sim/apps/{app}/age), refusing a bad body', async () => {
      const name = appName('old')
      const created = Date.parse((await c.post('/apps', { name })).body.created_at)
      const aged = await c.post(`/__sim/apps/${name}/age`, { seconds: 86_400 })
      expect(aged.status).toBe(200)
      const after = Date.parse((await c.get(`/apps/${name}`)).body.created_at)
      expect(created - after).toBe(86_400_000)
      for (const body of [{}, { seconds: -5 }, { seconds: '60' }])
        expect((await c.post(`/__sim/apps/${name}/age`, body)).status).toBe(422)
      expect((await c.post('/__sim/apps/no-such-app/age', { seconds: 1 })).status).toBe(404)
    })

    it('audits app create, refused create and delete with their status and body', async () => {
      const name = appName('aud')
      await c.post('/apps', { name, region: 'us' })
      await c.post('/teams/apps', { name: appName('aud'), team: 'guests' })
      await c.del(`/apps/${name}`)
      const audit = (await c.get('/__sim/audit')).body
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            method: 'POST',
            path: '/apps',
            status: 201,
            body: { name, region: 'us' }
          }),
          expect.objectContaining({ method: 'POST', path: '/teams/apps', status: 403 }),
          expect.objectContaining({ method: 'DELETE', path: `/apps/${name}`, status: 200 })
        ])
      )
    })
  })
})
