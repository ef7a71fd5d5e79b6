// Runs the bundled action exactly as the GitHub runner does: `node dist/index.js` with INPUT_<NAME>
// variables (action.yml defaults for missing inputs), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY /
// GITHUB_STATE files and RUNNER_TEMP; then `node dist/post/index.js` with STATE_<name> from the saved
// state, as `post-if: always()` does. Optionally sends signals to main (after a delay, or when its
// stdout matches a pattern). assertNoLeaks checks every text of a run for secrets.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import type { DrillReport } from '../src/report/model.js'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface SignalPlan {
  signal: NodeJS.Signals
  /** Send this long after main started (or after the previous signal of the plan). */
  afterMs?: number
  /** Send when main's stdout matches (checked as output arrives). */
  whenStdout?: RegExp
}

export interface RunActionOptions {
  inputs: Record<string, string>
  /** Extra environment (HEROKU_API_URL, HEROKU_DATA_API_URL, ...). */
  env?: Record<string, string>
  /** The action's root (holding action.yml and dist/). Default: this repository. */
  cwd?: string
  /** Signals sent to main, in order. */
  signals?: SignalPlan[]
  /** Run the post step (default true). */
  runPost?: boolean
  /** Kill main after this long (default 10 min). */
  timeoutMs?: number
  /** Echo main's output to this process's stderr while it runs (debugging). */
  echo?: boolean
  /** The node binary (default: RUN_ACTION_NODE, else this process's), e.g. a Node 24 like the runner's. */
  node?: string
}

export interface ActionRun {
  exitCode: number | null
  /** The signal that ended main, if any. */
  exitSignal: NodeJS.Signals | null
  /** stdout without the runner's `::add-mask::` commands (which the runner consumes). */
  stdout: string
  stderr: string
  /** Raw stdout, `::add-mask::` lines included. */
  rawStdout: string
  outputs: Record<string, string>
  summary: string
  /** The saved state (name → value) and the state file's text. */
  state: Record<string, string>
  stateFile: string
  postExitCode: number | null
  postStdout: string
  postStderr: string
  /** The post step's job summary (written when main ended without a report). */
  postSummary: string
  /** restore-drill-report.json, when main wrote one (outputs['report-path']). */
  reportJson: string | null
  /** The run's temp directory (RUNNER_TEMP and the command files). */
  dir: string
  /** Values main registered with ::add-mask:: (what the runner would mask). */
  masked: string[]
}

/** action.yml inputs and their defaults. */
export function actionDefaults(root = REPO_ROOT): Record<string, string> {
  const doc = parseYaml(readFileSync(join(root, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }
  const out: Record<string, string> = {}
  for (const [name, spec] of Object.entries(doc.inputs)) out[name] = spec.default ?? ''
  return out
}

/** name=value and name<<DELIM ... DELIM, the file-command formats of GITHUB_OUTPUT / GITHUB_STATE (last wins). */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delim] = heredoc
      const value: string[] = []
      i++
      while (i < lines.length && lines[i] !== delim) value.push(lines[i++])
      out[name] = value.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

function inputEnv(inputs: Record<string, string>, root: string): Record<string, string> {
  const all = { ...actionDefaults(root), ...inputs }
  const env: Record<string, string> = {}
  // The runner: INPUT_ + name with spaces as underscores, upper-cased; hyphens kept.
  for (const [name, value] of Object.entries(all))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  return env
}

/** Environment a bare runner step sees (no inherited INPUT_/STATE_/GITHUB_ variables from this process). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue
    if (/^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)) continue
    if (k === 'NODE_OPTIONS' || k.startsWith('JEST') || k === 'PG_TEST_URL') continue
    env[k] = v
  }
  return env
}

interface Spawned {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function runNode(
  script: string,
  env: Record<string, string>,
  cwd: string,
  opts: { signals?: SignalPlan[]; timeoutMs: number; echo?: boolean; node: string }
): Promise<Spawned> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(opts.node, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const plan = [...(opts.signals ?? [])]
    const timers: NodeJS.Timeout[] = []
    let waiting: SignalPlan | undefined
    const nextSignal = (): void => {
      waiting = plan.shift()
      if (!waiting) return
      const current = waiting
      if (current.whenStdout) {
        if (current.whenStdout.test(stdout)) send(current)
        return
      }
      timers.push(setTimeout(() => send(current), current.afterMs ?? 0))
    }
    const send = (p: SignalPlan): void => {
      if (waiting !== p) return
      waiting = undefined
      const delay = p.whenStdout && p.afterMs ? p.afterMs : 0
      timers.push(
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill(p.signal)
          nextSignal()
        }, delay)
      )
    }
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      if (opts.echo) process.stderr.write(chunk)
      if (waiting?.whenStdout && waiting.whenStdout.test(stdout)) send(waiting)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
      if (opts.echo) process.stderr.write(chunk)
    })
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      for (const t of timers) clearTimeout(t)
      resolvePromise({ code, signal, stdout, stderr })
    })
    nextSignal()
  })
}

function stripMasks(stdout: string): { text: string; masked: string[] } {
  const masked: string[] = []
  const kept = stdout.split('\n').filter((line) => {
    const m = /^::add-mask::(.*)$/.exec(line.replace(/\r$/, ''))
    if (m) masked.push(m[1])
    return !m
  })
  return { text: kept.join('\n'), masked }
}

/** The runner's command files of one run (GITHUB_OUTPUT, GITHUB_STATE, …), created empty. */
function runnerFiles(dir: string) {
  const files = {
    output: join(dir, 'github_output'),
    state: join(dir, 'github_state'),
    summary: join(dir, 'step_summary.md'),
    env: join(dir, 'github_env'),
    path: join(dir, 'github_path'),
    postOutput: join(dir, 'post_github_output'),
    postState: join(dir, 'post_github_state'),
    postSummary: join(dir, 'post_step_summary.md')
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  return files
}

/** What the runner sets in every step's environment. */
function runnerEnv(dir: string, files: { env: string; path: string }): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'example/restore-drill-test',
    GITHUB_RUN_ID: String(1000 + Math.floor(Math.random() * 9000)),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: dir,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    RUNNER_TEMP: dir,
    RUNNER_OS: 'Linux'
  }
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const root = options.cwd ?? REPO_ROOT
  const mainScript = join(root, 'dist', 'index.js')
  const postScript = join(root, 'dist', 'post', 'index.js')
  if (!existsSync(mainScript)) throw new Error(`${mainScript} not found: run npm run build`)
  const dir = mkdtempSync(join(tmpdir(), 'restore-drill-run-'))
  const files = runnerFiles(dir)
  const env = {
    ...baseEnv(),
    ...runnerEnv(dir, files),
    ...inputEnv(options.inputs, root),
    ...(options.env ?? {})
  }
  const timeoutMs = options.timeoutMs ?? 10 * 60_000
  const node = options.node ?? (process.env.RUN_ACTION_NODE || process.execPath)
  const main = await runNode(
    mainScript,
    {
      ...env,
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary
    },
    root,
    { signals: options.signals, timeoutMs, echo: options.echo, node }
  )
  const stateFile = readFileSync(files.state, 'utf8')
  const state = parseCommandFile(stateFile)
  let post: Spawned = { code: null, signal: null, stdout: '', stderr: '' }
  if (options.runPost !== false) {
    const stateEnv: Record<string, string> = {}
    for (const [k, v] of Object.entries(state)) stateEnv[`STATE_${k}`] = v
    post = await runNode(
      postScript,
      {
        ...env,
        ...stateEnv,
        GITHUB_OUTPUT: files.postOutput,
        GITHUB_STATE: files.postState,
        GITHUB_STEP_SUMMARY: files.postSummary
      },
      root,
      { timeoutMs, echo: options.echo, node }
    )
  }
  const outputs = parseCommandFile(readFileSync(files.output, 'utf8'))
  const reportPath = outputs['report-path']
  const reportJson = reportPath && existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : null
  const mainOut = stripMasks(main.stdout)
  const postOut = stripMasks(post.stdout)
  return {
    exitCode: main.code,
    exitSignal: main.signal,
    stdout: mainOut.text,
    stderr: main.stderr,
    rawStdout: main.stdout,
    outputs,
    summary: readFileSync(files.summary, 'utf8'),
    state,
    stateFile,
    postExitCode: post.code,
    postStdout: postOut.text,
    postStderr: post.stderr,
    postSummary: existsSync(files.postSummary) ? readFileSync(files.postSummary, 'utf8') : '',
    reportJson,
    dir,
    masked: [...mainOut.masked, ...postOut.masked]
  }
}

/** Every database password and the token: what must never appear in a run's texts. */
export function secretsOf(token: string, databaseUrls: string[]): string[] {
  const out = [token]
  for (const url of databaseUrls) {
    try {
      const parsed = new URL(url)
      if (parsed.password) out.push(decodeURIComponent(parsed.password), parsed.password)
    } catch {
      // not a URL
    }
    out.push(url)
  }
  return [...new Set(out.filter((s) => s.length > 0))]
}

/** The texts a run leaves behind: stdout, stderr, summary, outputs, state file, report, post output. */
export function runTexts(run: ActionRun): Record<string, string> {
  return {
    stdout: run.stdout,
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    stateFile: run.stateFile,
    report: run.reportJson ?? '',
    postStdout: run.postStdout,
    postSummary: run.postSummary,
    postStderr: run.postStderr
  }
}

/**
 * Throws naming the text and the kind of secret when any secret appears in any text of the run.
 * Besides `secrets` (the token, the source's password...), every value the action itself masked
 * (::add-mask::, e.g. the restored database's URL and password) is searched for.
 */
export function assertNoLeaks(run: ActionRun, secrets: string[]): void {
  const leaks: string[] = []
  const all = [...new Set([...secrets, ...run.masked])]
  for (const [where, text] of Object.entries(runTexts(run))) {
    all.forEach((secret, i) => {
      if (secret.length >= 4 && text.includes(secret))
        leaks.push(`secret #${i} (${secret.length} chars) in ${where}`)
    })
  }
  if (leaks.length > 0) throw new Error(`secrets leaked: ${leaks.join('; ')}`)
}

/** The report the run wrote; throws with the run's output when it wrote none. */
export function reportOf(run: ActionRun): DrillReport {
  if (!run.reportJson)
    throw new Error(
      `the action wrote no report (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr.slice(-500)}`
    )
  return JSON.parse(run.reportJson) as DrillReport
}
