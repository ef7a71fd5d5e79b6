// Phase 7 (PRODUCT.md §3): the promote drill. Maintenance on, the fresh add-on promoted to
// DATABASE, the release phase awaited, checks run through DATABASE_URL, the original promoted
// back whatever happens in between, DATABASE confirmed on the original, maintenance off.
// promoteBack is also what the post step runs when main died during a promote.
import type pg from 'pg'
import type { PlatformApi } from './heroku/platform.js'
import { waitFor } from './heroku/wait.js'
import type { Ownership } from './safety.js'
import type { DrillState } from './state.js'
import type { CheckSummary } from './verify/types.js'

export const DATABASE_ATTACHMENT = 'DATABASE'

export interface PromoteDeps {
  app: string
  platform: PlatformApi
  ownership: Ownership
  state: DrillState
  signal?: AbortSignal
  deadline: Date
  log: (line: string) => void
  /** Opens a pool on a URL of the restored (now promoted) database. */
  openRestored: (url: string) => pg.Pool
}

export interface PromoteResult {
  promoted: boolean
  promotedBack: boolean
  finalDatabaseAddon: string | null
  maintenanceOff: boolean
  checks: CheckSummary[]
  /** The first thing that went wrong, if anything. */
  problem?: string
}

/** A `checks` value counts as true when it is true, 't', 'true', or a non-zero number. */
export function isTruthy(value: unknown): boolean {
  if (value === true) return true
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'bigint') return value !== 0n
  if (typeof value === 'string')
    return ['t', 'true', '1', 'yes', 'on'].includes(value.trim().toLowerCase())
  return false
}

/** Waits for the release phase of the promote's release, when the app has a release process. */
async function waitForReleasePhase(deps: PromoteDeps): Promise<void> {
  const { platform, app } = deps
  let processTypes: string[]
  try {
    processTypes = await platform.listProcessTypes(app)
  } catch {
    deps.log('could not read the formation; not waiting for a release phase')
    return
  }
  if (!processTypes.includes('release')) return
  // The promote's release is among the newest few: one page, not the app's whole history.
  const releases = await platform.listRecentReleases(app, 10)
  const attach = releases.find((r) => /Attach DATABASE/.test(r.description))
  if (!attach) {
    deps.log('no "Attach DATABASE" release found; not waiting for a release phase')
    return
  }
  deps.log(`waiting for the release phase of v${attach.version}`)
  const status = await waitFor(
    async () => {
      const r = await platform.getRelease(app, attach.id)
      return r.status === 'succeeded' || r.status === 'failed' ? r.status : undefined
    },
    { what: `release v${attach.version}`, deadline: deps.deadline, signal: deps.signal }
  )
  if (status === 'failed') throw new Error(`the release phase of v${attach.version} failed`)
}

/** Moves DATABASE back to `original` unless it is already there; returns the add-on holding DATABASE. */
export async function promoteBack(
  app: string,
  original: { id: string; name: string },
  platform: PlatformApi,
  ownership: Ownership,
  log: (line: string) => void
): Promise<string | null> {
  ownership.recordOriginal(original)
  const before = await platform.listAttachments(app)
  const current = before.find((a) => a.name === DATABASE_ATTACHMENT && !a.namespace)
  if (current?.addon.id !== original.id) {
    log(`promoting the original ${original.name} back to ${DATABASE_ATTACHMENT}`)
    await platform.attach(app, {
      addonName: original.name,
      name: DATABASE_ATTACHMENT,
      namespace: null
    })
  }
  const after = await platform.listAttachments(app)
  const holder = after.find((a) => a.name === DATABASE_ATTACHMENT && !a.namespace)
  return holder?.addon.name ?? null
}

export async function runPromoteDrill(
  deps: PromoteDeps,
  created: { id: string; name: string },
  original: { id: string; name: string },
  checks: { name: string; sql: string }[]
): Promise<PromoteResult> {
  const { app, platform, ownership, state, log } = deps
  const result: PromoteResult = {
    promoted: false,
    promotedBack: false,
    finalDatabaseAddon: null,
    maintenanceOff: true,
    checks: []
  }
  ownership.recordOriginal(original)
  const appInfo = await platform.getApp(app)
  const weTurnedMaintenanceOn = !appInfo.maintenance
  if (weTurnedMaintenanceOn) {
    state.update({ maintenanceOn: true })
    log('maintenance mode on')
    await platform.setMaintenance(app, true)
    result.maintenanceOff = false
  } else {
    log('maintenance mode was already on; leaving it as it is')
  }
  try {
    state.update({ promoteInProgress: true, original })
    try {
      log(`promoting ${created.name} to ${DATABASE_ATTACHMENT}`)
      await platform.attach(app, {
        addonName: created.name,
        name: DATABASE_ATTACHMENT,
        namespace: null
      })
      result.promoted = true
      log(
        `${created.name} is now ${DATABASE_ATTACHMENT}; running the checks through ${DATABASE_ATTACHMENT}_URL`
      )
      await waitForReleasePhase(deps)
      const vars = await platform.getConfigVars(app)
      const url = vars[`${DATABASE_ATTACHMENT}_URL`]
      if (!url) throw new Error(`${DATABASE_ATTACHMENT}_URL is not set after the promote`)
      const pool = deps.openRestored(url)
      try {
        const list =
          checks.length > 0 ? checks : [{ name: 'DATABASE_URL answers', sql: 'select true' }]
        for (const check of list) {
          try {
            const res = await pool.query<Record<string, unknown>>(check.sql)
            const first = res.rows[0] ? Object.values(res.rows[0])[0] : undefined
            const ok = isTruthy(first)
            result.checks.push({
              id: `promote:${check.name}`,
              title: `${check.name} (through DATABASE_URL)`,
              status: ok ? 'passed' : 'failed',
              detail: ok
                ? 'true'
                : `returned ${first === undefined ? 'no row' : String(first).slice(0, 40)}`
            })
          } catch (err) {
            result.checks.push({
              id: `promote:${check.name}`,
              title: `${check.name} (through DATABASE_URL)`,
              status: 'failed',
              detail: (err as Error).message.split('\n')[0].slice(0, 200)
            })
          }
        }
      } finally {
        await Promise.race([pool.end(), new Promise((r) => setTimeout(r, 5000))])
      }
    } catch (err) {
      result.problem = (err as Error).message
    } finally {
      // Whatever happened above, DATABASE goes back to the original.
      try {
        result.finalDatabaseAddon = await promoteBack(app, original, platform, ownership, log)
        result.promotedBack = result.finalDatabaseAddon === original.name
        if (result.promotedBack) {
          state.update({ promoteInProgress: false })
          await waitForReleasePhase(deps).catch((e: Error) => {
            result.problem ??= e.message
          })
        } else {
          result.problem ??= `DATABASE points at ${result.finalDatabaseAddon ?? 'nothing'}, not the original ${original.name}`
        }
      } catch (err) {
        result.problem ??= `promoting the original back failed: ${(err as Error).message}`
      }
    }
  } finally {
    if (weTurnedMaintenanceOn) {
      try {
        await platform.setMaintenance(app, false)
        state.update({ maintenanceOn: false })
        result.maintenanceOff = true
        log('maintenance mode off')
      } catch (err) {
        result.problem ??= `switching maintenance off failed: ${(err as Error).message}`
      }
    }
  }
  return result
}
