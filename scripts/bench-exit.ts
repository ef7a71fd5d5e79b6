// `npm run bench`, part 5: "could we leave?" timed. The same source database drilled twice: on the
// Heroku path (a fresh add-on on the simulator's server, Heroku's restore) and as an exit drill
// (target-url: a second PostgreSQL server, the backup downloaded and restored there by pg_restore).
// Prints both drills' phases side by side and the exit drill's time as a ratio to the Heroku path's.
// On the simulator both servers share this machine's two cores, so the ratio says where the time
// goes, not what a real network adds (the download is a loopback here).
import type { DrillReport, Timings } from '../src/report/model.js'
import { startPostgres, type PostgresServer } from '../sim/pg-server.js'
import { startSimulator, type Simulator } from '../sim/server.js'
import { reportOf, runAction, type ActionRun } from './run-action.js'

const PHASES: (keyof Timings)[] = [
  'preflightSeconds',
  'snapshotSeconds',
  'captureSeconds',
  'provisionSeconds',
  'downloadSeconds',
  'restoreSeconds',
  'verifySeconds',
  'cleanupSeconds',
  'drillSeconds'
]

function passedReport(label: string, run: ActionRun): DrillReport {
  const report = reportOf(run)
  if (report.outcome !== 'passed') throw new Error(`${label}: ${report.verdict}`)
  return report
}

function cell(t: Timings, key: keyof Timings): string {
  const v = t[key]
  return (v === undefined ? '-' : v.toFixed(2)).padStart(9)
}

/**
 * Part 5: `sql` loaded once into an app of the simulator, then drilled on the Heroku path and as
 * an exit drill, alternately, `rounds` times each; the median drill of each is printed.
 */
export async function exitAtScale(
  server: PostgresServer,
  sims: Simulator[],
  say: (line: string) => void,
  opts: { sql: string; rows: number; rounds: number }
): Promise<void> {
  const sim = await startSimulator({ adminUrl: server.adminUrl, binDir: server.binDir })
  sims.push(sim)
  const target = await startPostgres()
  try {
    await sim.createApp('bench-exit', { sql: opts.sql })
    const env = { HEROKU_API_URL: sim.apiUrl, HEROKU_DATA_API_URL: sim.dataApiUrl }
    const base = { app: 'bench-exit', 'heroku-api-key': sim.token }
    const heroku: DrillReport[] = []
    const exit: DrillReport[] = []
    for (let i = 0; i < opts.rounds; i++) {
      heroku.push(
        passedReport('Heroku path', await runAction({ inputs: base, env, timeoutMs: 30 * 60_000 }))
      )
      const exitRun = await runAction({
        inputs: { ...base, 'target-url': target.adminUrl },
        env,
        timeoutMs: 30 * 60_000
      })
      exit.push(passedReport('exit drill', exitRun))
    }
    const median = (rs: DrillReport[]) =>
      [...rs].sort((a, b) => a.timings.drillSeconds - b.timings.drillSeconds)[
        Math.floor(rs.length / 2)
      ]
    sayExit(say, opts.rows, median(heroku), median(exit))
  } finally {
    await target.stop()
  }
}

function sayExit(
  say: (line: string) => void,
  rows: number,
  heroku: DrillReport,
  exit: DrillReport
): void {
  say(
    `\n5. exit drill (target-url, a second PostgreSQL server) against the Heroku path, same database of ${rows.toLocaleString('en-US')} rows`
  )
  say(`   ${'phase (s)'.padEnd(18)}${'Heroku'.padStart(9)}${'exit'.padStart(9)}`)
  for (const key of PHASES) {
    if (heroku.timings[key] === undefined && exit.timings[key] === undefined) continue
    say(
      `   ${key.replace('Seconds', '').padEnd(18)}${cell(heroku.timings, key)}${cell(exit.timings, key)}`
    )
  }
  const ratio = exit.timings.drillSeconds / heroku.timings.drillSeconds
  say(`   ratio, exit drill to Heroku path (whole drill): ${ratio.toFixed(2)}`)
  const facts = exit.exitTarget
  if (facts)
    say(
      `   target: PostgreSQL ${facts.serverVersion}, pg_restore ${facts.client ?? '?'}, ` +
        `download ${((facts.downloadBytes ?? 0) / 1024 / 1024).toFixed(1)} MiB`
    )
}
