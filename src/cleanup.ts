// Phase 9 (PRODUCT.md §3), shared by main and the post step: from the saved state, promote the
// original back if a promote was under way, switch maintenance off if we switched it on, and
// destroy the add-on this run created (unless kept). Idempotent: what is already gone is fine.
// It never touches anything the state does not name.
import type { PlatformApi } from './heroku/platform.js'
import { sleepMs, waitFor } from './heroku/wait.js'
import { promoteBack } from './promote.js'
import { DRILL_ADDON_PREFIX, type Ownership } from './safety.js'
import type { DrillState } from './state.js'

export interface CleanupDeps {
  platform: PlatformApi
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
}

export interface CleanupResult {
  destroyed: string[]
  kept: { addonName: string; attachment: string } | null
  problems: string[]
  promotedBack: boolean
  maintenanceOff: boolean
}

export async function cleanUp(deps: CleanupDeps, attachmentName: string): Promise<CleanupResult> {
  const { platform, ownership, state, log } = deps
  const saved = state.value
  const app = saved.app
  const result: CleanupResult = {
    destroyed: [],
    kept: null,
    problems: [],
    promotedBack: false,
    maintenanceOff: false
  }

  // 1. DATABASE back on the original before anything is deleted (deleting the holder of DATABASE
  //    would take DATABASE_URL away).
  if (saved.promoteInProgress && saved.original) {
    try {
      const holder = await promoteBack(app, saved.original, platform, ownership, log)
      if (holder === saved.original.name) {
        state.update({ promoteInProgress: false })
        result.promotedBack = true
      } else {
        result.problems.push(
          `DATABASE points at ${holder ?? 'nothing'}, not the original ${saved.original.name}: run heroku pg:promote ${saved.original.name} --app ${app}`
        )
      }
    } catch (err) {
      result.problems.push(
        `promoting the original ${saved.original.name} back failed: ${(err as Error).message}; run heroku pg:promote ${saved.original.name} --app ${app}`
      )
    }
  }

  // 2. Maintenance off, only if this run switched it on.
  if (saved.maintenanceOn) {
    try {
      await platform.setMaintenance(app, false)
      state.update({ maintenanceOn: false })
      result.maintenanceOff = true
      log('maintenance mode off')
    } catch (err) {
      result.problems.push(
        `switching maintenance off failed: ${(err as Error).message}; run heroku maintenance:off --app ${app}`
      )
    }
  }

  // 3. The created add-on.
  const created = saved.created
  if (!created || saved.destroyed) return result
  if (saved.keep) {
    result.kept = { addonName: created.name, attachment: attachmentName }
    return result
  }
  if (!created.name.startsWith(DRILL_ADDON_PREFIX)) {
    result.problems.push(`saved add-on name ${created.name} is not one of ours; not touching it`)
    return result
  }
  try {
    let id = created.id
    if (!id) {
      // Main died while the create was in flight: find it by the name it was given, looking again
      // a little later, in case the create was still landing when main died.
      let found: Awaited<ReturnType<PlatformApi['getAddon']>> = await platform.getAddon(
        created.app,
        created.name
      )
      for (let look = 1; !found && look <= (deps.lookAgain ?? 2); look++) {
        await sleepMs(deps.lookAgainMs ?? 5000, deps.signal)
        found = await platform.getAddon(created.app, created.name)
      }
      if (!found) {
        log(`add-on ${created.name} was never created`)
        state.update({ destroyed: true })
        return result
      }
      if (found.app?.name !== created.app && found.app?.id !== created.app) {
        result.problems.push(
          `add-on ${created.name} belongs to app ${found.app?.name}, not ${created.app}: not touching it`
        )
        return result
      }
      id = found.id
    }
    ownership.recordCreated({ id, name: created.name, app: { name: created.app } })
    const outcome = await platform.deleteAddon(created.app, id)
    log(
      outcome === 'deleted'
        ? `destroying add-on ${created.name}`
        : `add-on ${created.name} was already gone`
    )
    await waitFor(
      async () => {
        const addon = await platform.getAddon(created.app, id as string)
        return !addon || addon.state === 'deprovisioned' ? true : undefined
      },
      {
        what: `add-on ${created.name} to be destroyed`,
        deadline: new Date(Date.now() + (deps.deprovisionWaitMs ?? 120_000)),
        signal: deps.signal
      }
    ).catch((err: Error) => {
      // The delete was accepted; Heroku finishes it on its own.
      log(`${err.message}; Heroku finishes the deletion on its own`)
    })
    result.destroyed.push(created.name)
    state.update({ destroyed: true })
  } catch (err) {
    result.problems.push(
      `destroying add-on ${created.name} failed: ${(err as Error).message}; run heroku addons:destroy ${created.name} --app ${created.app} --confirm ${created.app}`
    )
  }
  return result
}

/** The Heroku API URLs: HEROKU_API_URL / HEROKU_DATA_API_URL, else Heroku's own. */
export function herokuApiUrls(env: NodeJS.ProcessEnv = process.env): {
  apiUrl: string
  dataApiUrl: string
} {
  return {
    apiUrl: env.HEROKU_API_URL || 'https://api.heroku.com',
    dataApiUrl: env.HEROKU_DATA_API_URL || 'https://api.data.heroku.com'
  }
}
