// Runs one job of a workflow file on this machine the way GitHub's runner does, for the subset of
// the syntax the self-test workflow uses: `run:` steps in bash with their `env:`, local JavaScript
// actions (`uses: ./...`) with INPUT_* (action.yml defaults for missing inputs), GITHUB_OUTPUT,
// GITHUB_STATE and GITHUB_STEP_SUMMARY, their post steps at the end of the job in reverse order with
// STATE_* from what main saved; `if: failure()` / `always()`. `actions/*` steps (checkout,
// setup-node) and `npm ci` are skipped: the repository, Node and its packages are already here. `${{ steps.ID.outputs.NAME }}`
// and `${{ matrix.KEY }}` are evaluated; any other expression throws, so the workflow cannot use
// more than this runner checks.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { parseCommandFile } from '../../scripts/run-action.js'

export interface WorkflowStep {
  id?: string
  name?: string
  uses?: string
  run?: string
  if?: string
  env?: Record<string, string>
  with?: Record<string, string>
}

export interface WorkflowJob {
  steps: WorkflowStep[]
  strategy?: { matrix?: { include?: Record<string, string>[] } }
}

export interface StepResult {
  /** The step's name, its `uses`, or its first line of `run`. */
  label: string
  phase: 'main' | 'post'
  exitCode: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
}

interface LocalAction {
  inputs: Record<string, { default?: string }>
  runs: { using: string; main: string; post?: string }
}

interface PendingPost {
  label: string
  script: string
  env: Record<string, string>
}

export function readJobs(workflowFile: string): Record<string, WorkflowJob> {
  return (parseYaml(readFileSync(workflowFile, 'utf8')) as { jobs: Record<string, WorkflowJob> })
    .jobs
}

/** `${{ steps.ID.outputs.NAME }}` and `${{ matrix.KEY }}` replaced; anything else throws. */
export function evaluate(
  text: string,
  outputs: Record<string, Record<string, string>>,
  matrix: Record<string, string>
): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_all, expression: string) => {
    const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression)
    if (step) return outputs[step[1]]?.[step[2]] ?? ''
    const key = /^matrix\.([\w-]+)$/.exec(expression)
    if (key && key[1] in matrix) return matrix[key[1]]
    throw new Error(`the local runner cannot evaluate \${{ ${expression} }}`)
  })
}

function evaluateAll(
  values: Record<string, string> | undefined,
  outputs: Record<string, Record<string, string>>,
  matrix: Record<string, string>
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(values ?? {})) out[k] = evaluate(String(v), outputs, matrix)
  return out
}

function spawnStep(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (exitCode) => {
      clearTimeout(killer)
      resolve({ exitCode, stdout, stderr })
    })
  })
}

/** The environment a step starts from: this machine's, without this process's runner variables. */
function runnerEnv(temp: string, workspace: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)) continue
    if (k === 'NODE_OPTIONS' || k.startsWith('JEST')) continue
    env[k] = v
  }
  return {
    ...env,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'example/restore-drill-self-test',
    GITHUB_RUN_ID: String(1000 + Math.floor(Math.random() * 9000)),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux'
  }
}

function stepLabel(step: WorkflowStep): string {
  return step.name ?? step.uses ?? (step.run ?? '').split('\n')[0]
}

function shouldRun(step: WorkflowStep, failed: boolean): boolean {
  if (step.if === undefined) return !failed
  if (step.if === 'failure()') return failed
  if (step.if === 'always()') return true
  throw new Error(`the local runner cannot evaluate if: ${step.if}`)
}

/**
 * Runs `job` with `matrix` in `workspace` (the repository root, where actions/checkout would have
 * put it). Returns every step's result, posts last; `temp` is the job's RUNNER_TEMP.
 */
export async function runJob(
  job: WorkflowJob,
  options: { workspace: string; matrix?: Record<string, string>; timeoutMs?: number }
): Promise<{ steps: StepResult[]; temp: string }> {
  const matrix = options.matrix ?? {}
  const timeoutMs = options.timeoutMs ?? 5 * 60_000
  const temp = mkdtempSync(join(tmpdir(), 'self-test-job-'))
  const base = runnerEnv(temp, options.workspace)
  const outputs: Record<string, Record<string, string>> = {}
  const results: StepResult[] = []
  const posts: PendingPost[] = []
  let failed = false

  for (const [index, step] of job.steps.entries()) {
    if (step.uses?.startsWith('actions/') || step.run?.trim() === 'npm ci') continue
    if (!shouldRun(step, failed)) continue
    const files = commandFiles(temp, `step${index}`)
    const env = { ...base, ...files, ...evaluateAll(step.env, outputs, matrix) }
    let run: { exitCode: number | null; stdout: string; stderr: string }
    if (step.run !== undefined) {
      const script = evaluate(step.run, outputs, matrix)
      run = await spawnStep('bash', ['-e', '-c', script], env, options.workspace, timeoutMs)
    } else if (step.uses?.startsWith('./')) {
      const dir = join(options.workspace, step.uses)
      const action = parseYaml(readFileSync(join(dir, 'action.yml'), 'utf8')) as LocalAction
      const inputs = inputEnv(action, evaluateAll(step.with, outputs, matrix))
      run = await spawnStep(
        process.execPath,
        [join(dir, action.runs.main)],
        { ...env, ...inputs },
        options.workspace,
        timeoutMs
      )
      if (action.runs.post) {
        const state = parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8'))
        const stateEnv: Record<string, string> = {}
        for (const [k, v] of Object.entries(state)) stateEnv[`STATE_${k}`] = v
        posts.push({
          label: stepLabel(step),
          script: join(dir, action.runs.post),
          env: { ...base, ...evaluateAll(step.env, outputs, matrix), ...inputs, ...stateEnv }
        })
      }
    } else {
      throw new Error(`the local runner cannot run step ${stepLabel(step)}`)
    }
    const stepOutputs = parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'))
    if (step.id) outputs[step.id] = stepOutputs
    results.push({ label: stepLabel(step), phase: 'main', ...run, outputs: stepOutputs })
    if (run.exitCode !== 0) failed = true
  }

  for (const [index, post] of posts.reverse().entries()) {
    const files = commandFiles(temp, `post${index}`)
    const run = await spawnStep(
      process.execPath,
      [post.script],
      { ...post.env, ...files },
      options.workspace,
      timeoutMs
    )
    results.push({ label: post.label, phase: 'post', ...run, outputs: {} })
  }
  return { steps: results, temp }
}

function commandFiles(temp: string, name: string): Record<string, string> {
  const dir = join(temp, '_runner_file_commands', name)
  mkdirSync(dir, { recursive: true })
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path')
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  return files
}

/** INPUT_<NAME> for every input action.yml declares: the step's value, else the default. */
function inputEnv(action: LocalAction, given: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = given[name] ?? spec.default ?? ''
  }
  for (const name of Object.keys(given)) {
    if (!(name in (action.inputs ?? {}))) throw new Error(`input ${name} is not declared`)
  }
  return env
}
