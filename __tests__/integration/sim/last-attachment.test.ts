// Heroku refuses to move an add-on's last attachment (heroku-api.md §19.3): promoting over a
// database whose only attachment is DATABASE needs an alias first, which Heroku names
// HEROKU_POSTGRESQL_<COLOR> when the attach has no name.
import type { SimApp, Simulator } from '../../../sim/server.js'
import { appName, client, sim, waitAddon, type Client } from './helpers.js'

let s: Simulator
let c: Client
let app: SimApp
let fresh: { id: string; name: string }

beforeAll(async () => {
  s = await sim()
  c = client(s)
  app = await s.createApp(appName('last'), { sql: 'CREATE TABLE t (id int);', schedule: false })
  fresh = (
    await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      attachment: { name: 'RESTORE_DRILL' }
    })
  ).body
  await waitAddon(c, app.name, fresh.id)
}, 60_000)
afterAll(() => s?.close())

const moveDatabase = () =>
  c.post('/addon-attachments', {
    addon: { name: fresh.name },
    app: { name: app.name },
    confirm: app.name,
    name: 'DATABASE',
    namespace: null
  })

test('moving DATABASE off a database with no other attachment: 422, nothing changes', async () => {
  const releasesBefore = (await c.get(`/apps/${app.name}/releases`)).body.length
  const r = await moveDatabase()
  expect(r.status).toBe(422)
  expect(r.body.id).toBe('invalid_params')
  expect(r.body.message).toBe(
    `DATABASE on ${app.name} is the last billing attachment to ${app.addonName}; either remove the add-on entirely or add a new attachment to it before replacing its config vars`
  )
  expect((await c.get(`/apps/${app.name}/config-vars`)).body.DATABASE_URL).toBe(app.databaseUrl)
  expect((await c.get(`/apps/${app.name}/releases`)).body).toHaveLength(releasesBefore)
})

test('with an alias first (namespace null, no name) the move is accepted', async () => {
  const alias = await c.post('/addon-attachments', {
    addon: { name: app.addonName },
    app: { name: app.name },
    confirm: app.name,
    namespace: null
  })
  expect(alias.status).toBe(201)
  expect(alias.body.name).toMatch(/^HEROKU_POSTGRESQL_[A-Z]+$/)
  const r = await moveDatabase()
  expect(r.status).toBe(201)
  const vars = (await c.get(`/apps/${app.name}/config-vars`)).body
  expect(vars[`${alias.body.name}_URL`]).toBe(app.databaseUrl)
  expect(vars.DATABASE_URL).not.toBe(app.databaseUrl)
})
