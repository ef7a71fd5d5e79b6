// OAuth scopes (heroku-api.md §19.1): a token's scopes decide what it may call, `/account` wants
// `identity` or `global`, and every Platform API answer names the token's scopes and the accepted ones.
import type { Simulator } from '../../../sim/server.js'
import { appName, client, sim } from './helpers.js'

let s: Simulator
let app: string

beforeAll(async () => {
  s = await sim({ tokenScopes: ['write-protected'] })
  app = appName('scopes')
  await s.createApp(app, { sql: 'CREATE TABLE t (id int);', schedule: false })
}, 60_000)
afterAll(() => s?.close())

test('a write-protected token cannot read /account: 403 forbidden, with the scopes seen', async () => {
  const r = await client(s).get('/account')
  expect(r.status).toBe(403)
  expect(r.body.id).toBe('forbidden')
  expect(r.headers.get('oauth-scope')).toBe('write-protected')
  expect(r.headers.get('oauth-scope-accepted')).toBe('global identity')
})

test('a write-protected token reads and writes apps, each answer naming its scopes', async () => {
  const c = client(s)
  const read = await c.get(`/apps/${app}/addons`)
  expect(read.status).toBe(200)
  expect(read.headers.get('oauth-scope')).toBe('write-protected')
  expect(read.headers.get('oauth-scope-accepted')).toBe(
    'global read read-protected write write-protected'
  )
  const write = await c.patch(`/apps/${app}`, { maintenance: false })
  expect(write.status).toBe(200)
  expect(write.headers.get('oauth-scope-accepted')).toBe('global write write-protected')
})

test('identity and global reach /account', async () => {
  for (const scopes of [['identity'], ['global']]) {
    const token = s.issueToken(scopes)
    const r = await client(s, token).get('/account')
    expect(r.status).toBe(200)
    expect(r.headers.get('oauth-scope')).toBe(scopes[0])
  }
})

test('scopes nest: read-protected reads but cannot write; write cannot read /account', async () => {
  const reader = client(s, s.issueToken(['read-protected']))
  expect((await reader.get(`/apps/${app}`)).status).toBe(200)
  const w = await reader.patch(`/apps/${app}`, { maintenance: true })
  expect(w.status).toBe(403)
  expect(w.body.id).toBe('forbidden')
  const writer = client(s, s.issueToken(['write']))
  expect((await writer.get(`/apps/${app}`)).status).toBe(200)
  expect((await writer.get('/account')).status).toBe(403)
  const identity = client(s, s.issueToken(['identity']))
  expect((await identity.get(`/apps/${app}`)).status).toBe(403)
})

test('the data API checks scopes too (a read-only token cannot capture)', async () => {
  const addons = (await client(s).get(`/apps/${app}/addons`)).body
  const reader = client(s, s.issueToken(['read']))
  const info = await reader.get(`/client/v11/databases/${addons[0].id}`)
  expect(info.status).toBe(200)
  const capture = await reader.post(`/client/v11/databases/${addons[0].id}/backups`, {})
  expect(capture.status).toBe(403)
})

test('app creation: write-protected may by default; the hook makes it need create-apps', async () => {
  const c = client(s)
  const first = await c.post('/apps', { name: appName('mk') })
  expect(first.status).toBe(201)
  s.refuseAppCreateWithoutCreateApps(true)
  try {
    const refused = await c.post('/apps', { name: appName('mk') })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('oauth-scope-accepted')).toBe('global create-apps')
    const allowed = await client(s, s.issueToken(['write-protected', 'create-apps'])).post(
      '/apps',
      { name: appName('mk') }
    )
    expect(allowed.status).toBe(201)
  } finally {
    s.refuseAppCreateWithoutCreateApps(false)
  }
})

test('POST /__sim/tokens issues a token with the scopes asked; an unknown scope is refused', async () => {
  const c = client(s)
  const made = await c.post('/__sim/tokens', { scopes: ['identity'] })
  expect(made.status).toBe(201)
  expect((await client(s, made.body.token).get('/account')).status).toBe(200)
  expect((await c.post('/__sim/tokens', { scopes: ['root'] })).status).toBe(422)
})
