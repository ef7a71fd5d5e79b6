// Everything a drill runs with, built once by main: the config, the Heroku clients (one set that
// stops at the deadline or on cancel, one for the clean-up that keeps working after the
// deadline), the databases, the saved state, the log, the signals and the deadline.
import { commandSafe, flatten } from '../untrusted.js'
import { createPgDatabases, type Databases } from '../databases.js'
import type { DrillConfig } from '../config.js'
import type { HistoryInput } from '../history/compare.js'
import { createDataApi, type DataApi } from '../heroku/data.js'
import { createHerokuHttp } from '../heroku/http.js'
import { createPlatformApi, type PlatformApi } from '../heroku/platform.js'
import { herokuApiUrls } from '../heroku/urls.js'
import { Ownership, SecretRegistry } from '../safety.js'
import { DrillState, type StateWriter } from '../state.js'
import { connectTarget, type TargetServer } from '../target/server.js'

export interface DrillLog {
  /** Redacted before it is printed. */
  info(line: string): void
  warning(line: string): void
  /** An error annotation (a mismatch, a clean-up problem). */
  error(line: string, title?: string): void
  startGroup(name: string): void
  endGroup(): void
}

export interface DrillRuntime {
  config: DrillConfig
  /** Clients whose requests stop when the drill is aborted (deadline or cancel). */
  platform: PlatformApi
  data: DataApi
  /** For the clean-up, which must still work after the deadline (they stop on cancel only). */
  cleanupPlatform: PlatformApi
  cleanupData: DataApi
  databases: Databases
  ownership: Ownership
  secrets: SecretRegistry
  state: DrillState
  log: DrillLog
  /** Fires at the deadline (reason 'deadline') or on cancel (reason 'cancel'). */
  signal: AbortSignal
  /** Fires on cancel only: then main exits at once and the post step cleans up. */
  cancelSignal: AbortSignal
  deadline: Date
  runId: string
  runAttempt: string
  now: () => Date
  /** The earlier drills (history input), read while the drill runs; unset when not read. */
  history?: Promise<HistoryInput>
  /** target-url: the server outside Heroku the copy is restored on (an exit drill); null otherwise. */
  target?: TargetServer | null
  /** Switches honoured only against the simulator (testOnlySwitches). */
  testOnly?: TestOnlySwitches
}

export interface TestOnlySwitches {
  /** The checksum comparison sees every table as matching: the self-test must then fail the drill. */
  brokenChecksums: boolean
  /** target-url: `schema.table` that loses one row in the target's copy before verify (a damaged restore). */
  damageTargetTable?: string
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/**
 * Switches for the simulator's tests only (RESTORE_DRILL_SIMULATOR_BREAK_CHECKSUMS=1): honoured
 * only when the Heroku API is the simulator on this machine (HEROKU_API_URL on a loopback
 * address). A workflow against Heroku can never turn a check off, by accident or otherwise.
 */
export function testOnlySwitches(env: NodeJS.ProcessEnv): TestOnlySwitches {
  let simulator = false
  try {
    simulator = LOOPBACK.has(new URL(herokuApiUrls(env).apiUrl).hostname)
  } catch {
    simulator = false
  }
  const damage = env.RESTORE_DRILL_SIMULATOR_DAMAGE_TARGET
  return {
    brokenChecksums: simulator && env.RESTORE_DRILL_SIMULATOR_BREAK_CHECKSUMS === '1',
    ...(simulator && damage ? { damageTargetTable: damage } : {})
  }
}

export interface RuntimeEnvironment {
  core: StateWriter & {
    info(line: string): void
    warning(line: string): void
    error(line: string, props?: { title?: string }): void
    startGroup(name: string): void
    endGroup(): void
  }
  secrets: SecretRegistry
  env: NodeJS.ProcessEnv
}

/** The runtime, and `cancel` for SIGINT/SIGTERM and `dispose` for the deadline's timer. */
export function createRuntime(
  config: DrillConfig,
  { core, secrets, env }: RuntimeEnvironment
): { runtime: DrillRuntime; cancel: () => void; dispose: () => void } {
  const cancel = new AbortController()
  const drillAbort = new AbortController()
  const deadline = new Date(Date.now() + config.timeoutMinutes * 60_000)
  const deadlineTimer = setTimeout(
    () => drillAbort.abort('deadline'),
    config.timeoutMinutes * 60_000
  )
  const ownership = new Ownership()
  const httpFor = (signal: AbortSignal) =>
    createHerokuHttp({
      token: config.apiKey,
      ...herokuApiUrls(env),
      secrets,
      signal,
      log: (line) => core.info(commandSafe(flatten(line)))
    })
  const http = httpFor(drillAbort.signal)
  const cleanupHttp = httpFor(cancel.signal)
  const runtime: DrillRuntime = {
    config,
    platform: createPlatformApi(http, ownership),
    data: createDataApi(http, ownership),
    cleanupPlatform: createPlatformApi(cleanupHttp, ownership),
    cleanupData: createDataApi(cleanupHttp, ownership),
    databases: createPgDatabases(
      config.verifyConnections,
      undefined,
      config.sourceStatementTimeoutSeconds * 1000
    ),
    ownership,
    secrets,
    state: new DrillState(core, config.app),
    log: {
      // Log lines are one line each: whatever Heroku or the database put in them is flattened.
      info: (line) => core.info(commandSafe(flatten(secrets.redact(line)))),
      warning: (line) => core.warning(flatten(secrets.redact(line))),
      error: (line, title) =>
        core.error(flatten(secrets.redact(line)), title ? { title } : undefined),
      startGroup: (name) => core.startGroup(name),
      endGroup: () => core.endGroup()
    },
    signal: drillAbort.signal,
    cancelSignal: cancel.signal,
    deadline,
    runId: env.GITHUB_RUN_ID || 'local',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    now: () => new Date(),
    target: config.targetUrl ? connectTarget(config.targetUrl) : null,
    testOnly: testOnlySwitches(env)
  }
  if (runtime.testOnly?.brokenChecksums)
    runtime.log.warning(
      'test-only switch: the checksum comparison is broken on purpose (simulator)'
    )
  if (runtime.testOnly?.damageTargetTable)
    runtime.log.warning('test-only switch: the target copy is damaged on purpose (simulator)')
  return {
    runtime,
    cancel: () => {
      cancel.abort('cancel')
      drillAbort.abort('cancel')
    },
    dispose: () => clearTimeout(deadlineTimer)
  }
}
