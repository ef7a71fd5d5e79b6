// The first run on a real Heroku account (issue 23), end to end: the bundle run as the runner runs
// it, against a simulator that holds what Heroku's own sources say (heroku-api.md §19). The token
// is made as the README says (`write-protected`, which cannot read /account), and new add-ons
// default to another PostgreSQL major than the source's.
import { join } from 'node:path'
import pg from 'pg'
import { REPO_ROOT } from '../../scripts/run-action.js'
import type { SimApp } from '../../sim/server.js'
import { findServerBinDir } from '../../sim/sim-majors.js'
import { drillAppName } from '../../src/steps/drill-app.js'
import {
  api,
  attachmentsOf,
  chinookApp,
  describeWrites,
  drill,
  report,
  startE2E,
  transcript,
  writesOf,
  type DrillRun,
  type E2E
} from './helpers.js'

const HEROKU_EXT = join(REPO_ROOT, '__tests__', 'fixtures', 'heroku-ext', 'heroku-ext.sql')
/** A major other than the main server's, the default of every new add-on here. */
const OTHER = [18, 17, 16].find((m) => findServerBinDir(m) !== undefined)
const TWO_DAYS = 2 * 86400

let e2e: E2E

beforeAll(async () => {
  if (OTHER === undefined)
    throw new Error('no server binaries of PostgreSQL 16, 17 or 18: run npm ci (pg16..pg18)')
  e2e = await startE2E({ tokenScopes: ['write-protected'], defaultVersion: OTHER })
}, 120_000)
afterAll(() => e2e?.close())

async function serverMajor(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const r = await client.query<{ server_version_num: string }>('show server_version_num')
    return Math.floor(Number(r.rows[0].server_version_num) / 10000)
  } finally {
    await client.end()
  }
}

/** Samples, every 50 ms, the connections the app and the drill hold on `url`'s database; the most seen. */
function watchConnections(adminUrl: string, url: string) {
  const database = decodeURIComponent(new URL(url).pathname.slice(1))
  const admin = new pg.Client({ connectionString: adminUrl })
  let most = 0
  let samples = 0
  let stopped = false
  const sampling = (async () => {
    await admin.connect()
    while (!stopped) {
      const r = await admin.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where datname = $1 and application_name in ('restore-drill', 'heroku-sim-app')`,
        [database]
      )
      most = Math.max(most, r.rows[0].n)
      samples++
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await admin.end()
  })()
  return async () => {
    stopped = true
    await sampling
    return { most, samples }
  }
}

describe('a default drill with a write-protected token, on a heroku_ext source with 17 of 20 connections in use', () => {
  let app: SimApp
  let run: DrillRun
  let seen: { most: number; samples: number }
  let major: number

  beforeAll(async () => {
    app = await e2e.sim.createApp(`ext-${process.pid % 1000}`, {
      sqlFile: HEROKU_EXT,
      schedule: true,
      initialBackup: true
    })
    major = await serverMajor(app.databaseUrl)
    await api(e2e, `/__sim/addons/${app.addonName}/connections`, {
      method: 'POST',
      body: { count: 17 }
    })
    const stop = watchConnections(e2e.pg.adminUrl, app.databaseUrl)
    try {
      run = await drill(e2e, app)
    } finally {
      seen = await stop()
      await api(e2e, `/__sim/addons/${app.addonName}/connections`, {
        method: 'POST',
        body: { count: 0 }
      })
    }
  }, 240_000)

  test('passes without ever calling /account; the report shows the scopes Heroku reported', () => {
    expect(report(run).outcome).toBe(
      'passed' /* transcript on failure */ + (run.exitCode === 0 ? '' : transcript(run))
    )
    expect(run.requests.filter((r) => r.path.startsWith('/account'))).toEqual([])
    expect(report(run).tokenScopes).toBe('write-protected')
  })

  test('sends no restore extensions, and compares every table, those using heroku_ext included', () => {
    const restores = run.requests.filter((r) => r.method === 'POST' && /\/restores$/.test(r.path))
    expect(restores).toHaveLength(1)
    expect(restores[0].body).not.toHaveProperty('extensions')
    const tables = report(run).verification.tables as {
      table: string
      checksum?: { match: boolean }
    }[]
    expect(tables.map((t) => [t.table, t.checksum?.match]).sort()).toEqual([
      ['public.account', true],
      ['public.note', true],
      ['public.product', true]
    ])
  })

  test('never takes the source above 18 of 20 connections, and says how many it used', () => {
    expect(seen.samples).toBeGreaterThan(10)
    expect(seen.most).toBeLessThanOrEqual(18)
    expect(seen.most).toBeGreaterThanOrEqual(17)
    const used = report(run).sourceConnections
    expect(used).toMatchObject({ max: 1, before: { used: 17, limit: 20 } })
    expect(used.peak).toBeLessThanOrEqual(1)
    expect(run.summary).toContain('Connections on the source: the drill used')
  })

  test("makes the copy on the source's major although new add-ons default to another; the report names both", () => {
    expect(OTHER).not.toBe(major)
    const creates = run.requests.filter(
      (r) => r.method === 'POST' && /^\/apps\/[^/]+\/addons$/.test(r.path)
    )
    expect(creates.map((r) => (r.body as any).config)).toEqual([{ version: String(major) }])
    expect(report(run).versions).toEqual({ source: major, copy: major })
  })
})

test('a token without access to the app: the 403 names the scopes Heroku reported', async () => {
  const app = await chinookApp(e2e, 'scope403', { schedule: true })
  const token = e2e.sim.issueToken(['identity'])
  const run = await drill(e2e, app, { 'heroku-api-key': token })
  expect(run.exitCode).not.toBe(0)
  const error = report(run).error as string
  expect(error).toContain('403')
  expect(error).toContain('the token has scopes "identity"')
  expect(error).not.toContain(token)
  expect(writesOf(run.requests)).toEqual([])
})

test.each(['private-0', 'shield-0', 'advanced'])(
  'a %s source is refused in one line, with zero writes',
  async (plan) => {
    // Shield and Advanced have no PGBackups: no schedule there.
    const app = await chinookApp(e2e, `refuse-${plan}`, { schedule: plan === 'private-0', plan })
    const run = await drill(e2e, app)
    expect(run.exitCode).not.toBe(0)
    const error = report(run).error as string
    expect(error).toMatch(/^source \S+ \(plan \S+\) /)
    expect(error).not.toContain('\n')
    expect(error).toMatch(plan === 'advanced' ? /Postgres Advanced/ : /space/)
    expect(describeWrites(writesOf(run.requests))).toEqual([])
  }
)

test('promote on a database whose only attachment is DATABASE: passes; attachments and DATABASE_URL as before', async () => {
  const app = await chinookApp(e2e, 'promote1', { schedule: true })
  const attachments = async () =>
    (await attachmentsOf(e2e, app.name)).map((a) => `${a.name}=${a.addon.id}`).sort()
  const databaseUrl = async () =>
    (await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)).DATABASE_URL
  const before = { attachments: await attachments(), url: await databaseUrl() }
  expect(before.attachments).toEqual([`DATABASE=${app.addonId}`])
  const run = await drill(e2e, app, {
    promote: 'true',
    maintenance: 'true',
    'drill-app': 'same'
  })
  expect(report(run).outcome).toBe('passed' + (run.exitCode === 0 ? '' : transcript(run)))
  expect(report(run).promote).toMatchObject({ promoted: true, promotedBack: true })
  // The CLI's way: an alias for the original first, removed once DATABASE is back.
  const attachWrites = writesOf(run.requests).filter((r) => /addon-attachments/.test(r.path))
  expect(
    attachWrites.map((r) => `${r.method} ${(r.body as any)?.name ?? '-'} ${r.status}`)
  ).toEqual(['POST - 201', 'POST DATABASE 201', 'POST DATABASE 201', 'DELETE - 200'])
  expect({ attachments: await attachments(), url: await databaseUrl() }).toEqual(before)
})

test("a kept copy attached to production survives the next drill of another app; that app's own stale drill app is swept", async () => {
  const first = await chinookApp(e2e, 'keep1', { schedule: true })
  const kept = await drill(e2e, first, { 'keep-database': 'true' })
  expect(report(kept).outcome).toBe('passed' + (kept.exitCode === 0 ? '' : transcript(kept)))
  const copy = report(kept).cleanup.kept.addonName as string
  const drillApp = report(kept).drillApp.name as string
  // As the runbook says, then two days pass.
  await api(e2e, '/addon-attachments', {
    method: 'POST',
    body: { addon: { name: copy }, app: { name: first.name }, name: 'VERIFIED_RESTORE' }
  })
  await api(e2e, `/__sim/apps/${drillApp}/age`, { method: 'POST', body: { seconds: TWO_DAYS } })
  await api(e2e, `/__sim/addons/${copy}/age`, { method: 'POST', body: { seconds: TWO_DAYS } })
  const other = await chinookApp(e2e, 'keep2', { schedule: true })
  // A real left-over of the next app's drills: an empty drill app of a run that died two days ago.
  const leftOver = drillAppName(other.name, 'a1b2c3')
  await api(e2e, '/apps', { method: 'POST', body: { name: leftOver } })
  await api(e2e, `/__sim/apps/${leftOver}/age`, { method: 'POST', body: { seconds: TWO_DAYS } })

  const next = await drill(e2e, other)
  expect(report(next).outcome).toBe('passed' + (next.exitCode === 0 ? '' : transcript(next)))
  const deletes = writesOf(next.requests).filter((w) => w.method === 'DELETE')
  expect(deletes.map((w) => w.path)).toContain(`/apps/${leftOver}`)
  expect(deletes.some((w) => w.path.includes(drillApp) || w.path.includes(copy))).toBe(false)
  expect((await attachmentsOf(e2e, first.name)).map((a) => `${a.name}=${a.addon.name}`)).toContain(
    `VERIFIED_RESTORE=${copy}`
  )
  await expect(api(e2e, `/apps/${leftOver}`)).rejects.toThrow(/404/)
})

test('method fork on a Standard source with no backup schedule: passes, warning about the schedule', async () => {
  const app = await chinookApp(e2e, 'forknosched', { schedule: false, plan: 'standard-0' })
  const run = await drill(e2e, app, { method: 'fork' })
  expect(report(run).outcome).toBe('passed' + (run.exitCode === 0 ? '' : transcript(run)))
  expect(run.summary).toMatch(/no automatic backup schedule/)
  expect(run.reportJson).toMatch(/has no automatic backup schedule for DATABASE_URL/)
})

test('dry run: zero writes, outcome passed, the summary lists what a drill would create', async () => {
  const app = await chinookApp(e2e, 'dryrun', { schedule: true })
  const run = await drill(e2e, app, { 'dry-run': 'true' })
  expect(report(run).outcome).toBe('passed' + (run.exitCode === 0 ? '' : transcript(run)))
  expect(describeWrites(writesOf(run.requests))).toEqual([])
  expect(report(run).dryRun.wouldCreate.length).toBeGreaterThanOrEqual(2)
  expect(run.summary).toContain('would create:')
  expect(run.summary).toMatch(/restore-drill-dryrun/)
})
