// Step: clean up, shared by main and the post step. From the saved state: promote the original
// back if a promote was under way, switch maintenance off if this run switched it on, delete the
// backup this run captured (unless keep-backup), and delete the drill app this run created (its
// add-on goes with it) or destroy the add-on this run created (unless keep-database). Idempotent: what is already gone is fine.
// It never touches anything the state does not name.
import type { DataApi } from '../heroku/data.js'
import type { PlatformApi } from '../heroku/platform.js'
import type { Addon } from '../heroku/types.js'
import { sleepMs, waitFor } from '../heroku/wait.js'
import {
  DRILL_ADDON_PREFIX,
  DRILL_APP_PATTERN,
  KEPT_ADDON_PREFIX,
  type Ownership
} from '../safety.js'
import type { CreatedAddonState, DrillState } from '../state.js'
import { removeDownloadFolder, runnerTemp } from '../target/download.js'
import type { TargetServer } from '../target/server.js'
import { settleCapture } from './capture-cleanup.js'
import { maintenanceOff } from './maintenance.js'
import { promoteBack, removePromoteAlias } from './promote.js'

export interface CleanupDeps {
  platform: PlatformApi
  data: Pick<DataApi, 'deleteBackup' | 'listTransfers' | 'getTransfer' | 'cancelTransfer'>
  ownership: Ownership
  state: DrillState
  log: (line: string) => void
  signal?: AbortSignal
  /** Looks again for an add-on known by name only, this many times (default 2)... */
  lookAgain?: number
  /** ...this far apart (default 5 s). */
  lookAgainMs?: number
  /** How long to wait for a deleted add-on to disappear (default 120 s). */
  deprovisionWaitMs?: number
  /** target-url: the server holding the drill's database (null: target-url not given). */
  target?: Pick<TargetServer, 'dropDatabase'> | null
}

export interface CleanupResult {
  destroyed: string[]
  kept: { addonName: string; attachment: string } | null
  problems: string[]
  promotedBack: boolean
  maintenanceOff: boolean
  /** The drill app deleted (with its add-on), if any. */
  appDeleted: string | null
  /** The capture deleted (keep-backup false), e.g. b042. */
  backupDeleted: string | null
  /** The capture was still running and was cancelled, e.g. b042. */
  captureCancelled: string | null
  /** target-url: the drill's database dropped on the target server. */
  targetDropped?: string | null
  /** target-url with keep-database: the drill's database kept there. */
  targetKept?: string | null
  /** target-url: the backup file a killed main left on the runner was removed. */
  downloadRemoved?: boolean
}

export function emptyCleanup(): CleanupResult {
  return {
    destroyed: [],
    kept: null,
    problems: [],
    promotedBack: false,
    maintenanceOff: false,
    appDeleted: null,
    backupDeleted: null,
    captureCancelled: null
  }
}

export async function cleanUp(deps: CleanupDeps, attachmentName: string): Promise<CleanupResult> {
  const result = emptyCleanup()
  // DATABASE back on the original before anything is deleted (deleting the holder of DATABASE
  // would take DATABASE_URL away).
  await promoteBackIfInterrupted(deps, result)
  if (!deps.state.value.promoteInProgress) {
    const aliasProblem = await removePromoteAlias({ ...deps, app: deps.state.value.app })
    if (aliasProblem) result.problems.push(aliasProblem)
  }
  await switchMaintenanceOff(deps, result)
  await deleteCapture(deps, result)
  await dropExitDatabase(deps, result)
  await removeExitDownload(deps, result)
  const saved = deps.state.value
  if (saved.keep && saved.created) {
    result.kept = { addonName: saved.created.name, attachment: attachmentName }
    return result
  }
  // Deleting the drill app takes its add-on along.
  if (saved.drillApp && !saved.drillAppDeleted)
    return deleteDrillApp(deps, saved.drillApp.name, result)
  if (saved.created && !saved.destroyed) await destroyCreatedAddon(deps, saved.created, result)
  return result
}

/** The backup this run captured: cancelled if it still runs, deleted unless keep-backup. */
async function deleteCapture(deps: CleanupDeps, result: CleanupResult): Promise<void> {
  const settled = await settleCapture(deps)
  result.captureCancelled = settled.cancelled
  result.backupDeleted = settled.deleted
  if (settled.problem) result.problems.push(settled.problem)
}

async function deleteDrillApp(
  deps: CleanupDeps,
  name: string,
  result: CleanupResult
): Promise<CleanupResult> {
  if (!DRILL_APP_PATTERN.test(name)) {
    result.problems.push(`saved drill app name ${name} is not one of ours; not touching it`)
    return result
  }
  try {
    deps.ownership.recordCreatedApp(name)
    const outcome = await deps.platform.deleteApp(name)
    deps.log(
      outcome === 'deleted'
        ? `deleted drill app ${name} and its add-on`
        : `drill app ${name} was already gone`
    )
    deps.state.update({ drillAppDeleted: true, destroyed: true })
    result.appDeleted = name
    const addon = deps.state.value.created
    if (addon && outcome === 'deleted') result.destroyed.push(addon.name)
  } catch (err) {
    result.problems.push(
      `deleting drill app ${name} failed: ${(err as Error).message}; run heroku apps:destroy ${name} --confirm ${name}`
    )
  }
  return result
}

async function promoteBackIfInterrupted(deps: CleanupDeps, result: CleanupResult): Promise<void> {
  const { app, promoteInProgress, original } = deps.state.value
  if (!promoteInProgress || !original) return
  const fix = `run heroku pg:promote ${original.name} --app ${app}`
  try {
    const holder = await promoteBack(app, original, deps.platform, deps.ownership, deps.log)
    if (holder === original.name) {
      deps.state.update({ promoteInProgress: false })
      result.promotedBack = true
    } else {
      result.problems.push(
        `DATABASE points at ${holder ?? 'nothing'}, not the original ${original.name}: ${fix}`
      )
    }
  } catch (err) {
    result.problems.push(
      `promoting the original ${original.name} back failed: ${(err as Error).message}; ${fix}`
    )
  }
}

async function switchMaintenanceOff(deps: CleanupDeps, result: CleanupResult): Promise<void> {
  const app = deps.state.value.app
  try {
    result.maintenanceOff = await maintenanceOff({ ...deps, app })
  } catch (err) {
    result.problems.push(
      `switching maintenance off failed: ${(err as Error).message}; run heroku maintenance:off --app ${app}`
    )
  }
}

async function destroyCreatedAddon(
  deps: CleanupDeps,
  created: CreatedAddonState,
  result: CleanupResult
): Promise<void> {
  if (!created.name.startsWith(DRILL_ADDON_PREFIX) && !created.name.startsWith(KEPT_ADDON_PREFIX)) {
    result.problems.push(`saved add-on name ${created.name} is not one of ours; not touching it`)
    return
  }
  try {
    const id = created.id ?? (await findCreatedByName(deps, created, result))
    if (!id) return
    deps.ownership.recordCreated({ id, name: created.name, app: { name: created.app } })
    const outcome = await deps.platform.deleteAddon(created.app, id)
    deps.log(
      outcome === 'deleted'
        ? `destroying add-on ${created.name}`
        : `add-on ${created.name} was already gone`
    )
    await waitUntilDestroyed(deps, created, id)
    result.destroyed.push(created.name)
    deps.state.update({ destroyed: true })
  } catch (err) {
    result.problems.push(
      `destroying add-on ${created.name} failed: ${(err as Error).message}; run heroku addons:destroy ${created.name} --app ${created.app} --confirm ${created.app}`
    )
  }
}

/**
 * Main died while the create was in flight: find the add-on by the name it was given, looking
 * again a little later in case the create was still landing. undefined when there is nothing to
 * destroy (never created, or on another app: then a problem says so).
 */
async function findCreatedByName(
  deps: CleanupDeps,
  created: CreatedAddonState,
  result: CleanupResult
): Promise<string | undefined> {
  let found: Addon | null = await deps.platform.getAddon(created.app, created.name)
  for (let look = 1; !found && look <= (deps.lookAgain ?? 2); look++) {
    await sleepMs(deps.lookAgainMs ?? 5000, deps.signal)
    found = await deps.platform.getAddon(created.app, created.name)
  }
  if (!found) {
    deps.log(`add-on ${created.name} was never created`)
    deps.state.update({ destroyed: true })
    return undefined
  }
  if (found.app?.name !== created.app && found.app?.id !== created.app) {
    result.problems.push(
      `add-on ${created.name} belongs to app ${found.app?.name}, not ${created.app}: not touching it`
    )
    return undefined
  }
  return found.id
}

async function waitUntilDestroyed(
  deps: CleanupDeps,
  created: CreatedAddonState,
  id: string
): Promise<void> {
  await waitFor(
    async () => {
      const addon = await deps.platform.getAddon(created.app, id)
      return !addon || addon.state === 'deprovisioned' ? true : undefined
    },
    {
      what: `add-on ${created.name} to be destroyed`,
      deadline: new Date(Date.now() + (deps.deprovisionWaitMs ?? 120_000)),
      signal: deps.signal
    }
  ).catch((err: Error) => {
    // The delete was accepted; Heroku finishes it on its own.
    deps.log(`${err.message}; Heroku finishes the deletion on its own`)
  })
}

/**
 * target-url: drops exactly the database the state names, only if its name is the drill's (the
 * server refuses any other, target/server.ts), never one whose name was taken before the drill.
 */
async function dropExitDatabase(deps: CleanupDeps, result: CleanupResult): Promise<void> {
  const saved = deps.state.value.exitDatabase
  if (!saved || saved.dropped || saved.existed) return
  const dropCommand = `psql "$TARGET_URL" -c 'DROP DATABASE ${saved.name} WITH (FORCE)'`
  if (deps.state.value.keep) {
    result.targetKept = saved.name
    deps.log(
      `kept database ${saved.name} on the target server (keep-database); drop it with: ${dropCommand}`
    )
    return
  }
  if (!deps.target) {
    result.problems.push(
      `database ${saved.name} on the target server was not dropped: the target-url input is empty in this step; run ${dropCommand}`
    )
    return
  }
  try {
    const outcome = await deps.target.dropDatabase(saved.name)
    deps.log(
      outcome === 'dropped'
        ? `dropped database ${saved.name} on the target server`
        : `database ${saved.name} on the target server was never created`
    )
    deps.state.update({ exitDatabase: { ...saved, dropped: true } })
    result.targetDropped = saved.name
  } catch (err) {
    result.problems.push(
      `dropping database ${saved.name} on the target server failed: ${(err as Error).message}; run ${dropCommand}`
    )
  }
}

/** target-url: the backup file (production's data) a killed main left on the runner. */
async function removeExitDownload(deps: CleanupDeps, result: CleanupResult): Promise<void> {
  const saved = deps.state.value.exitDownload
  if (!saved || saved.removed) return
  try {
    const outcome = await removeDownloadFolder(saved.dir, runnerTemp())
    if (outcome === 'not-ours')
      return void result.problems.push(
        `not a download folder of this action, left alone: ${saved.dir}`
      )
    deps.state.update({ exitDownload: { ...saved, removed: true } })
    if (outcome === 'absent') return
    result.downloadRemoved = true
    deps.log(`removed the backup file downloaded to the runner (${saved.dir})`)
  } catch (err) {
    result.problems.push(
      `removing the downloaded backup ${saved.dir} failed: ${(err as Error).message}`
    )
  }
}
