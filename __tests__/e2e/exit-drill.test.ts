// Issue 26 (part A), the exit drill: target-url points at a second PostgreSQL server (not the
// simulator's). The drill restores the backup there into a database of its own, verifies it
// against the source, makes nothing on Heroku, and leaves that server with exactly the databases
// it had: after a pass, after a kill during the restore (the post step drops it), and a damaged
// copy there is caught like a damaged Heroku restore.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import pg from 'pg'
import { startPostgres, type PostgresServer } from '../../sim/pg-server.js'
import { assertNoLeaks, secretsOf } from '../../scripts/run-action.js'
import { findServerBinDir } from '../../sim/sim-majors.js'
import { clientMajorOf } from '../../src/rules/dump-version.js'
import { findPgRestore, pgRestoreVersion } from '../../src/target/pg-restore.js'
import {
  CHINOOK_SQL,
  CHINOOK_TABLES,
  chinookApp,
  drill,
  report,
  startE2E,
  transcript,
  writesOf,
  type DrillRun,
  type E2E
} from './helpers.js'

let e2e: E2E
let target: PostgresServer

async function databasesOn(server: PostgresServer): Promise<string[]> {
  const client = new pg.Client({ connectionString: server.adminUrl })
  await client.connect()
  try {
    const res = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database ORDER BY datname'
    )
    return res.rows.map((r) => r.datname)
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  e2e = await startE2E()
  target = await startPostgres()
  // The target already holds a database of the team's: it must survive every drill untouched.
  const client = new pg.Client({ connectionString: target.adminUrl })
  await client.connect()
  await client.query('CREATE DATABASE team_app')
  await client.end()
}, 120_000)
afterAll(async () => {
  await target?.stop()
  await e2e?.close()
})

/** The drill with target-url, scanned for the target's password as well as Heroku's secrets. */
async function exitDrill(
  inputs: Record<string, string>,
  extra: Parameters<typeof drill>[3] = {}
): Promise<{ run: DrillRun; start: number }> {
  const app = await chinookApp(e2e, 'exit')
  const start = e2e.sim.audit().length
  const run = await drill(e2e, app, { 'target-url': target.adminUrl, ...inputs }, extra)
  assertNoLeaks(run, secretsOf(e2e.sim.token, [target.adminUrl]))
  return { run, start }
}

function creates(start: number): string[] {
  return writesOf(e2e.sim.audit(), start)
    .filter((w) => w.method === 'POST' && /^\/(apps|addons)(\/[^/]+\/addons)?$/.test(w.path))
    .map((w) => `${w.method} ${w.path}`)
}

describe('exit drill (target-url)', () => {
  test('restores and verifies on the target, creates nothing on Heroku, leaves the target as it was', async () => {
    const before = await databasesOn(target)
    const { run, start } = await exitDrill({})
    expect({
      outcome: run.outputs.outcome,
      log: run.outputs.outcome === 'passed' ? '' : transcript(run)
    }).toEqual({ outcome: 'passed', log: '' })
    expect(creates(start)).toEqual([])
    expect(writesOf(e2e.sim.audit(), start).some((w) => /\/restores$/.test(w.path))).toBe(false)
    expect(await databasesOn(target)).toEqual(before)
    const r = report(run)
    expect(r.verification.tablesChecked).toBe(CHINOOK_TABLES)
    expect(r.exitTarget.host).toBe('127.0.0.1')
    expect(r.exitTarget.serverVersion).toMatch(/^\d+\.\d+/)
    expect(r.exitTarget.database).toMatch(/^restore_drill_/)
    expect(r.restore.seconds).toBeGreaterThan(0)
    expect(Number(run.outputs['restore-seconds'])).toBeGreaterThanOrEqual(0)
    expect(r.drillApp).toBeNull()
    expect(run.summary).toContain(r.exitTarget.database)
    expect(run.summary).toContain('on 127.0.0.1')
    expect(run.stdout).toMatch(/dropped database restore_drill_\S+ on the target server/)
    console.log(
      `exit drill timings: ${JSON.stringify(r.timings)}; download ${r.exitTarget.downloadSeconds}s`
    )
  }, 180_000)

  test('SIGKILL during the restore: the post step drops the drill database, and only it', async () => {
    const before = await databasesOn(target)
    const { run } = await exitDrill(
      {},
      { signals: [{ signal: 'SIGKILL', whenStdout: /pg_restore -j \d+ into database/ }] }
    )
    expect(run.exitSignal).toBe('SIGKILL')
    const state = JSON.parse(run.state.drill ?? '{}') as {
      exitDatabase?: { name: string }
      exitDownload?: { dir: string; removed?: boolean }
    }
    expect(state.exitDatabase?.name).toMatch(/^restore_drill_/)
    // The backup downloaded to the runner (production's data) is gone too, main having been killed.
    expect(state.exitDownload).toEqual({ dir: expect.stringMatching(/restore-drill-backup-/) })
    expect(existsSync(state.exitDownload!.dir)).toBe(false)
    expect(run.postSummary).toContain('removed the backup file downloaded to the runner')
    expect(run.postExitCode).toBe(0)
    expect(run.postStdout).toContain(`dropped database ${state.exitDatabase?.name}`)
    // The post step's summary says what it undid, the database by name.
    expect(run.postSummary).toContain(
      `dropped the drill's database ${state.exitDatabase?.name} on the target server`
    )
    expect(await databasesOn(target)).toEqual(before)
  }, 180_000)

  test('a damaged copy on the target is caught, naming the table', async () => {
    const before = await databasesOn(target)
    const { run } = await exitDrill(
      {},
      { env: { RESTORE_DRILL_SIMULATOR_DAMAGE_TARGET: 'public.playlist_track' } }
    )
    expect({ outcome: run.outputs.outcome, exit: run.exitCode }).toEqual({
      outcome: 'failed',
      exit: 1
    })
    const failLine = run.stdout.split('\n').find((l) => l.startsWith('::error::Failed')) ?? ''
    expect(failLine).toMatch(/playlist_track/)
    expect(await databasesOn(target)).toEqual(before)
  }, 180_000)

  test('dry run: the target checked and named, nothing written on Heroku or on the target', async () => {
    const before = await databasesOn(target)
    const { run, start } = await exitDrill({ 'dry-run': 'true' })
    expect(report(run).outcome).toBe('passed' + (run.exitCode === 0 ? '' : transcript(run)))
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
    expect(await databasesOn(target)).toEqual(before)
    const wouldCreate: string[] = report(run).dryRun.wouldCreate
    expect(
      wouldCreate.some((line) => /on the target server 127\.0\.0\.1 \(PostgreSQL \d+/.test(line))
    ).toBe(true)
    // An exit drill makes no app and no add-on: the plan must not say it would.
    expect(wouldCreate.filter((line) => /^(app|add-on) /.test(line))).toEqual([])
    expect(run.stdout).toMatch(
      /target server 127\.0\.0\.1 \(PostgreSQL \d+\.\d+.*\) answers and its user can create a database/
    )
  }, 180_000)

  test('a target user that cannot create a database: refused in preflight, before the capture', async () => {
    const admin = new pg.Client({ connectionString: target.adminUrl })
    await admin.connect()
    await admin.query("CREATE ROLE drill_reader LOGIN PASSWORD 'reader-secret-42'")
    await admin.end()
    const url = new URL(target.adminUrl)
    url.username = 'drill_reader'
    url.password = 'reader-secret-42'
    const app = await chinookApp(e2e, 'exitnocreate')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, { 'target-url': url.toString() })
    assertNoLeaks(run, secretsOf(e2e.sim.token, [url.toString(), 'reader-secret-42']))
    expect(run.outputs.outcome).toBe('error')
    expect(report(run).error).toMatch(
      /Input "target-url": its user cannot create a database on 127\.0\.0\.1 \(it needs CREATEDB\)/
    )
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
  }, 180_000)

  // A source on a major newer than the runner's pg_restore (a real server of that major in the
  // simulator), so the runner's client really is too old: refused before the capture, with the
  // command that installs one that is not. Needs a server binary of a newer major than the client.
  const clientMajor = async () => clientMajorOf(await pgRestoreVersion(findPgRestore())) ?? 0
  test('a runner pg_restore older than the source: refused in preflight with the install command', async () => {
    const client = await clientMajor()
    const newer = [16, 17, 18, 19].find((m) => m > client && findServerBinDir(m))
    if (newer === undefined)
      throw new Error(`no PostgreSQL server binaries newer than this runner's pg_restore ${client}`)
    const app = await e2e.sim.createApp(`exit-newer-${process.pid % 1000}`, {
      sqlFile: CHINOOK_SQL,
      version: newer,
      // The simulator's own pg_dump is the runner's too: it cannot back up a newer server.
      initialBackup: false
    })
    const before = await databasesOn(target)
    const start = e2e.sim.audit().length
    // No backup to age (see above): no backup-age limit, so preflight goes on to the target.
    const inputs = { 'target-url': target.adminUrl, 'max-backup-age': '' }
    const run = await drill(e2e, app, inputs)
    assertNoLeaks(run, secretsOf(e2e.sim.token, [target.adminUrl]))
    expect(run.outputs.outcome).toBe('error')
    expect(report(run).error).toContain(`sudo apt-get install -y postgresql-client-${newer}`)
    expect(report(run).error).toMatch(new RegExp(`pg_restore is version ${client}\\b`))
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
    expect(await databasesOn(target)).toEqual(before)
  }, 240_000)

  // The usual move off Heroku lands on a newer major (a managed service's default): the copy is
  // compared by meaning across the two (18 keeps NOT NULL as constraint rows), never a false
  // mismatch, and the report's versions say which majors were compared.
  test('a target server of a newer major (18): passes, compared across majors, the majors reported', async () => {
    const binDir = findServerBinDir(18)
    if (!binDir) throw new Error('no PostgreSQL 18 server binaries (devDependency pg18)')
    const newer = await startPostgres({ serverBinDir: binDir })
    try {
      const before = await databasesOn(newer)
      const app = await chinookApp(e2e, 'exit18')
      const run = await drill(e2e, app, { 'target-url': newer.adminUrl })
      assertNoLeaks(run, secretsOf(e2e.sim.token, [newer.adminUrl]))
      expect({
        outcome: run.outputs.outcome,
        log: run.outputs.outcome === 'passed' ? '' : transcript(run)
      }).toEqual({ outcome: 'passed', log: '' })
      const r = report(run)
      expect(r.exitTarget.serverVersion).toMatch(/^18\./)
      expect(r.versions.copy).toBe(18)
      expect(r.upgrade).toMatchObject({ copyMajor: 18 })
      expect(r.upgrade.notNullConstraints).toBeGreaterThan(0)
      expect(await databasesOn(newer)).toEqual(before)
    } finally {
      await newer.stop()
    }
  }, 240_000)
})
