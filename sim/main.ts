// `npm run sim -- [--port N] [--pg ADMIN_URL] [--app NAME --sql FILE] [--provision-delay S]
//   [--deprovision-delay S] [--capture-delay S] [--restore-delay S] [--release-phase S]
//   [--plan PLAN] [--team NAME [--team-role ROLE]] [--no-schedule] [--token T]`
// Provisioning and deprovisioning take 1 s by default; --release-phase gives the app a `release`
// process whose release phase takes S seconds.
// Starts the simulated Heroku, prints one JSON line
// {apiUrl, dataApiUrl, token, app, databaseUrl} when ready, serves until SIGTERM/SIGINT, then drops
// everything it created (and its own PostgreSQL server, when it started one).
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startPostgres, type PostgresServer } from './pg-server.js'
import { startSimulator, type Simulator } from './server.js'
import { TEAM_ROLES, type TeamRole } from './sim-apps.js'
import { findPlan } from './sim-catalog.js'

const USAGE =
  'usage: npm run sim -- [--port N] [--pg ADMIN_URL] [--app NAME --sql FILE] [--provision-delay S] ' +
  '[--deprovision-delay S] [--capture-delay S] [--restore-delay S] [--release-phase S] ' +
  '[--plan PLAN] [--team NAME [--team-role ROLE]] [--no-schedule] [--token TOKEN]\n' +
  "  --plan: plan of the app's DATABASE add-on (default essential-0); --team: the app is in that " +
  'team, where the account has --team-role (admin, member, collaborator or owner; default admin)'

function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--${name} must be a number of seconds >= 0, e.g. --${name} 2`)
  return n
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    return ''
  }
}

/**
 * `npm run sim` (and npx) answer SIGTERM by exiting without signalling their script (tsx, then this
 * process), which would leave the simulator and its databases behind. On Linux, when an npm
 * ancestor (within three levels) goes away, we shut down as if signalled. Launched any other way
 * (node, tsx, a shell that exits after starting us in the background) nothing is watched.
 */
function watchLauncher(onGone: () => void): void {
  if (!existsSync('/proc/self/stat')) return
  let pid: number | undefined = process.ppid
  let npm: number | undefined
  for (let level = 0; level < 3 && pid && pid > 1; level++) {
    if (/^(npm|npx)( |$)|npm-cli\.js|npx-cli\.js/.test(commandLine(pid))) {
      npm = pid
      break
    }
    pid = parentOf(pid)
  }
  if (!npm) return
  const watched = npm
  const startLine = commandLine(watched)
  const timer = setInterval(() => {
    if (commandLine(watched) !== startLine) {
      clearInterval(timer)
      onGone()
    }
  }, 1000)
  timer.unref()
}

/** The command line, parsed (strict: an unknown option is an error). */
function readArgs() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      pg: { type: 'string' },
      app: { type: 'string' },
      sql: { type: 'string' },
      'provision-delay': { type: 'string' },
      'deprovision-delay': { type: 'string' },
      'release-phase': { type: 'string' },
      'capture-delay': { type: 'string' },
      'restore-delay': { type: 'string' },
      'no-schedule': { type: 'boolean' },
      plan: { type: 'string' },
      team: { type: 'string' },
      'team-role': { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean' }
    },
    strict: true
  }).values
}

/** The options that need one another or a known value: the port, release phase and team role. */
function checkArgs(values: ReturnType<typeof readArgs>): {
  port: number
  releasePhase: number | undefined
  role: TeamRole
} {
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('--port must be 0..65535, e.g. --port 5050')
  if (values.sql && !values.app)
    throw new Error('--sql needs --app NAME, e.g. --app shop --sql chinook.sql')
  const releasePhase = seconds('release-phase', values['release-phase'])
  if (releasePhase !== undefined && !values.app)
    throw new Error('--release-phase needs --app NAME, e.g. --app shop --release-phase 5')
  if (values.plan && !values.app)
    throw new Error('--plan needs --app NAME, e.g. --app shop --plan standard-0')
  if (values['team-role'] && !values.team)
    throw new Error('--team-role needs --team NAME, e.g. --team acme --team-role member')
  const role = values['team-role'] ?? 'admin'
  if (!(TEAM_ROLES as readonly string[]).includes(role))
    throw new Error(`--team-role must be one of ${TEAM_ROLES.join(', ')}`)
  if (values.plan && !findPlan(values.plan))
    throw new Error(
      `--plan: unknown heroku-postgresql plan ${values.plan}, e.g. --plan essential-0`
    )
  return { port, releasePhase, role: role as TeamRole }
}

async function main(): Promise<void> {
  const values = readArgs()
  if (values.help) {
    process.stderr.write(USAGE + '\n')
    return
  }
  const { port, releasePhase, role } = checkArgs(values)

  let server: PostgresServer | undefined
  let sim: Simulator | undefined
  let stopping: Promise<void> | undefined
  const stop = (code: number): Promise<void> => {
    stopping ??= (async () => {
      await sim
        ?.close()
        .catch((err: Error) => process.stderr.write(`heroku-sim: close: ${err.message}\n`))
      await server?.stop().catch(() => {})
      process.exit(code)
    })()
    return stopping
  }
  process.on('SIGTERM', () => void stop(0))
  process.on('SIGINT', () => void stop(0))
  watchLauncher(() => void stop(0))

  try {
    const adminUrl = values.pg ?? process.env.PG_TEST_URL
    let binDir = process.env.PG_BIN_DIR
    if (!adminUrl) {
      server = await startPostgres()
      binDir = server.binDir
    }
    sim = await startSimulator({
      adminUrl: adminUrl ?? server!.adminUrl,
      binDir,
      port,
      token: values.token ?? process.env.HEROKU_SIM_TOKEN,
      provisionDelaySeconds: seconds('provision-delay', values['provision-delay']),
      deprovisionDelaySeconds: seconds('deprovision-delay', values['deprovision-delay']),
      captureDelaySeconds: seconds('capture-delay', values['capture-delay']),
      restoreDelaySeconds: seconds('restore-delay', values['restore-delay']),
      runSchedules: true,
      teams: values.team ? { [values.team]: role } : undefined
    })
    let app: string | null = null
    let databaseUrl: string | null = null
    if (values.app) {
      const schedule = !values['no-schedule']
      const created = await sim.createApp(values.app, {
        sqlFile: values.sql ? resolve(values.sql) : undefined,
        schedule,
        initialBackup: schedule,
        plan: values.plan,
        team: values.team
      })
      app = created.name
      databaseUrl = created.databaseUrl
      if (releasePhase !== undefined) sim.setReleasePhase(app, releasePhase)
    }
    process.stdout.write(
      JSON.stringify({
        apiUrl: sim.apiUrl,
        dataApiUrl: sim.dataApiUrl,
        token: sim.token,
        app,
        databaseUrl
      }) + '\n'
    )
  } catch (err) {
    process.stderr.write(`heroku-sim: ${(err as Error).message}\n`)
    await stop(1)
  }
}

main().catch((err: Error) => {
  process.stderr.write(`heroku-sim: ${err.message}\n${USAGE}\n`)
  process.exit(2)
})
