// The main step: read and validate the inputs, build the clients, run the drill, publish the
// report. SIGINT/SIGTERM abort the drill, keep the saved state and exit: the post step cleans up.
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { herokuApiUrls } from './cleanup.js'
import { CancelledError, runDrill } from './drill.js'
import { publishReport } from './report/publish.js'
import { sendHeartbeat } from './heartbeat.js'
import { createDataApi } from './heroku/data.js'
import { createHerokuHttp } from './heroku/http.js'
import { createPlatformApi } from './heroku/platform.js'
import { InputError, readConfig } from './inputs.js'
import { Ownership, SecretRegistry } from './safety.js'
import { DrillState } from './state.js'

async function main(): Promise<void> {
  // Masked before anything else can print it.
  const rawToken = core.getInput('heroku-api-key')
  if (rawToken) core.setSecret(rawToken)
  const secrets = new SecretRegistry((s) => core.setSecret(s))
  secrets.add(rawToken)

  let config
  try {
    config = readConfig((name) => core.getInput(name))
  } catch (err) {
    if (err instanceof InputError) {
      core.setFailed(secrets.redact(err.message))
      return
    }
    throw err
  }
  secrets.add(config.apiKey)
  if (config.heartbeatUrl) secrets.add(config.heartbeatUrl)

  // cancel: SIGINT/SIGTERM. drill: cancel or the whole-drill deadline.
  const cancel = new AbortController()
  const drillAbort = new AbortController()
  const deadline = new Date(Date.now() + config.timeoutMinutes * 60_000)
  const deadlineTimer = setTimeout(
    () => drillAbort.abort('deadline'),
    config.timeoutMinutes * 60_000
  )
  let signals = 0
  const onSignal = (name: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      core.info(`${name} again: exiting now; the post step cleans up`)
      process.exit(1)
    }
    core.info(`${name} received: stopping the drill; the post step cleans up what it created`)
    cancel.abort('cancel')
    drillAbort.abort('cancel')
    // Whatever is still running, leave in time for the runner's SIGKILL not to find us.
    setTimeout(() => process.exit(1), 3000).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const ownership = new Ownership()
  const makeHttp = (signal: AbortSignal) =>
    createHerokuHttp({
      token: config.apiKey,
      ...herokuApiUrls(),
      secrets,
      signal,
      log: (line) => core.info(line)
    })
  const http = makeHttp(drillAbort.signal)
  const cleanupHttp = makeHttp(cancel.signal)
  const state = new DrillState(core, config.app)

  try {
    const report = await runDrill({
      config,
      platform: createPlatformApi(http, ownership),
      data: createDataApi(http, ownership),
      cleanupPlatform: createPlatformApi(cleanupHttp, ownership),
      ownership,
      secrets,
      state,
      log: {
        info: (line) => core.info(line),
        warning: (line) => core.warning(line),
        error: (line, title) => core.error(line, title ? { title } : undefined),
        startGroup: (name) => core.startGroup(name),
        endGroup: () => core.endGroup()
      },
      signal: drillAbort.signal,
      cancelSignal: cancel.signal,
      deadline,
      runId: process.env.GITHUB_RUN_ID || 'local',
      runAttempt: process.env.GITHUB_RUN_ATTEMPT || '1'
    })
    clearTimeout(deadlineTimer)
    if (report.outcome === 'passed' && config.heartbeatUrl) {
      const problem = await sendHeartbeat(config.heartbeatUrl)
      if (problem) {
        core.warning(`heartbeat-url: ${problem}`)
        report.notes.push(`heartbeat-url: ${problem}`)
      } else {
        core.info('heartbeat sent')
      }
    }
    await publishReport(report, {
      core,
      secrets,
      reportName: config.reportName,
      dir: join(process.env.RUNNER_TEMP || tmpdir(), 'restore-drill'),
      upload: Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL)
    })
  } catch (err) {
    if (err instanceof CancelledError) {
      core.setFailed('cancelled: the post step destroys what this run created')
      process.exit(1)
    }
    throw err
  } finally {
    clearTimeout(deadlineTimer)
  }
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
