// The fleet end to end, as a workflow runs it: discover (dist/discover) over five apps and a drill
// app of an earlier run lists exactly the four databases and writes nothing; the four drills run
// side by side from that matrix (dist/index.js), one with a damaged restore; fleet-report
// (dist/fleet-report) over their reports names the failed one, shows the three passes with their
// backup ages and restore times and fails; with one report gone it names that database.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { MatrixEntry } from '../../src/fleet/matrix.js'
import { actionDefaults, parseCommandFile, REPO_ROOT, secretsOf } from '../../scripts/run-action.js'
import type { SimApp } from '../../sim/server.js'
import {
  api,
  armFault,
  CHINOOK_SQL,
  drill,
  startE2E,
  writesOf,
  type DrillRun,
  type E2E
} from './helpers.js'

interface StepRun {
  exitCode: number | null
  /** Without the ::add-mask:: commands, which the runner consumes. */
  stdout: string
  /** What the step masked itself: searched for in every text as well. */
  masked: string[]
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/** Runs dist/<action>/index.js as the runner runs a step of `<action>/action.yml`. */
function runStep(
  action: 'discover' | 'fleet-report',
  inputs: Record<string, string>,
  env: Record<string, string>
): Promise<StepRun> {
  const dir = mkdtempSync(join(tmpdir(), `fleet-${action}-`))
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md') }
  for (const f of Object.values(files)) writeFileSync(f, '')
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (
      v !== undefined &&
      !/^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_|JEST|NODE_OPTIONS|PG_TEST_URL)/.test(k)
    )
      base[k] = v
  const all = { ...actionDefaults(join(REPO_ROOT, action)), ...inputs }
  for (const [name, value] of Object.entries(all)) base[`INPUT_${name.toUpperCase()}`] = value
  const childEnv = {
    ...base,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'example/fleet',
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: dir,
    ...env
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', action, 'index.js')], {
      env: childEnv
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({
        exitCode: code,
        stdout: stdout
          .split('\n')
          .filter((line) => !line.startsWith('::add-mask::'))
          .join('\n'),
        masked: [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1]),
        stderr,
        outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
        summary: readFileSync(files.summary, 'utf8')
      })
    )
  })
}

function assertNoSecrets(run: StepRun, secrets: string[]): void {
  const texts = {
    stdout: run.stdout,
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs)
  }
  for (const [where, text] of Object.entries(texts))
    for (const secret of [...secrets, ...run.masked])
      if (secret.length >= 4) expect(`${where}: ${text.includes(secret)}`).toBe(`${where}: false`)
}

/** The drill's report in a subfolder named as its artifact, as actions/download-artifact writes them. */
function collect(runs: DrillRun[], folder: string): void {
  for (const run of runs) {
    const reportPath = run.outputs['report-path']
    expect(reportPath && existsSync(reportPath)).toBeTruthy()
    const artifact = join(folder, `restore-drill-${JSON.parse(run.reportJson!).app}`)
    mkdirSync(artifact, { recursive: true })
    copyFileSync(reportPath, join(artifact, 'restore-drill-report.json'))
    copyFileSync(
      join(dirname(reportPath), 'restore-drill-summary.md'),
      join(artifact, 'restore-drill-summary.md')
    )
  }
}

describe('a fleet: discover, four drills side by side, one fleet report', () => {
  let e2e: E2E
  const tag = String(process.pid % 1000).padStart(3, '0')
  const apps: Record<string, SimApp> = {}
  const names = {
    shop: `shop-${tag}`,
    bill: `bill-${tag}`,
    rprt: `rprt-${tag}`,
    ldgr: `ldgr-${tag}`
  }
  const damaged = names.rprt
  let env: Record<string, string>

  beforeAll(async () => {
    e2e = await startE2E({ teams: { acme: 'admin' } })
    env = { HEROKU_API_URL: e2e.sim.apiUrl, HEROKU_DATA_API_URL: e2e.sim.dataApiUrl }
    for (const [key, name] of Object.entries(names))
      apps[name] = await e2e.sim.createApp(name, {
        sqlFile: CHINOOK_SQL,
        ...(key === 'bill' ? { team: 'acme' } : {})
      })
    // An app without a database, and the drill app an earlier run left behind.
    await api(e2e, '/apps', { method: 'POST', body: { name: `empty-${tag}` } })
    await api(e2e, '/apps', { method: 'POST', body: { name: `restore-drill-shop-${tag}-0a1b2c` } })
  })
  afterAll(async () => {
    await e2e?.close()
  })

  it('discovers the four, drills them at once, and the fleet report names the damaged one', async () => {
    // discover: exactly the four databases, nothing but GETs.
    const before = e2e.sim.audit().length
    const discovered = await runStep('discover', { 'heroku-api-key': e2e.sim.token }, env)
    expect(discovered.stderr).toBe('')
    expect(discovered.exitCode).toBe(0)
    const requests = e2e.sim
      .audit()
      .slice(before)
      .filter((r) => !r.path.startsWith('/__sim'))
    expect(requests.length).toBeGreaterThan(0)
    expect(writesOf(requests)).toEqual([])
    expect(requests.every((r) => r.method === 'GET')).toBe(true)
    const matrix = JSON.parse(discovered.outputs.matrix) as MatrixEntry[]
    expect(matrix.map((m) => m.app).sort()).toEqual(Object.values(names).sort())
    expect(matrix.every((m) => m.database === 'DATABASE_URL' && m.method === 'backup')).toBe(true)
    expect(discovered.outputs.count).toBe('4')
    expect(discovered.summary).toMatch(
      new RegExp(
        `\\| ${names.bill} \\| \`DATABASE_URL\` \\| essential-0 \\| acme \\| \`backup\` \\| \`a001\` \\|`
      )
    )
    expect(discovered.summary).toContain(
      `restore-drill-shop-${tag}-0a1b2c: a drill app of this action`
    )
    const dbUrls = Object.values(apps).map((a) => a.databaseUrl)
    assertNoSecrets(discovered, secretsOf(e2e.sim.token, dbUrls))

    // The four drills from that matrix, side by side; one restore loses rows of one table.
    await armFault(e2e, {
      kind: 'restore-delete-rows',
      table: 'public.track',
      count: 3,
      app: `^restore-drill-${damaged}-`
    })
    const runs = await Promise.all(
      matrix.map((m) =>
        drill(
          e2e,
          apps[m.app],
          {
            database: m.database,
            method: m.method,
            history: 'none',
            'report-name': `restore-drill-${m.app}`
          },
          { timeoutMs: 400_000 }
        )
      )
    )
    const outcome = Object.fromEntries(
      runs.map((r) => [JSON.parse(r.reportJson!).app, r.outputs.outcome])
    )
    expect(outcome).toEqual({
      [names.shop]: 'passed',
      [names.bill]: 'passed',
      [names.ldgr]: 'passed',
      [damaged]: 'failed'
    })
    const faults = await api<{ armed: unknown[]; events: { detail: string; error?: boolean }[] }>(
      e2e,
      '/__sim/faults'
    )
    expect(faults.armed).toEqual([])
    expect(faults.events.filter((f) => /deleted 3 rows/.test(f.detail) && !f.error)).toHaveLength(1)

    // The fleet report over the four reports.
    const folder = mkdtempSync(join(tmpdir(), 'fleet-reports-'))
    collect(runs, folder)
    const report = await runStep(
      'fleet-report',
      { reports: folder, matrix: discovered.outputs.matrix, 'github-token': '' },
      env
    )
    expect(report.exitCode).not.toBe(0)
    expect(report.outputs).toEqual({ passed: '3', failed: '1', missing: '0' })
    expect(report.summary).toMatch(/^## ❌ Fleet drill: 1 failed of 4 databases \(3 passed\)/)
    expect(report.summary).toMatch(
      new RegExp(`### Failed\\n\\n- \\*\\*${damaged} DATABASE\\\\?_URL\\*\\*: `)
    )
    for (const name of [names.shop, names.bill, names.ldgr]) {
      // outcome, the newest backup with its age, a restore time, no mismatch, a link to the run
      expect(report.summary).toMatch(
        new RegExp(
          `\\| ${name} \\| \`DATABASE_URL\` \\| ✅ passed \\| \`a001\` \\d+(\\.\\d)?s \\| \\d+(\\.\\d)?s \\| .* \\| 0 \\| \\[run\\]\\(https://github.com/example/fleet/actions/runs/4242\\) \\|`
        )
      )
    }
    expect(report.summary).toMatch(
      new RegExp(
        `\\| ${damaged} \\| \`DATABASE_URL\` \\| ❌ failed \\| .* \\| [1-9]\\d* \\| \\[run\\]`
      )
    )
    assertNoSecrets(report, secretsOf(e2e.sim.token, dbUrls))

    // One report gone: that database is named as missing.
    rmSync(join(folder, `restore-drill-${names.ldgr}`), { recursive: true })
    const missing = await runStep(
      'fleet-report',
      { reports: folder, matrix: discovered.outputs.matrix, 'github-token': '' },
      env
    )
    expect(missing.exitCode).not.toBe(0)
    expect(missing.outputs).toEqual({ passed: '2', failed: '1', missing: '1' })
    expect(missing.summary).toMatch(
      new RegExp(`### Missing\\n\\n- \\*\\*${names.ldgr} DATABASE\\\\?_URL\\*\\*: no report`)
    )
    expect(missing.stdout).toContain(
      `::error::Fleet drill: 1 failed, 1 missing of 4 databases (2 passed)`
    )
  }, 900_000)
})
