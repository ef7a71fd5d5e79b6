// The main step: read and validate the inputs, build the runtime, run the drill, send the
// heartbeat of a pass, build and publish the report. SIGINT/SIGTERM abort the drill, keep the
// saved state and exit: the post step cleans up.
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DrillConfig } from './config.js'
import { runDrill } from './drill/run.js'
import { CancelledError } from './errors.js'
import type { DrillFacts } from './drill/facts.js'
import { sendHeartbeat } from './heartbeat.js'
import type { HistoryInput } from './history/compare.js'
import { figuresOfReport } from './history/figures.js'
import { appendHistoryFile } from './history/file.js'
import { loadHistory } from './history/load.js'
import { InputError, readConfig } from './inputs.js'
import { buildReport, outcomeOf } from './report/build.js'
import type { DrillReport } from './report/model.js'
import { publishInputError } from './report/input-error.js'
import { publishReport } from './report/publish.js'
import { createRuntime } from './drill/runtime.js'
import { SecretRegistry } from './safety.js'
import { flatten } from './untrusted.js'

/** The runner sends SIGKILL soon after its signals: leave before it comes. */
const EXIT_AFTER_SIGNAL_MS = 3000

async function main(): Promise<void> {
  const secrets = new SecretRegistry((s) => core.setSecret(s))
  // Masked before anything else can print it.
  secrets.add(core.getInput('heroku-api-key'))
  secrets.addUrl(core.getInput('target-url').trim())
  const config = await readInputs(secrets)
  if (!config) return
  const { runtime, cancel, dispose } = createRuntime(config, { core, secrets, env: process.env })
  stopOnSignals(cancel)
  // Read while the drill runs; it never rejects (an unreadable history is a warning). A rollback
  // drill looks in it for an earlier read of the source before its target time.
  const historyRead = loadHistory(config, process.env)
  runtime.history = historyRead.then((read) => read.history)
  try {
    const drilled = await runDrill(runtime)
    dispose()
    const { history, warning } = await historyRead
    if (warning) core.warning(flatten(secrets.redact(warning)))
    const heartbeatProblem = await heartbeatIfPassed(config, drilled, history)
    const facts: DrillFacts = { ...drilled, heartbeatProblem }
    const report = buildReport(config, facts, (text) => secrets.redact(text), history)
    await publishReport(report, {
      core,
      secrets,
      reportName: config.reportName,
      dir: join(process.env.RUNNER_TEMP || tmpdir(), 'restore-drill'),
      upload: Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL)
    })
    runtime.state.update({ reported: true })
    await appendHistory(config, report)
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err
    runtime.state.update({ cancelled: true })
    core.setFailed('cancelled: the post step destroys what this run created and writes the report')
    process.exit(1)
  } finally {
    dispose()
  }
}

async function readInputs(secrets: SecretRegistry): Promise<DrillConfig | undefined> {
  try {
    const config = readConfig((name) => core.getInput(name))
    secrets.add(config.apiKey)
    if (config.githubToken) secrets.add(config.githubToken)
    if (config.heartbeatUrl) secrets.add(config.heartbeatUrl)
    return config
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    const redact = (text: string): string => secrets.redact(text)
    await publishInputError({ core, redact }, core.getInput('app').trim(), err.problems)
    return undefined
  }
}

/** The first signal stops the drill; a second one exits at once. */
function stopOnSignals(cancel: () => void): void {
  let signals = 0
  const onSignal = (name: NodeJS.Signals): void => {
    if (++signals > 1) {
      core.info(`${name} again: exiting now; the post step cleans up`)
      process.exit(1)
    }
    core.info(`${name} received: stopping the drill; the post step cleans up what it created`)
    cancel()
    setTimeout(() => process.exit(1), EXIT_AFTER_SIGNAL_MS).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

/** history: <file>: this drill's figures appended; a file that cannot be written is a warning. */
async function appendHistory(config: DrillConfig, report: DrillReport): Promise<void> {
  if (config.history.mode !== 'file') return
  try {
    await appendHistoryFile(config.history.path, figuresOfReport(report), process.env)
    core.info(`history: this drill appended to ${config.history.path}`)
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]
    core.warning(`history: this drill could not be appended to ${config.history.path} (${reason})`)
  }
}

/** heartbeat-url, on a pass only: undefined when sent (or not asked for), else the problem. */
async function heartbeatIfPassed(
  config: DrillConfig,
  facts: DrillFacts,
  history: HistoryInput
): Promise<string | undefined> {
  if (!config.heartbeatUrl || outcomeOf(config, facts, history).outcome !== 'passed')
    return undefined
  const problem = await sendHeartbeat(config.heartbeatUrl)
  if (!problem) {
    core.info('heartbeat sent')
    return undefined
  }
  core.warning(`heartbeat-url: ${problem}`)
  return problem
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    core.setFailed(
      `unexpected error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`
    )
    process.exit(1)
  }
)
