// Step (opt-in, `promote: true`): the promote drill. Maintenance on, the fresh add-on promoted to
// DATABASE, the release phase awaited, the checks run through DATABASE_URL, the original
// promoted back whatever happens in between, DATABASE confirmed on the original, maintenance
// off. Like the CLI's pg:promote, the original first gets an alias attachment when DATABASE is its
// only one (Heroku refuses to move an add-on's last attachment); the alias is removed once DATABASE
// is back, so production's attachments end as they began. promoteBack and removePromoteAlias are
// also what the clean-up runs when main died during a promote.
import type { CheckRun, Databases } from '../databases.js'
import type { PlatformApi } from '../heroku/platform.js'
import { waitFor } from '../heroku/wait.js'
import type { Ownership } from '../safety.js'
import type { DrillState } from '../state.js'
import type { CheckSummary, CustomCheck } from '../verify/types.js'
import { maintenanceOff, maintenanceOn } from './maintenance.js'

export const DATABASE_ATTACHMENT = 'DATABASE'

/** Without `checks`, the promote drill still proves DATABASE_URL answers. */
const DEFAULT_CHECK: CustomCheck = { name: 'DATABASE_URL answers', sql: 'select true' }

export interface PromoteDeps {
  app: string
  platform: PlatformApi
  databases: Pick<Databases, 'runChecks'>
  ownership: Ownership
  state: DrillState
  signal?: AbortSignal
  deadline: Date
  log: (line: string) => void
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

type AddonRef = { id: string; name: string }

export async function runPromoteDrill(
  deps: PromoteDeps,
  created: AddonRef,
  original: AddonRef,
  checks: CustomCheck[]
): Promise<PromoteResult> {
  const maintenance = { platform: deps.platform, state: deps.state, app: deps.app, log: deps.log }
  const result: PromoteResult = {
    promoted: false,
    promotedBack: false,
    finalDatabaseAddon: null,
    maintenanceOff: true,
    checks: []
  }
  deps.ownership.recordOriginal(original)
  const switched = (await maintenanceOn(maintenance)) === 'switched-on'
  result.maintenanceOff = !switched
  try {
    deps.state.update({ promoteInProgress: true, original })
    try {
      await ensureAlias(deps, original)
      await promoteAndCheck(deps, created, checks, result)
    } catch (err) {
      result.problem = (err as Error).message
    } finally {
      // Whatever happened above, DATABASE goes back to the original.
      await promoteBackAndConfirm(deps, original, result)
    }
  } finally {
    if (switched) {
      try {
        result.maintenanceOff = await maintenanceOff(maintenance)
      } catch (err) {
        result.problem ??= `switching maintenance off failed: ${(err as Error).message}`
      }
    }
  }
  return result
}

/** Promotes the drill's add-on to DATABASE and runs the checks through DATABASE_URL. */
async function promoteAndCheck(
  deps: PromoteDeps,
  created: AddonRef,
  checks: CustomCheck[],
  result: PromoteResult
): Promise<void> {
  deps.log(`promoting ${created.name} to ${DATABASE_ATTACHMENT}`)
  await deps.platform.attach(deps.app, {
    addonName: created.name,
    name: DATABASE_ATTACHMENT,
    namespace: null
  })
  result.promoted = true
  deps.log(
    `${created.name} is now ${DATABASE_ATTACHMENT}; running the checks through ${DATABASE_ATTACHMENT}_URL`
  )
  await waitForReleasePhase(deps)
  const vars = await deps.platform.getConfigVars(deps.app)
  const url = vars[`${DATABASE_ATTACHMENT}_URL`]
  if (!url) throw new Error(`${DATABASE_ATTACHMENT}_URL is not set after the promote`)
  const runs = await deps.databases.runChecks(url, checks.length > 0 ? checks : [DEFAULT_CHECK])
  result.checks = runs.map(checkSummaryOf)
}

function checkSummaryOf(run: CheckRun): CheckSummary {
  return {
    id: `promote:${run.name}`,
    title: `${run.name} (through DATABASE_URL)`,
    status: run.problem ? 'failed' : 'passed',
    detail: run.problem ?? 'true'
  }
}

async function promoteBackAndConfirm(
  deps: PromoteDeps,
  original: AddonRef,
  result: PromoteResult
): Promise<void> {
  try {
    const holder = await promoteBack(deps.app, original, deps.platform, deps.ownership, deps.log)
    result.finalDatabaseAddon = holder
    result.promotedBack = holder === original.name
    if (!result.promotedBack) {
      result.problem ??= `DATABASE points at ${holder ?? 'nothing'}, not the original ${original.name}`
      return
    }
    deps.state.update({ promoteInProgress: false })
    await waitForReleasePhase(deps).catch((e: Error) => {
      result.problem ??= e.message
    })
    const aliasProblem = await removePromoteAlias(deps)
    if (aliasProblem) result.problem ??= aliasProblem
  } catch (err) {
    result.problem ??= `promoting the original back failed: ${(err as Error).message}`
  }
}

/**
 * Gives the original an alias attachment unless it already has another one on the app, exactly
 * as the CLI's pg:promote does (no name: Heroku picks HEROKU_POSTGRESQL_<COLOR>).
 */
async function ensureAlias(deps: PromoteDeps, original: AddonRef): Promise<void> {
  const attachments = await deps.platform.listAttachments(deps.app)
  const other = attachments.find(
    (a) => a.addon.id === original.id && a.name !== DATABASE_ATTACHMENT && !a.namespace
  )
  if (other) return
  const alias = await deps.platform.attach(deps.app, { addonName: original.name, namespace: null })
  deps.ownership.recordCreatedAlias(alias.id)
  deps.state.update({ promoteAlias: { id: alias.id, name: alias.name } })
  deps.log(
    `attached ${original.name} as ${alias.name} too: Heroku refuses to move an add-on's last attachment`
  )
}

type AliasDeps = Pick<PromoteDeps, 'app' | 'platform' | 'ownership' | 'state' | 'log'>

/**
 * Removes the alias this run gave the original; call it only once DATABASE is back on the
 * original. Returns what went wrong, with the command that fixes it.
 */
export async function removePromoteAlias(deps: AliasDeps): Promise<string | undefined> {
  const alias = deps.state.value.promoteAlias
  if (!alias) return undefined
  try {
    deps.ownership.recordCreatedAlias(alias.id)
    await deps.platform.detach(alias.id)
    deps.state.update({ promoteAlias: undefined })
    deps.log(`removed the alias ${alias.name}: the attachments of ${deps.app} are as before`)
    return undefined
  } catch (err) {
    return `removing the alias ${alias.name} failed: ${(err as Error).message}; run heroku addons:detach ${alias.name} --app ${deps.app}`
  }
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
  original: AddonRef,
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
