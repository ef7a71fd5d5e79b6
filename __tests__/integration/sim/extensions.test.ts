// A restore's `extensions` are pre-installed before pg_restore (bare names into `public`), as
// Heroku does (heroku-api.md §19.2). On a source whose extensions live in `heroku_ext`, a bare
// `hstore` makes the dump's CREATE EXTENSION a no-op, and every table using heroku_ext.hstore is
// lost; a restore with no extensions (the CLI's default) keeps every table.
import { join } from 'node:path'
import { REPO_ROOT } from '../../../scripts/run-action.js'
import type { SimApp, Simulator } from '../../../sim/server.js'
import {
  appName,
  client,
  dumpTables,
  query,
  sim,
  waitAddon,
  waitTransfer,
  type Client
} from './helpers.js'

const HEROKU_EXT = join(REPO_ROOT, '__tests__', 'fixtures', 'heroku-ext', 'heroku-ext.sql')

let s: Simulator
let c: Client
let app: SimApp
let backupUrl: string

beforeAll(async () => {
  s = await sim()
  c = client(s)
  app = await s.createApp(appName('ext'), { sqlFile: HEROKU_EXT, schedule: false })
  const backup = await s.takeBackup(app.name, { scheduled: false })
  backupUrl = (await c.get(`/client/v11/apps/${app.name}/transfers/${backup.uuid}`)).body.to_url
}, 60_000)
afterAll(() => s?.close())

/** Restores the backup onto a fresh add-on with these extensions; returns its URL and the transfer. */
async function restoreWith(attachment: string, extensions?: string[]) {
  const fresh = (
    await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      attachment: { name: attachment }
    })
  ).body
  await waitAddon(c, app.name, fresh.id)
  const r = await c.post(`/client/v11/databases/${fresh.id}/restores`, {
    backup_url: backupUrl,
    ...(extensions ? { extensions } : {})
  })
  expect(r.status).toBe(201)
  const transfer = await waitTransfer(c, app.name, r.body.uuid)
  const url = (await c.get(`/apps/${app.name}/config-vars`)).body[`${attachment}_URL`]
  return { url, transfer }
}

test('the source keeps hstore and pgcrypto in heroku_ext', async () => {
  const rows = await query(
    app.databaseUrl,
    `select e.extname, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
     where e.extname in ('hstore','pgcrypto') order by 1`
  )
  expect(rows).toEqual([
    { extname: 'hstore', nspname: 'heroku_ext' },
    { extname: 'pgcrypto', nspname: 'heroku_ext' }
  ])
})

test('with no extensions every table is restored, content identical', async () => {
  const { url, transfer } = await restoreWith('NO_EXT')
  expect(transfer.succeeded).toBe(true)
  expect(await dumpTables(url)).toEqual(await dumpTables(app.databaseUrl))
})

test("with extensions ['hstore'] (bare: into public) the tables that use heroku_ext lose out", async () => {
  const { url, transfer } = await restoreWith('BARE_EXT', ['hstore'])
  const where = await query(
    url,
    `select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
     where e.extname = 'hstore'`
  )
  expect(where).toEqual([{ nspname: 'public' }])
  // pg_restore carries on past the failed objects: the restore finishes with warnings.
  expect(transfer.warnings).toBeGreaterThan(0)
  const tables = Object.keys(await dumpTables(url))
  expect(tables).toContain('public.note')
  expect(tables).toContain('public.account')
  expect(tables).not.toContain('public.product')
})

test('schema-qualified extensions (heroku_ext.hstore) land in that schema and keep the tables', async () => {
  const { url, transfer } = await restoreWith('QUALIFIED_EXT', ['heroku_ext.hstore'])
  expect(transfer.succeeded).toBe(true)
  expect(await dumpTables(url)).toEqual(await dumpTables(app.databaseUrl))
})
