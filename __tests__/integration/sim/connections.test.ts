// Essential databases allow 20 connections (essential-2: 40), enforced by the server, and the
// database info shows `Connections: used/limit` counting the database's real backends
// (heroku-api.md §19.6).
import pg from 'pg'
import type { SimApp, Simulator } from '../../../sim/server.js'
import { appName, client, sim, type Client } from './helpers.js'

let s: Simulator
let c: Client
let essential0: SimApp
let essential2: SimApp

beforeAll(async () => {
  s = await sim()
  c = client(s)
  essential0 = await s.createApp(appName('conn0'), { schedule: false })
  essential2 = await s.createApp(appName('conn2'), { schedule: false, plan: 'essential-2' })
}, 60_000)
afterAll(() => s?.close())

async function connections(addonId: string): Promise<string> {
  const info = (await c.get(`/client/v11/databases/${addonId}`)).body
  return info.info.find((x: any) => x.name === 'Connections').values[0]
}

test('the info counts the connections the app holds, out of the plan limit', async () => {
  expect(await connections(essential0.addonId)).toBe('0/20')
  const r = await c.post(`/__sim/addons/${essential0.addonName}/connections`, { count: 17 })
  expect(r.body).toEqual({ addon: essential0.addonName, held: 17 })
  expect(await connections(essential0.addonId)).toBe('17/20')
  expect(await connections(essential2.addonId)).toBe('0/40')
})

test('the 21st connection to an Essential database is refused by the server', async () => {
  await s.holdConnections(essential0.addonName, 17)
  const extra: pg.Client[] = []
  try {
    for (let i = 0; i < 3; i++) {
      const db = new pg.Client({ connectionString: essential0.databaseUrl })
      await db.connect()
      extra.push(db)
    }
    expect(await connections(essential0.addonId)).toBe('20/20')
    const over = new pg.Client({ connectionString: essential0.databaseUrl })
    await expect(over.connect()).rejects.toThrow(/too many connections/)
  } finally {
    await Promise.all(extra.map((db) => db.end()))
  }
  await s.holdConnections(essential0.addonName, 0)
  expect(await connections(essential0.addonId)).toBe('0/20')
})

test('asking to hold more than the limit is refused (422)', async () => {
  const r = await c.post(`/__sim/addons/${essential0.addonName}/connections`, { count: 21 })
  expect(r.status).toBe(422)
  expect(r.body.message).toMatch(/too many connections/)
  await s.holdConnections(essential0.addonName, 0)
})
