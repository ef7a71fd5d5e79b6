// The main step: read and validate the inputs, build the runtime, run the drill, send the
// heartbeat of a pass, build and publish the report. SIGINT/SIGTERM abort the drill, keep the
// saved state and exit: the post step cleans up.
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DrillConfig } from './config.js'
import { runDrill } from './drill.js'
import { CancelledError } from './errors.js'
import type { DrillFacts } from './facts.js'
import { sendHeartbeat } from './heartbeat.js'
import { InputError, readConfig } from './inputs.js'
import { buildReport, outcomeOf } from './report/build.js'
import { publishReport } from './report/publish.js'
import { createRuntime } from './runtime.js'
import { SecretRegistry } from './safety.js'

/** The runner sends SIGKILL soon after its signals: leave before it comes. */
const EXIT_AFTER_SIGNAL_MS = 3000

async function main(): Promise<void> {
  const secrets = new SecretRegistry((s) => core.setSecret(s))
  // Masked before anything else can print it.
  secrets.add(core.getInput('heroku-api-key'))
  const config = readInputs(secrets)
  if (!config) return
  const { runtime, cancel, dispose } = createRuntime(config, { core, secrets, env: process.env })
  stopOnSignals(cancel)
  try {
    const facts = await runDrill(runtime)
    dispose()
    facts.heartbeatProblem = await heartbeatIfPassed(config, facts)
    await publishReport(
      buildReport(config, facts, (text) => secrets.redact(text)),
      {
        core,
        secrets,
        reportName: config.reportName,
        dir: join(process.env.RUNNER_TEMP || tmpdir(), 'restore-drill'),
        upload: Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL)
      }
    )
    runtime.state.update({ reported: true })
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err
    runtime.state.update({ cancelled: true })
    core.setFailed('cancelled: the post step destroys what this run created and writes the report')
    process.exit(1)
  } finally {
    dispose()
  }
}

function readInputs(secrets: SecretRegistry): DrillConfig | undefined {
  try {
    const config = readConfig((name) => core.getInput(name))
    secrets.add(config.apiKey)
    if (config.heartbeatUrl) secrets.add(config.heartbeatUrl)
    return config
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    core.setFailed(secrets.redact(err.message))
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

/** heartbeat-url, on a pass only: undefined when sent (or not asked for), else the problem. */
async function heartbeatIfPassed(
  config: DrillConfig,
  facts: DrillFacts
): Promise<string | undefined> {
  if (!config.heartbeatUrl || outcomeOf(config, facts).outcome !== 'passed') return undefined
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
