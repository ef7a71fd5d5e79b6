// The post step (runs.post, post-if: always()), a checklist of its own:
// 1. from the state main saved, undo what main left: promote the original back if a promote was
//    under way, switch maintenance off if main switched it on, delete the drill's backup (unless
//    keep-backup), delete the drill app or destroy the add-on (unless keep-database);
// 2. when main ended without a report (cancelled, timed out, killed), write the job summary and
//    the report: what ran, how far it got, what was cleaned up.
// Idempotent, and it touches nothing the state does not name.
import { commandSafe, flatten } from './untrusted.js'
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDataApi } from './heroku/data.js'
import { createHerokuHttp } from './heroku/http.js'
import { createPlatformApi } from './heroku/platform.js'
import { herokuApiUrls } from './heroku/urls.js'
import { interruptedReport } from './report/interrupted.js'
import { publishReport } from './report/publish.js'
import { DRILL_ATTACHMENT_NAME, Ownership, SecretRegistry } from './safety.js'
import { DrillState, readSavedState, type SavedState } from './state.js'
import { cleanUp, emptyCleanup, type CleanupResult } from './steps/cleanup.js'
import { connectTarget } from './target/server.js'

async function post(): Promise<void> {
  const token = core.getInput('heroku-api-key').trim()
  const secrets = new SecretRegistry((s) => core.setSecret(s))
  secrets.add(token)
  const targetUrl = core.getInput('target-url').trim()
  secrets.addUrl(targetUrl)
  const saved = readSavedState((name) => core.getState(name))
  if (!saved) {
    core.info('nothing to clean up')
    return
  }
  const state = new DrillState(core, saved.app)
  // Continue from what main saved; every change is saved again (a re-run of post is harmless).
  state.update(saved)
  const cleanup = needsCleanUp(saved)
    ? await cleanUpAfterMain(token, state, secrets, targetUrl)
    : emptyCleanup()
  if (!needsCleanUp(saved)) core.info('nothing to clean up')
  if (!saved.reported) await reportInterruptedDrill(state.value, cleanup, secrets)
}

async function cleanUpAfterMain(
  token: string,
  state: DrillState,
  secrets: SecretRegistry,
  targetUrl: string
): Promise<CleanupResult> {
  if (!token) {
    const problem = 'cannot clean up: the heroku-api-key input is empty in the post step'
    core.error(problem)
    process.exitCode = 1
    return { ...emptyCleanup(), problems: [problem] }
  }
  const ownership = new Ownership()
  const http = createHerokuHttp({
    token,
    ...herokuApiUrls(),
    secrets,
    log: (line) => core.info(commandSafe(flatten(line)))
  })
  const log = (line: string): void => core.info(commandSafe(flatten(secrets.redact(line))))
  const deps = {
    platform: createPlatformApi(http, ownership),
    data: createDataApi(http, ownership),
    ownership,
    state,
    log,
    target: targetUrl ? connectTarget(targetUrl) : null
  }
  const result = await cleanUp(deps, DRILL_ATTACHMENT_NAME)
  for (const name of result.destroyed) log(`destroyed add-on ${name}`)
  if (result.targetDropped) log(`dropped database ${result.targetDropped} on the target server`)
  if (result.kept) log(`kept add-on ${result.kept.addonName} (keep-database)`)
  for (const problem of result.problems) {
    // A leaked add-on costs money: loud, not a warning.
    core.error(flatten(secrets.redact(problem)), { title: 'Restore drill clean-up' })
  }
  if (result.problems.length > 0) process.exitCode = 1
  return result
}

/** Main ended without a report: the summary and the report say how far it got and what was undone. */
async function reportInterruptedDrill(
  saved: SavedState,
  cleanup: CleanupResult,
  secrets: SecretRegistry
): Promise<void> {
  const report = interruptedReport(saved, cleanup, new Date(), (text) => secrets.redact(text))
  await publishReport(report, {
    // The job already failed or was cancelled: the post step reports it without failing again.
    core: {
      ...core,
      setFailed: (line: string) => core.error(line),
      info: core.info,
      error: core.error,
      setOutput: core.setOutput,
      summary: core.summary
    },
    secrets,
    reportName: core.getInput('report-name').trim() || `restore-drill-${saved.app}`,
    dir: join(process.env.RUNNER_TEMP || tmpdir(), 'restore-drill'),
    upload: Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL)
  })
}

/** Something main created or switched on is still there (per the saved state). */
function needsCleanUp(saved: SavedState): boolean {
  const addonLeft = saved.created !== undefined && !saved.destroyed && !saved.keep
  const appLeft = saved.drillApp !== undefined && !saved.drillAppDeleted && !saved.keep
  // A capture requested and never answered may be running: post looks for it.
  const exit = saved.exitDatabase
  const databaseLeft = exit !== undefined && !exit.dropped && !exit.existed && !saved.keep
  const downloadLeft = saved.exitDownload !== undefined && !saved.exitDownload.removed
  const captureLeft =
    (saved.capture !== undefined || saved.captureRequest !== undefined) &&
    !saved.captureDeleted &&
    (!saved.keepBackup || !saved.capture)
  return (
    addonLeft ||
    appLeft ||
    databaseLeft ||
    downloadLeft ||
    captureLeft ||
    Boolean(saved.maintenanceOn || saved.promoteInProgress)
  )
}

post().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    core.error(
      `clean-up failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`
    )
    process.exit(1)
  }
)
