// `npm run sim`: one JSON line when ready, the app with its schedule and a001, everything dropped on SIGTERM.
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { CHINOOK, adminUrl, appName, client, query } from './helpers.js'

function startSim(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'sim/main.ts', ...args], {
    cwd: process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const lines: string[] = []
  const firstLine = new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout })
    rl.on('line', (l) => {
      lines.push(l)
      if (lines.length === 1) resolve(l)
    })
    child.on('exit', (code) => reject(new Error(`sim exited ${code}: ${stderr}`)))
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, firstLine, exited, lines, stderr: () => stderr }
}

describe('npm run sim (sim/main.ts)', () => {
  it('prints one JSON line, serves the app with schedule and a001, drops everything on SIGTERM', async () => {
    const name = appName('main')
    const run = startSim([
      '--pg',
      adminUrl(),
      '--app',
      name,
      '--sql',
      CHINOOK,
      '--capture-delay',
      '0'
    ])
    const info = JSON.parse(await run.firstLine)
    expect(Object.keys(info).sort()).toEqual([
      'apiUrl',
      'app',
      'dataApiUrl',
      'databaseUrl',
      'token'
    ])
    expect(info.app).toBe(name)
    const c = client({ apiUrl: info.apiUrl, token: info.token } as any)
    const transfers = (await c.get(`/client/v11/apps/${name}/transfers`)).body
    expect(transfers).toHaveLength(1)
    expect(transfers[0]).toMatchObject({
      num: 1,
      succeeded: true,
      schedule: { uuid: expect.any(String) }
    })
    const addons = (await c.get(`/apps/${name}/addons`)).body
    expect(
      (await c.get(`/client/v11/databases/${addons[0].id}/transfer-schedules`)).body
    ).toHaveLength(1)
    const db = new URL(info.databaseUrl).pathname.slice(1)
    expect((await query(info.databaseUrl, 'select count(*)::int as n from track'))[0].n).toBe(3503)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect(run.lines).toHaveLength(1)
    expect(
      await query(adminUrl(), 'select datname from pg_database where datname = $1', [db])
    ).toEqual([])
  })

  it('--no-schedule leaves out the schedule and a001; --port is honoured', async () => {
    const name = appName('nosched')
    const { freePort } = await import('../../../sim/pg-server.js')
    const port = await freePort()
    const run = startSim([
      '--pg',
      adminUrl(),
      '--app',
      name,
      '--sql',
      CHINOOK,
      '--no-schedule',
      '--port',
      String(port)
    ])
    const info = JSON.parse(await run.firstLine)
    expect(info.apiUrl).toBe(`http://127.0.0.1:${port}`)
    const c = client({ apiUrl: info.apiUrl, token: info.token } as any)
    expect((await c.get(`/client/v11/apps/${name}/transfers`)).body).toEqual([])
    const addons = (await c.get(`/apps/${name}/addons`)).body
    expect((await c.get(`/client/v11/databases/${addons[0].id}/transfer-schedules`)).body).toEqual(
      []
    )
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
  })

  it('starts and stops its own PostgreSQL when given neither --pg nor PG_TEST_URL', async () => {
    const env = { ...process.env }
    delete env.PG_TEST_URL
    const name = appName('ownpg')
    const run = startSim(['--app', name, '--sql', CHINOOK], env)
    const info = JSON.parse(await run.firstLine)
    expect(new URL(info.databaseUrl).port).not.toBe(new URL(adminUrl()).port)
    expect((await query(info.databaseUrl, 'select count(*)::int as n from album'))[0].n).toBe(347)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    await expect(query(info.databaseUrl, 'select 1')).rejects.toThrow()
  })

  it('--plan sets the DATABASE plan, --team puts the app in a team where --team-role is the role', async () => {
    const name = appName('team')
    const run = startSim([
      '--pg',
      adminUrl(),
      '--app',
      name,
      '--no-schedule',
      '--plan',
      'standard-0',
      '--team',
      'acme',
      '--team-role',
      'collaborator'
    ])
    const info = JSON.parse(await run.firstLine)
    const c = client({ apiUrl: info.apiUrl, token: info.token } as any)
    const addons = (await c.get(`/apps/${name}/addons`)).body
    expect(addons.map((a: any) => a.plan.name)).toEqual(['heroku-postgresql:standard-0'])
    expect((await c.get(`/apps/${name}`)).body.team).toMatchObject({ name: 'acme' })
    expect((await c.get('/teams/acme')).body.role).toBe('collaborator')
    const refused = await c.post('/teams/apps', { name: appName('drill'), team: 'acme' })
    expect(refused.status).toBe(403)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  })

  it('fails with one clear line on a bad option', async () => {
    const run = startSim(['--pg', adminUrl(), '--capture-delay', 'soon'])
    await expect(run.firstLine).rejects.toThrow(/--capture-delay must be a number/)
    const role = startSim(['--pg', adminUrl(), '--team', 'acme', '--team-role', 'boss'])
    await expect(role.firstLine).rejects.toThrow(/--team-role must be one of admin, member/)
  })
})
