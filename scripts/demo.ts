// `npm run demo`: a full drill of the bundled action (dist/) against the simulated Heroku, with
// Chinook as the "production" database of app demo-shop (a daily schedule and one scheduled backup,
// a001). Prints the summary and where the report was written; exits non-zero unless the drill passed.
//
// `npm run demo -- --fault restore-delete-rows [--target public.track] [--count 10]` arms one of the
// simulator's faults first, to see what a failing drill looks like; `--help` lists the kinds.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pgModule from 'pg'
import { DEMO_FAULTS, demoFault, faultHelp } from './demo-faults.js'
import type { Fault } from '../sim/sim-faults.js'
import type { DrillReport } from '../src/report/model.js'
import { renderTerminal } from '../src/report/summary.js'
import { postgresForTests } from '../sim/pg-server.js'
import { assertNoLeaks, REPO_ROOT, runAction, secretsOf, type ActionRun } from './run-action.js'
import { startSimulator, type Simulator } from '../sim/server.js'

const APP = 'demo-shop'

/** The sample production database (DEMO_SQL overrides it). */
export function chinookSqlPath(): string {
  const candidates = [
    process.env.DEMO_SQL,
    join(REPO_ROOT, '__tests__', 'fixtures', 'chinook', 'chinook.sql')
  ].filter((p): p is string => Boolean(p))
  const found = candidates.find((p) => existsSync(p))
  if (!found)
    throw new Error(`Chinook SQL not found (looked in: ${candidates.join(', ')}); set DEMO_SQL`)
  return found
}

function step(line: string): void {
  process.stdout.write(`» ${line}\n`)
}

const USAGE = `usage: npm run demo -- [--method fork|rollback] [--fault KIND [--target schema.name] [--count N] [--seconds S]]

--method fork: the app's database is on standard-0 (Continuous Protection) and the drill forks it.
--method rollback: a fork drill first (its report, kept in a history file, reads the source), a row
  written, then a rollback drill to a time between the two, whose counts that earlier read bounds.

fault kinds (the default target is in the Chinook demo database):
${faultHelp()}`

type DemoMethod = 'backup' | 'fork' | 'rollback'

/** The method and the fault asked for on the command line; throws with the usage on a bad argument. */
function demoArgs(argv: string[]): { method: DemoMethod; fault: Fault | undefined } {
  const { values } = parseArgs({
    args: argv,
    options: {
      method: { type: 'string', default: 'backup' },
      fault: { type: 'string' },
      target: { type: 'string' },
      count: { type: 'string' },
      seconds: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    process.stdout.write(USAGE + '\n')
    process.exit(0)
  }
  const method = values.method as DemoMethod
  if (!['backup', 'fork', 'rollback'].includes(method))
    throw new Error(`--method must be backup, fork or rollback (got ${method})\n${USAGE}`)
  if (!values.fault) return { method, fault: undefined }
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v))
  const fault = demoFault(values.fault, {
    target: values.target,
    count: number(values.count),
    seconds: number(values.seconds)
  })
  return { method, fault }
}

/**
 * --method rollback: a fork drill first (its history line holds a read of the source), one row
 * written after a target time the rollback window reaches, and that target as rollback-to.
 */
async function rollbackInputs(
  sim: Awaited<ReturnType<typeof startSimulator>>,
  app: { databaseUrl: string },
  historyFile: string
): Promise<Record<string, string>> {
  step('a fork drill first: its report, kept in a history file, holds a read of the source')
  const fork = await runAction({
    inputs: { app: APP, 'heroku-api-key': sim.token, method: 'fork', history: historyFile },
    env: { HEROKU_API_URL: sim.apiUrl, HEROKU_DATA_API_URL: sim.dataApiUrl }
  })
  step(
    `fork drill: ${fork.outputs.outcome}, the fork was ready after ${fork.outputs['restore-seconds']} s`
  )
  // Heroku shows the earliest recoverable time to the minute; the drill wants a target after it.
  const wait = 61_000 - (Date.now() % 60_000)
  step(
    `waiting ${Math.round(wait / 1000)} s, until the rollback window reaches back past the fork drill`
  )
  await new Promise((resolve) => setTimeout(resolve, wait))
  const target = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000)
    .toISOString()
    .replace('.000Z', 'Z')
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const client = new pgModule.Client({ connectionString: app.databaseUrl })
  await client.connect()
  await client.query(
    `insert into public.genre (genre_id, name) values (9001, 'written after the target')`
  )
  await client.end()
  step(`a genre row written after ${target}; rolling back to ${target}`)
  return {
    method: 'rollback',
    'rollback-to': target,
    history: historyFile,
    checks: 'no row after the target: select count(*) = 0 from public.genre where genre_id = 9001'
  }
}

/** What the run showed: the terminal summary, outputs, files, the API requests and what is left. */
async function showRun(sim: Simulator, run: ActionRun, report: DrillReport): Promise<void> {
  process.stdout.write(
    '\n' + renderTerminal(report, { reportPath: run.outputs['report-path'] }) + '\n\n'
  )
  step(
    `outputs: ${Object.entries(run.outputs)
      .filter(([k]) => k !== 'report-path')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`
  )
  step(`report: ${run.outputs['report-path']}`)
  step(`job summary (Markdown): ${join(run.dir, 'step_summary.md')}`)
  step(`post step: exit ${run.postExitCode}; no secret found in any output`)
  const requests = sim.audit().filter((e) => !e.path.startsWith('/__sim'))
  const writes = requests.filter((e) => e.method !== 'GET')
  step(
    `Heroku API: ${requests.length} requests, ${writes.length} writes: ` +
      writes
        .map((w) => `${w.method} ${w.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}`)
        .join(', ')
  )
  const left = (await fetch(`${sim.apiUrl}/apps/${APP}/addons`, {
    headers: {
      Authorization: `Bearer ${sim.token}`,
      Accept: 'application/vnd.heroku+json; version=3'
    }
  }).then((r) => r.json())) as { name: string }[]
  step(`add-ons left on ${APP}: ${left.map((a) => a.name).join(', ')}`)
  const progress = run.stdout.split('\n').filter((line) => line.startsWith('waiting for '))
  if (progress.length) step(`progress lines logged while waiting:\n  ${progress.join('\n  ')}`)
}

async function main(): Promise<number> {
  const { method, fault } = demoArgs(process.argv.slice(2))
  const t0 = Date.now()
  step('starting a throwaway PostgreSQL server')
  const pg = await postgresForTests()
  let sim: Awaited<ReturnType<typeof startSimulator>> | undefined
  try {
    sim = await startSimulator({
      adminUrl: pg.adminUrl,
      binDir: pg.binDir,
      provisionDelaySeconds: 2,
      captureDelaySeconds: 1,
      restoreDelaySeconds: 1
    })
    step(`simulated Heroku at ${sim.apiUrl}`)
    const app = await sim.createApp(APP, {
      sqlFile: chinookSqlPath(),
      schedule: true,
      initialBackup: true,
      ...(method === 'backup' ? {} : { plan: 'standard-0' })
    })
    step(
      `app ${APP}: DATABASE add-on ${app.addonName} loaded with Chinook, daily backup schedule, backup a001` +
        (method === 'backup'
          ? ''
          : ', on standard-0 (Continuous Protection: WAL archived, a base backup)')
    )
    const methodInputs =
      method === 'rollback'
        ? await rollbackInputs(
            sim,
            app,
            join(mkdtempSync(join(tmpdir(), 'demo-history-')), 'history.jsonl')
          )
        : method === 'fork'
          ? { method }
          : {}
    const faultInputs = DEMO_FAULTS.find((f) => f.kind === fault?.kind)?.inputs ?? {}
    if (fault) {
      sim.armFaults(fault)
      const expected = DEMO_FAULTS.find((f) => f.kind === fault.kind)?.expect
      step(`fault armed: ${JSON.stringify(fault)} (the drill should end ${expected})`)
      for (const [name, value] of Object.entries(faultInputs)) step(`input ${name}: ${value}`)
    }
    step('running the action (node dist/index.js, then the post step) as the runner would')
    const run = await runAction({
      inputs: { app: APP, 'heroku-api-key': sim.token, ...methodInputs, ...faultInputs },
      env: { HEROKU_API_URL: sim.apiUrl, HEROKU_DATA_API_URL: sim.dataApiUrl },
      echo: process.env.DEMO_VERBOSE === '1'
    })
    assertNoLeaks(run, secretsOf(sim.token, [app.databaseUrl]))
    if (!run.reportJson) {
      process.stdout.write(run.stdout + '\n' + run.stderr + '\n')
      throw new Error(`the action wrote no report (exit ${run.exitCode})`)
    }
    const report = JSON.parse(run.reportJson) as DrillReport
    await showRun(sim, run, report)
    step(`demo took ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    if (fault && report.outcome !== 'passed') {
      // The fault did what it was armed for: the summary above is the point of the demo.
      process.stdout.write(
        `\nthe drill ended ${report.outcome} (exit ${run.exitCode}): ${report.verdict}\n`
      )
      return 1
    }
    if (report.outcome !== 'passed' || run.exitCode !== 0) {
      process.stdout.write(
        `\nthe drill did not pass (outcome ${report.outcome}, exit ${run.exitCode})\n`
      )
      if (process.env.DEMO_VERBOSE !== '1')
        process.stdout.write(run.stdout + '\n' + run.stderr + '\n')
      return 1
    }
    return 0
  } finally {
    await sim?.close()
    await pg.stop()
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`)
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
      process.stderr.write(USAGE + '\n')
    process.exit(1)
  }
)
