// The self-test workflow's jobs, step by step in the workflow's order, on this machine: the same
// scripts start the simulator, the bundle runs as the runner runs it (main, then the post steps in
// reverse order), and the same script checks the outputs. The simulator uses the test PostgreSQL
// server (PG_TEST_URL) instead of starting its own.
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../../scripts/run-action.js'
import { requireDist } from './helpers.js'
import { evaluate, readJobs, runJob, type StepResult } from './workflow-runner.js'

const jobs = readJobs(join(REPO_ROOT, '.github', 'workflows', 'self-test.yml'))
let simulatorPidFile: string | undefined

/** Ends the simulator the start step left running (the runner does this at the end of a job). */
async function stopSimulator(): Promise<void> {
  if (!simulatorPidFile || !existsSync(simulatorPidFile)) return
  const pid = Number(readFileSync(simulatorPidFile, 'utf8'))
  simulatorPidFile = undefined
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return // already gone
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

afterEach(stopSimulator)

function transcript(steps: StepResult[]): string {
  return steps
    .map((s) => `--- ${s.phase} ${s.label} (exit ${s.exitCode})\n${s.stdout}${s.stderr}`)
    .join('\n')
}

async function runSelfTestJob(name: string, matrix?: Record<string, string>) {
  requireDist()
  const run = await runJob(jobs[name], { workspace: REPO_ROOT, matrix, timeoutMs: 4 * 60_000 })
  simulatorPidFile = join(run.temp, 'heroku-sim', 'pid')
  return run
}

/** check-outputs.mjs as the workflow runs it, with the given environment. */
function checkOutputs(env: Record<string, string>) {
  return spawnSync(process.execPath, ['.github/self-test/check-outputs.mjs'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8'
  })
}

function expectAllPassed(steps: StepResult[]): void {
  const failures = steps.filter((s) => s.exitCode !== 0)
  if (failures.length > 0) throw new Error(`steps failed:\n${transcript(steps)}`)
}

describe('the self-test workflow, run locally', () => {
  it('drill: starts the simulator, runs main and post, and its checks pass', async () => {
    const { steps, temp } = await runSelfTestJob('drill')
    expectAllPassed(steps)
    expect(steps.map((s) => `${s.phase}: ${s.label}`)).toEqual([
      'main: Start PostgreSQL and the simulated Heroku',
      'main: ./.github/self-test/after-post',
      'main: Restore drill',
      "main: Check the drill's outputs",
      'post: Restore drill',
      'post: ./.github/self-test/after-post'
    ])
    const drill = steps.find((s) => s.label === 'Restore drill' && s.phase === 'main')!
    expect(drill.outputs.outcome).toBe('passed')
    expect(steps.at(-1)!.stdout).toContain('nothing left behind after the post step')

    // The same check with one output changed fails, naming it.
    const o = drill.outputs
    const given = {
      RUNNER_TEMP: temp,
      APP: 'shop',
      OUTCOME: o.outcome,
      BACKUP_ID: o['backup-id'],
      TABLES_CHECKED: o['tables-checked'],
      ROWS_CHECKED: o['rows-checked'],
      MISMATCHES: o.mismatches,
      RESTORE_SECONDS: o['restore-seconds'],
      REPORT_PATH: o['report-path']
    }
    expect(checkOutputs(given).status).toBe(0)
    const wrong = checkOutputs({ ...given, ROWS_CHECKED: '15606', EXPECT_ROWS: '15607' })
    expect(wrong.status).toBe(1)
    expect(wrong.stdout).toContain('::error::rows-checked 15606, expected 15607')
  }, 300_000)

  const include = jobs.apps.strategy?.matrix?.include ?? []
  it.each(include)(
    'apps ($app): the matrix entry passes its checks',
    async (entry) => {
      const { steps } = await runSelfTestJob('apps', entry)
      expectAllPassed(steps)
      const drill = steps.find((s) => s.label === 'Restore drill' && s.phase === 'main')!
      expect(drill.outputs.outcome).toBe('passed')
      expect(drill.outputs['backup-id']).toMatch(entry.backup === 'latest' ? /^a\d+$/ : /^b\d+$/)
    },
    300_000
  )
})

describe('the local runner', () => {
  it('evaluates step outputs and matrix values, and refuses other expressions', () => {
    const outputs = { sim: { 'api-url': 'http://127.0.0.1:5' } }
    expect(evaluate('${{ steps.sim.outputs.api-url }}/x', outputs, {})).toBe('http://127.0.0.1:5/x')
    expect(evaluate('${{ matrix.app }}', outputs, { app: 'shop' })).toBe('shop')
    expect(() => evaluate('${{ secrets.TOKEN }}', outputs, {})).toThrow(/cannot evaluate/)
  })
})
