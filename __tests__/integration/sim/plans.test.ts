// Private, Shield and Advanced plans (heroku-api.md §19.5): Private and Shield databases refuse
// connections from outside their space; Shield has no PGBackups; Advanced databases are unknown to
// the v11 data API (404, wait_status included).
import pg from 'pg'
import type { Simulator } from '../../../sim/server.js'
import { appName, client, sim, type Client } from './helpers.js'

let s: Simulator
let c: Client

beforeAll(async () => {
  s = await sim()
  c = client(s)
}, 60_000)
afterAll(() => s?.close())

async function connectError(url: string): Promise<string> {
  const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  try {
    await db.connect()
    await db.end()
    return 'connected'
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err)
  }
}

test.each(['private-0', 'shield-0', 'advanced-private', 'advanced-shield'])(
  '%s: the URL Heroku hands out refuses a runner outside the space',
  async (plan) => {
    const app = await s.createApp(appName('space'), { plan, sql: 'CREATE TABLE t (id int);' })
    const vars = (await c.get(`/apps/${app.name}/config-vars`)).body
    expect(vars.DATABASE_URL).toBe(app.databaseUrl)
    expect(await connectError(vars.DATABASE_URL)).toBe('ECONNREFUSED')
  }
)

test('private-0 still takes backups (PGBackups work on Private)', async () => {
  const app = await s.createApp(appName('priv'), { plan: 'private-0', schedule: false })
  const r = await c.post(`/client/v11/databases/${app.addonId}/backups`)
  expect(r.status).toBe(201)
})

test('standard-0 and essential-0 URLs do connect (the control)', async () => {
  for (const plan of ['standard-0', 'essential-0']) {
    const app = await s.createApp(appName('open'), { plan, schedule: false })
    expect(await connectError(app.databaseUrl)).toBe('connected')
  }
})

test('shield-0 has no PGBackups: captures, restores and schedules are refused', async () => {
  const app = await s.createApp(appName('shield'), { plan: 'shield-0' })
  const base = `/client/v11/databases/${app.addonId}`
  const info = await c.get(base)
  expect(info.status).toBe(200)
  const refused = [
    await c.post(`${base}/backups`),
    await c.post(`${base}/restores`, { backup_url: 'https://example.com/b.dump' }),
    await c.get(`${base}/transfer-schedules`),
    await c.post(`${base}/transfer-schedules`, { hour: 2, timezone: 'UTC' })
  ]
  for (const r of refused) {
    expect(r.status).toBe(422)
    expect(r.body.message).toMatch(/PGBackups are not available/)
  }
  expect((await c.get(`/client/v11/apps/${app.name}/transfers`)).body).toEqual([])
})

test.each(['advanced', 'performance-0'])(
  '%s: the v11 data API answers 404, wait_status included; the Platform API shows the plan',
  async (plan) => {
    const app = await s.createApp(appName('adv'), { plan })
    const addon = (await c.get(`/apps/${app.name}/addons/${app.addonId}`)).body
    expect(addon.plan.name).toBe(`heroku-postgresql:${plan}`)
    const base = `/client/v11/databases/${app.addonId}`
    for (const r of [
      await c.get(`${base}/wait_status`),
      await c.get(base),
      await c.post(`${base}/backups`)
    ]) {
      expect(r.status).toBe(404)
      expect(r.body.id).toBe('not_found')
    }
  }
)
