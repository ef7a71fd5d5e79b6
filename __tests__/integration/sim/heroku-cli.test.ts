// Compatibility check: the official Heroku CLI (npm `heroku`, pinned) runs the manual checklist
// against the simulator, pointed at it with HEROKU_HOST / HEROKU_DATA_HOST. The CLI is
// installed on demand into node_modules/.cache/heroku-cli; the test is skipped (loudly) only when
// the npm registry cannot be reached.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { SimApp, Simulator } from '../../../sim/server.js'
import {
  CHINOOK,
  appName,
  client,
  dumpTables,
  query,
  sim,
  waitAddonGone,
  type Client
} from './helpers.js'
import { BIN, HEROKU_VERSION, installHerokuCli } from '../../e2e/heroku-cli.js'

const run = promisify(execFile)

// Installed (or found) while the module loads, so the tests below can be skipped, visibly.
const cliStatus = await installHerokuCli()
const available = cliStatus === 'installed'
if (!available) {
  console.warn(
    `\n\n*** SKIPPED: the npm registry is unreachable, so the official Heroku CLI ${HEROKU_VERSION} could not be installed.\n` +
      '*** The simulator was NOT checked against the real CLI in this run.\n\n'
  )
}
const itWithCli = available ? it : it.skip

describe(`official Heroku CLI ${HEROKU_VERSION} against the simulator`, () => {
  let s: Simulator
  let c: Client
  let app: SimApp
  let home: string

  async function heroku(...args: string[]): Promise<{ code: number; out: string }> {
    try {
      const { stdout, stderr } = await run(BIN, args, {
        timeout: 90_000,
        // Outside any git repository, so apps:create adds no git remote to ours.
        cwd: home,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          XDG_CACHE_HOME: join(home, '.cache'),
          XDG_CONFIG_HOME: join(home, '.config'),
          XDG_DATA_HOME: join(home, '.local'),
          HEROKU_API_KEY: s.token,
          HEROKU_HOST: s.apiUrl,
          HEROKU_DATA_HOST: new URL(s.dataApiUrl).hostname,
          HEROKU_SKIP_ANALYTICS: '1',
          HEROKU_DISABLE_AUTOUPDATE: '1',
          NO_COLOR: '1',
          CI: '1'
        }
      })
      return { code: 0, out: stdout + stderr }
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string }
      return {
        code: typeof e.code === 'number' ? e.code : 1,
        out: (e.stdout ?? '') + (e.stderr ?? '')
      }
    }
  }

  /** Runs a command that must succeed; its output must never hold the token or a password. */
  async function ok(...args: string[]): Promise<string> {
    const r = await heroku(...args)
    expect(r.out).not.toContain(s.token)
    expect(r.out).not.toContain(new URL(app.databaseUrl).password)
    if (r.code !== 0) throw new Error(`heroku ${args.join(' ')} failed (${r.code}):\n${r.out}`)
    return r.out
  }

  beforeAll(async () => {
    if (!available) return
    home = mkdtempSync(join(tmpdir(), 'heroku-cli-home-'))
    s = await sim({
      provisionDelaySeconds: 2,
      captureDelaySeconds: 1,
      restoreDelaySeconds: 1,
      teams: { acme: 'admin' }
    })
    c = client(s)
    app = await s.createApp(appName('cli'), { sqlFile: CHINOOK })
  }, 300_000)

  afterAll(async () => {
    await s?.close()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  itWithCli(
    'runs the manual restore checklist',
    async () => {
      const a = app.name
      const drill = `restore-drill-${a}-1-1-abcd`

      const created = await ok(
        'addons:create',
        'heroku-postgresql:essential-0',
        '--app',
        a,
        '--as',
        'RESTORE_DRILL',
        '--name',
        drill
      )
      expect(created).toMatch(/being created in the background|Database is being provisioned/)
      expect((await c.get(`/apps/${a}/addons/${drill}`)).body.state).toBe('provisioning')

      const waited = await ok('pg:wait', 'RESTORE_DRILL', '--app', a)
      expect(waited).toMatch(/available|^$/)
      expect((await c.get(`/apps/${a}/addons/${drill}`)).body.state).toBe('provisioned')

      const captured = await ok('pg:backups:capture', '--app', a)
      expect(captured).toMatch(/Backing up DATABASE to b002\.\.\. done/)

      const list = await ok('pg:backups', '--app', a)
      // The CLI prints the data API's times as they come: `2026-12-01 21:38:42 +0000`.
      const time = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000'
      expect(list).toMatch(new RegExp(`a001\\s+${time}\\s+Completed ${time}`))
      expect(list).toMatch(new RegExp(`b002\\s+${time}\\s+Completed ${time}`))

      expect(await ok('pg:backups:schedules', '--app', a)).toMatch(
        /DATABASE_URL: daily at 2:00 UTC/
      )
      await ok('pg:backups:schedule', 'DATABASE_URL', '--at', '04:00 America/New_York', '--app', a)
      expect(await ok('pg:backups:schedules', '--app', a)).toMatch(
        /DATABASE_URL: daily at 4:00 America\/New_York/
      )
      await ok('pg:backups:unschedule', 'DATABASE_URL', '--app', a)
      expect(await ok('pg:backups:schedules', '--app', a)).toMatch(/No backup schedules found/)
      await ok('pg:backups:schedule', 'DATABASE_URL', '--at', '02:00 UTC', '--app', a)

      const info = await ok('pg:backups:info', 'b002', '--app', a)
      expect(info).toMatch(/Status:\s+Completed/)
      expect(info).toMatch(/Type:\s+Manual/)
      expect(info).toMatch(/pg_dump: dumping contents of table "public.track"/)
      expect(await ok('pg:backups:info', 'a001', '--app', a)).toMatch(/Type:\s+Scheduled/)
      const url = (await ok('pg:backups:url', 'b002', '--app', a)).trim().split('\n').pop()!
      const dump = await fetch(url)
      expect(
        Buffer.from(await dump.arrayBuffer())
          .subarray(0, 5)
          .toString()
      ).toBe('PGDMP')

      const restored = await ok(
        'pg:backups:restore',
        'b002',
        'RESTORE_DRILL',
        '--app',
        a,
        '--confirm',
        a
      )
      expect(restored).toMatch(/Restoring\.\.\. done/)
      expect(await ok('pg:backups', '--app', a)).toMatch(
        new RegExp(`r003\\s+${time}\\s+Completed.*RESTORE_DRILL`)
      )
      const vars = (await c.get(`/apps/${a}/config-vars`)).body
      expect(await dumpTables(vars.RESTORE_DRILL_URL)).toEqual(await dumpTables(app.databaseUrl))

      expect(await ok('maintenance:on', '--app', a)).toMatch(/Enabling maintenance mode.*done/)
      expect((await ok('maintenance', '--app', a)).trim()).toMatch(/^on/)

      // Production's database has only DATABASE: Heroku refuses to move its last billing
      // attachment, so the CLI must alias it first (heroku-api.md §19.3).
      const before = (await c.get(`/addons/${app.addonName}/addon-attachments`)).body
      expect(before.map((x: any) => x.name)).toEqual(['DATABASE'])
      const promoted = await ok('pg:promote', 'RESTORE_DRILL', '--app', a)
      const alias = /alternate alias for existing DATABASE_URL\.\.\. (\w+)_URL/.exec(promoted)?.[1]
      expect(alias).toMatch(/^HEROKU_POSTGRESQL_/)
      expect(promoted).toMatch(
        new RegExp(`Promoting ${drill} to DATABASE_URL on ${a}\\.\\.\\. done`)
      )
      const afterPromote = (await c.get(`/apps/${a}/config-vars`)).body
      expect(afterPromote.DATABASE_URL).toBe(vars.RESTORE_DRILL_URL)
      expect(afterPromote[`${alias}_URL`]).toBe(app.databaseUrl)

      await ok('pg:promote', alias!, '--app', a)
      expect((await c.get(`/apps/${a}/config-vars`)).body.DATABASE_URL).toBe(app.databaseUrl)

      expect(await ok('maintenance:off', '--app', a)).toMatch(/Disabling maintenance mode.*done/)
      expect((await c.get(`/apps/${a}`)).body.maintenance).toBe(false)

      const pgInfo = await ok('pg:info', 'DATABASE', '--app', a)
      expect(pgInfo).toMatch(/Plan:\s+Essential 0/)
      expect(pgInfo).toMatch(/Tables:\s+11/)

      // The destroy answers `deprovisioning`, which the CLI shows as Heroku's asynchronous
      // destroy; the add-on is gone a moment later.
      expect(await ok('addons:destroy', drill, '--app', a, '--confirm', a)).toMatch(
        /being destroyed in the background[\s\S]*Destroying .* pending/
      )
      expect(await waitAddonGone(c, a, drill)).toBe(404)
      expect(Object.keys((await c.get(`/apps/${a}/config-vars`)).body).sort()).toEqual(
        ['DATABASE_URL', `${alias}_URL`].sort()
      )
    },
    300_000
  )

  itWithCli(
    'shows failures as the CLI shows real ones: a failed capture, a failed provisioning, restore warnings',
    async () => {
      const a = app.name
      s.armFaults([{ kind: 'transfer-fail', transfer: 'capture' }, { kind: 'provision-fail' }])
      const failed = await heroku('pg:backups:capture', '--app', a)
      expect(failed.code).not.toBe(0)
      expect(failed.out).toMatch(/An error occurred and the backup did not finish/)
      const prov = await heroku(
        'addons:create',
        'heroku-postgresql:essential-0',
        '--app',
        a,
        '--wait'
      )
      expect(prov.code).not.toBe(0)
      expect(prov.out).toMatch(/unable to be created/)

      await ok(
        'addons:create',
        'heroku-postgresql:essential-0',
        '--app',
        a,
        '--as',
        'SECOND',
        '--wait'
      )
      s.armFaults({ kind: 'transfer-warnings', transfer: 'restore', count: 2, benign: true })
      await ok('pg:backups:restore', 'a001', 'SECOND', '--app', a, '--confirm', a)
      expect(await ok('pg:backups', '--app', a)).toMatch(/Finished with 2 warnings\s+\S+\s+SECOND/)
      const info = await ok('pg:info', 'SECOND', '--app', a)
      expect(info).toMatch(/Tables:\s+11/)
      const manual = (await c.get(`/client/v11/apps/${a}/transfers`)).body.filter(
        (t: any) => t.succeeded && t.to_type === 'gof3r' && !t.schedule
      )
      const name = `b${String(manual[manual.length - 1].num).padStart(3, '0')}`
      expect(await ok('pg:backups:delete', name, '--app', a, '--confirm', a)).toMatch(
        /Deleting backup .* done/
      )
      expect(await ok('pg:backups', '--app', a)).not.toMatch(new RegExp(`^\\s*${name}\\s`, 'm'))
    },
    300_000
  )

  itWithCli(
    'creates a drill app, restores a backup of the app onto it cross-app, destroys it',
    async () => {
      const a = app.name
      const releasesBefore = (await c.get(`/apps/${a}/releases`)).body
      const drill = appName('drill')
      expect(await ok('apps:create', drill, '--team', 'acme', '--region', 'eu')).toMatch(
        /Creating .*done, region is eu/
      )
      expect((await c.get(`/apps/${drill}`)).body).toMatchObject({
        team: { name: 'acme' },
        region: { name: 'eu' }
      })
      const personal = appName('mine')
      await ok('apps:create', personal)
      expect((await c.get(`/apps/${personal}`)).body).toMatchObject({
        team: null,
        region: { name: 'us' }
      })

      await ok('addons:create', 'heroku-postgresql:essential-0', '--app', drill, '--wait')
      const restored = await ok(
        'pg:backups:restore',
        `${a}::a001`,
        'DATABASE_URL',
        '--app',
        drill,
        '--confirm',
        drill
      )
      expect(restored).toMatch(/Restoring\.\.\. done/)
      expect(await ok('pg:backups', '--app', drill)).toMatch(/r001\s+.+\s+Completed.*DATABASE/)
      const vars = (await c.get(`/apps/${drill}/config-vars`)).body
      expect(await dumpTables(vars.DATABASE_URL)).toEqual(await dumpTables(app.databaseUrl))
      expect((await c.get(`/apps/${a}/releases`)).body).toEqual(releasesBefore)

      for (const name of [drill, personal])
        expect(await ok('apps:destroy', name, '--confirm', name)).toMatch(/Destroying .* done/)
      expect((await c.get(`/apps/${drill}`)).status).toBe(404)
      await expect(dumpTables(vars.DATABASE_URL)).rejects.toThrow()
    },
    300_000
  )
  itWithCli(
    'rolls back and forks a Standard database cross-app with addons:create -- --rollback/--fork, waits with pg:wait',
    async () => {
      const shop = await s.createApp(appName('cp'), {
        plan: 'standard-0',
        sqlFile: CHINOOK,
        schedule: false
      })
      const other = appName('cpdrill')
      await ok('apps:create', other)
      const mark = async (id: number) =>
        query(shop.databaseUrl, 'insert into drill_mark values ($1)', [id])
      const marks = async (url: string) =>
        (await query(url, 'select id from drill_mark order by id')).map((r) => r.id)
      await query(shop.databaseUrl, 'create table drill_mark (id int primary key)')
      await mark(1)
      await new Promise((r) => setTimeout(r, 1300 - (Date.now() % 1000)))
      const to = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      await new Promise((r) => setTimeout(r, 1200))
      await mark(2)

      const created = await ok(
        'addons:create',
        'heroku-postgresql:standard-0',
        '--app',
        other,
        '--as',
        'ROLLBACK',
        '--',
        '--rollback',
        `${shop.name}::DATABASE_URL`,
        '--to',
        to
      )
      expect(created).toMatch(/being created in the background|Database is being provisioned/)
      expect(await ok('pg:wait', 'ROLLBACK', '--app', other)).toMatch(/available|^$/)
      const vars = (await c.get(`/apps/${other}/config-vars`)).body
      expect(await marks(vars.ROLLBACK_URL)).toEqual([1])
      const { 'public.drill_mark': _rolled, ...rolledBack } = await dumpTables(vars.ROLLBACK_URL)
      const { 'public.drill_mark': _source, ...source } = await dumpTables(shop.databaseUrl)
      expect(rolledBack).toEqual(source)

      await ok(
        'addons:create',
        'heroku-postgresql:standard-0',
        '--app',
        other,
        '--as',
        'FORK',
        '--',
        '--fork',
        `${shop.name}::DATABASE_URL`
      )
      await mark(3)
      await ok('pg:wait', '--app', other)
      const forkUrl = (await c.get(`/apps/${other}/config-vars`)).body.FORK_URL
      expect(await marks(forkUrl)).toEqual([1, 2])

      const info = await ok('pg:info', 'DATABASE', '--app', shop.name)
      expect(info).toMatch(/Continuous Protection:\s+On/)
      expect(info).toMatch(/Rollback:\s+earliest from \d{4}-\d\d-\d\d \d\d:\d\d UTC/)
      expect(info).toMatch(/Fork\/Follow:\s+Available/)
      const copyInfo = await ok('pg:info', 'ROLLBACK', '--app', other)
      expect(copyInfo).toMatch(new RegExp(`Rollback of:\\s+${shop.addonName}`))
      expect(copyInfo).not.toContain(new URL(vars.ROLLBACK_URL).password)

      expect(await ok('apps:destroy', other, '--confirm', other)).toMatch(/Destroying .* done/)
    },
    300_000
  )
})
