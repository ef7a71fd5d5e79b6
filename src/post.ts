// The post step (runs.post, post-if: always()): from the state main saved, promote the original
// back if a promote was under way, switch maintenance off if main switched it on, destroy the
// add-on main created unless it was kept. Idempotent, and it touches nothing else.
import * as core from '@actions/core'
import { cleanUp } from './steps/cleanup.js'
import { herokuApiUrls } from './heroku/urls.js'
import { createDataApi } from './heroku/data.js'
import { createHerokuHttp } from './heroku/http.js'
import { createPlatformApi } from './heroku/platform.js'
import { DRILL_ATTACHMENT_NAME, Ownership, SecretRegistry } from './safety.js'
import { DrillState, readSavedState, type SavedState } from './state.js'

async function post(): Promise<void> {
  const token = core.getInput('heroku-api-key').trim()
  if (token) core.setSecret(token)
  const saved = readSavedState((name) => core.getState(name))
  if (!saved) {
    core.info('nothing to clean up')
    return
  }
  if (!needsCleanUp(saved)) {
    core.info('nothing to clean up')
    return
  }
  if (!token) {
    core.error('cannot clean up: the heroku-api-key input is empty in the post step')
    process.exitCode = 1
    return
  }
  const secrets = new SecretRegistry((s) => core.setSecret(s))
  secrets.add(token)
  const ownership = new Ownership()
  const http = createHerokuHttp({
    token,
    ...herokuApiUrls(),
    secrets,
    log: (line) => core.info(line)
  })
  const platform = createPlatformApi(http, ownership)
  const data = createDataApi(http, ownership)
  // Continue from what main saved; every change is saved again (a re-run of post is harmless).
  const state = new DrillState(core, saved.app)
  state.update(saved)
  const result = await cleanUp(
    { platform, data, ownership, state, log: (line) => core.info(secrets.redact(line)) },
    DRILL_ATTACHMENT_NAME
  )
  for (const name of result.destroyed) core.info(`destroyed add-on ${name}`)
  if (result.appDeleted) core.info(`deleted drill app ${result.appDeleted}`)
  if (result.backupDeleted) core.info(`deleted the drill's backup ${result.backupDeleted}`)
  if (result.kept) core.info(`kept add-on ${result.kept.addonName} (keep-database)`)
  for (const problem of result.problems) {
    // A leaked add-on costs money: loud, not a warning.
    core.error(secrets.redact(problem), { title: 'Restore drill clean-up' })
  }
  if (result.problems.length > 0) process.exitCode = 1
}

/** Something main created or switched on is still there (per the saved state). */
function needsCleanUp(saved: SavedState): boolean {
  const addonLeft = saved.created !== undefined && !saved.destroyed && !saved.keep
  const appLeft = saved.drillApp !== undefined && !saved.drillAppDeleted && !saved.keep
  const captureLeft = saved.capture !== undefined && !saved.captureDeleted && !saved.keepBackup
  return (
    addonLeft || appLeft || captureLeft || Boolean(saved.maintenanceOn || saved.promoteInProgress)
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
