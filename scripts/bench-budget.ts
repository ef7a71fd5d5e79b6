// `npm run bench`, part 4: verify-budget on a database of 2,000 tables of mixed sizes. One drill
// without a budget (every table hashed), then budgeted drills with a history file: the verify
// phase against the budget, the rows per second hashed on the source, the coverage line, and the
// sizes of the job summary (GitHub's limit: 1 MiB) and of the report.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DrillReport } from '../src/report/model.js'
import { coverageLine } from '../src/verify/coverage.js'
import type { PostgresServer } from '../sim/pg-server.js'
import { startSimulator, type Simulator } from '../sim/server.js'
import { reportOf, runAction, type ActionRun } from './run-action.js'

const TABLES = Number(process.env.BENCH_TABLES ?? 2000)
const SUMMARY_LIMIT = 1024 * 1024

/** TABLES tables, sizes from 10 to about 10,000 rows, scattered (not sorted by name). */
function manyTablesSql(): string {
  const statements: string[] = []
  for (let i = 0; i < TABLES; i++) {
    const rows = 10 + ((i * 7919) % 10_000)
    const name = `t${String(i).padStart(4, '0')}`
    statements.push(
      `create table ${name} (id serial primary key, label text not null, amount numeric(12,2));`,
      `insert into ${name} (label, amount) select 'row ' || g, g / 100.0 from generate_series(1, ${rows}) g;`
    )
  }
  return statements.join('\n') + '\nanalyze;\n'
}

function figures(label: string, run: ActionRun, say: (line: string) => void): DrillReport {
  const report = reportOf(run)
  const v = report.verification
  const contents = v?.contents
  const rate =
    contents && contents.sourceSeconds > 0 ? contents.sourceRows / contents.sourceSeconds : NaN
  const summaryBytes = Buffer.byteLength(run.summary ?? '', 'utf8')
  const reportBytes = Buffer.byteLength(run.reportJson ?? '', 'utf8')
  say(
    `   ${label}: outcome ${report.outcome}, verify phase ${(report.timings.verifySeconds ?? NaN).toFixed(1)} s`
  )
  if (contents)
    say(
      `     hashed ${contents.verified.length} tables, ${contents.sourceRows.toLocaleString('en-US')} rows on the source in ${contents.sourceSeconds.toFixed(1)} s ` +
        `(${Math.round(rate).toLocaleString('en-US')} rows/s with all connections; ${contents.rowsPerSecond?.toLocaleString('en-US') ?? '?'} rows/s on one), restored side ${contents.restoredSeconds.toFixed(1)} s`
    )
  if (report.contentCoverage && v)
    say(
      `     ${coverageLine(
        report.contentCoverage,
        v.tables.map((t) => t.table)
      )}`
    )
  const selfTest = v?.checks.find((c) => c.id === 'self-test')
  if (selfTest) say(`     ${selfTest.detail} (${selfTest.seconds?.toFixed(1)} s)`)
  say(
    `     summary ${(summaryBytes / 1024).toFixed(0)} KiB (${summaryBytes < SUMMARY_LIMIT ? 'under' : 'OVER'} GitHub's 1 MiB), report ${(reportBytes / 1024).toFixed(0)} KiB`
  )
  return report
}

/** Part 4: a drill without a budget, then budgeted drills of a quarter of its hashing. */
export async function budgetAtScale(
  server: PostgresServer,
  sims: Simulator[],
  say: (line: string) => void
): Promise<void> {
  const sim = await startSimulator({ adminUrl: server.adminUrl, binDir: server.binDir })
  sims.push(sim)
  const loadStart = performance.now()
  await sim.createApp('bench-tables', { sql: manyTablesSql() })
  say(
    `\n4. verify-budget on ${TABLES.toLocaleString('en-US')} tables (loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s)`
  )
  const history = join(mkdtempSync(join(tmpdir(), 'restore-drill-bench-budget-')), 'history.jsonl')
  const run = (inputs: Record<string, string>) =>
    runAction({
      inputs: { app: 'bench-tables', 'heroku-api-key': sim.token, history, ...inputs },
      env: { HEROKU_API_URL: sim.apiUrl, HEROKU_DATA_API_URL: sim.dataApiUrl },
      timeoutMs: 60 * 60_000
    })
  const full = figures('no budget (every table hashed)', await run({}), say)
  const hashing = full.verification?.contents?.sourceSeconds ?? 4
  const budget = Math.max(1, Math.round(hashing / 4))
  for (let n = 1; n <= 3; n++) {
    const budgeted = figures(
      `verify-budget ${budget}s, drill ${n}`,
      await run({ 'verify-budget': `${budget}s` }),
      say
    )
    const contents = budgeted.verification?.contents
    if (contents)
      say(
        `     within the budget: source ${contents.sourceSeconds.toFixed(1)} s, restored ${contents.restoredSeconds.toFixed(1)} s of ${budget} s`
      )
  }
}
