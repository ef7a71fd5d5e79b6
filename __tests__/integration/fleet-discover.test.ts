// discover against the simulator: five apps (four with a database, one of them in a team, one
// without), a drill app of an earlier run and a follower. The matrix lists exactly the four
// leaders, and discover sends nothing but GETs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { discoverFleet, type DiscoveredFleet } from '../../src/fleet/discover.js'
import { createDataApi } from '../../src/heroku/data.js'
import { createHerokuHttp } from '../../src/heroku/http.js'
import { createPlatformApi } from '../../src/heroku/platform.js'
import { readOnlyHttp, ReadOnlyViolation } from '../../src/heroku/read-only.js'
import { matrixJson } from '../../src/fleet/matrix.js'
import { Ownership, SecretRegistry } from '../../src/safety.js'
import type { Simulator } from '../../sim/server.js'
import { appName, client, sim, waitAddon, type Client } from './sim/helpers.js'

const SQL = `create table item (id serial primary key, name text not null);
insert into item (name) select 'item ' || g from generate_series(1, 20) g;`

describe('discover against the simulator', () => {
  let s: Simulator
  let c: Client
  const names = {
    shop: appName('shop'),
    billing: appName('billing'),
    reports: appName('reports'),
    ledger: appName('ledger'),
    empty: appName('empty'),
    drill: 'restore-drill-shop-0a1b2c'
  }
  let followerName = ''
  let secrets: SecretRegistry

  function clients() {
    secrets = new SecretRegistry()
    const http = readOnlyHttp(
      createHerokuHttp({ token: s.token, apiUrl: s.apiUrl, dataApiUrl: s.dataApiUrl, secrets })
    )
    const ownership = new Ownership()
    return {
      http,
      platform: createPlatformApi(http, ownership),
      data: createDataApi(http, ownership),
      now: () => new Date()
    }
  }

  beforeAll(async () => {
    s = await sim({ teams: { acme: 'admin' }, provisionDelaySeconds: 0.2 })
    c = client(s)
    await s.createApp(names.shop, { sql: SQL })
    await s.createApp(names.billing, { sql: SQL, team: 'acme' })
    await s.createApp(names.reports, { sql: SQL, schedule: false })
    await s.createApp(names.ledger, { sql: SQL, plan: 'standard-0' })
    expect((await c.post('/apps', { name: names.empty })).status).toBe(201)
    // A drill app left by an earlier run, holding its add-on.
    expect((await c.post('/apps', { name: names.drill })).status).toBe(201)
    const drillAddon = await c.post(`/apps/${names.drill}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      name: 'restore-drill-1-1-abcd',
      attachment: { name: 'RESTORE_DRILL' }
    })
    expect(drillAddon.status).toBe(201)
    // A follower of ledger's database, as `heroku addons:create … --follow` sends it.
    const follower = await c.post(`/apps/${names.ledger}/addons`, {
      plan: 'heroku-postgresql:standard-0',
      config: { follow: `${names.ledger}::DATABASE_URL` }
    })
    expect(follower.status).toBe(201)
    followerName = follower.body.name
    await waitAddon(c, names.ledger, followerName)
    await waitAddon(c, names.drill, 'restore-drill-1-1-abcd')
  })
  afterAll(async () => {
    await s?.close()
  })

  it('the simulator marks a follower in its database info, as Heroku does', async () => {
    const addons = (await c.get(`/apps/${names.ledger}/addons`)).body as any[]
    const follower = addons.find((a) => a.name === followerName)
    const leader = addons.find((a) => a.name !== followerName)
    const followerInfo = (await c.get(`/client/v11/databases/${follower.id}`)).body
    const leaderInfo = (await c.get(`/client/v11/databases/${leader.id}`)).body
    expect(followerInfo.following).toMatch(/^postgres/)
    expect(followerInfo.info.map((r: any) => r.name)).toContain('Following')
    expect(leaderInfo.following).toBeNull()
    expect(leaderInfo.info.find((r: any) => r.name === 'Followers')?.values).toEqual([followerName])
  })

  it('a follower of an Essential database is refused, as Heroku refuses it', async () => {
    const r = await c.post(`/apps/${names.shop}/addons`, {
      plan: 'heroku-postgresql:standard-0',
      config: { follow: 'DATABASE_URL' }
    })
    expect(r.status).toBe(422)
  })

  it('lists exactly the four leaders, with only GET requests', async () => {
    const start = s.audit().length
    const fleet: DiscoveredFleet = await discoverFleet(clients(), {
      team: null,
      include: [],
      exclude: []
    })
    const requests = s.audit().slice(start)
    expect(requests.length).toBeGreaterThan(0)
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([])

    const matrix = JSON.parse(matrixJson(fleet.databases))
    expect(matrix).toEqual(
      [
        {
          app: names.billing,
          database: 'DATABASE_URL',
          plan: 'essential-0',
          tier: 'essential',
          method: 'backup'
        },
        {
          app: names.ledger,
          database: 'DATABASE_URL',
          plan: 'standard-0',
          tier: 'standard',
          method: 'backup'
        },
        {
          app: names.reports,
          database: 'DATABASE_URL',
          plan: 'essential-0',
          tier: 'essential',
          method: 'backup'
        },
        {
          app: names.shop,
          database: 'DATABASE_URL',
          plan: 'essential-0',
          tier: 'essential',
          method: 'backup'
        }
      ].sort((a, b) => a.app.localeCompare(b.app))
    )
    const byApp = Object.fromEntries(fleet.databases.map((d) => [d.app, d]))
    expect(byApp[names.billing].team).toBe('acme')
    expect(byApp[names.shop].team).toBeNull()
    expect(byApp[names.shop].newestBackup?.id).toBe('a001')
    expect(byApp[names.shop].newestBackup?.ageSeconds).toBeLessThan(600)
    expect(byApp[names.reports].newestBackup).toBeNull()

    expect(fleet.skipped).toEqual([
      expect.objectContaining({
        app: names.ledger,
        addonName: followerName,
        reason: expect.stringMatching(/follower/)
      })
    ])
    expect(fleet.appsLeftOut).toEqual([{ app: names.drill, reason: 'a drill app of this action' }])
    expect(fleet.appsWithoutDatabase).toEqual([names.empty])
    expect(fleet.appsSeen).toBe(6)
    // The follower's `following` holds the leader's URL: a secret once read.
    const leaderUrl = (await c.get(`/apps/${names.ledger}/config-vars`)).body.DATABASE_URL
    expect(secrets.redact(`x ${leaderUrl} y`)).not.toContain(leaderUrl)
  })

  it('a team, apps patterns and exclude narrow the fleet', async () => {
    const team = await discoverFleet(clients(), { team: 'acme', include: [], exclude: [] })
    expect(team.databases.map((d) => d.app)).toEqual([names.billing])
    const some = await discoverFleet(clients(), {
      team: null,
      include: ['shop-*', 'reports-*', 'restore-drill-*'],
      exclude: ['reports-*']
    })
    expect(some.databases.map((d) => d.app)).toEqual([names.shop])
  })

  it('the read-only layer refuses a write before it reaches Heroku', async () => {
    const start = s.audit().length
    const { platform } = clients()
    await expect(platform.setMaintenance(names.shop, true)).rejects.toThrow(ReadOnlyViolation)
    expect(s.audit().slice(start)).toEqual([])
  })
})
