// Step: provision the fresh add-on the backup is restored onto, and wait until its database is
// available. Its name is saved to state before the create request, and its id after, so the
// post step can destroy it even when main dies while the request is in flight.
import { flatten } from '../untrusted.js'
import { randomBytes } from 'node:crypto'
import { DrillError } from '../errors.js'
import { planShortName } from '../heroku/platform.js'
import type { NewApp } from '../heroku/apps.js'
import { HerokuApiError, type Addon } from '../heroku/types.js'
import { stillWaiting, waitFor } from '../heroku/wait.js'
import type { DrillConfig } from '../config.js'
import type { DataApi } from '../heroku/data.js'
import type { PlatformApi } from '../heroku/platform.js'
import type { DrillState } from '../state.js'
import type { StepLog } from './deps.js'
import { DRILL_ATTACHMENT_NAME, drillAddonName } from '../safety.js'
import type { Preflight } from './preflight.js'

/** What creating the drill app and the fresh add-on needs. */
export interface ProvisionDeps {
  config: Pick<DrillConfig, 'app' | 'plan' | 'keepDatabase'>
  platform: PlatformApi
  data: DataApi
  state: DrillState
  log: StepLog
  deadline: Date
  runId: string
  runAttempt: string
}

export interface Settle {
  resolve(): void
  reject(reason: unknown): void
}

/** A just-created add-on may lag in the API for a moment; one that stays away failed. */
const MAX_NOT_FOUND_POLLS = 10

/** The plan of the fresh add-on: the source's with `plan: same`. */
export function drillPlan(configPlan: string, pre: Preflight): string {
  const plan = planShortName(configPlan === 'same' ? pre.source.plan : configPlan)
  if (!plan)
    throw new DrillError(`the plan of ${pre.source.addonName} is unknown: set the plan input`)
  return plan
}

/**
 * Creates the add-on and waits until its database is available. `accepted` settles as soon as
 * Heroku has answered the create request: resolved when it accepted it, rejected when it refused.
 */
export async function provisionDrillAddon(
  deps: ProvisionDeps,
  pre: Preflight,
  signal: AbortSignal,
  accepted: Settle
): Promise<Addon> {
  if (pre.drillApp.create) await createDrillApp(deps, pre.drillApp.create)
  return provisionAddon(deps, pre, signal, accepted)
}

/**
 * Creates the add-on on the drill app (with `config`, Heroku's provisioning options: a fork or a
 * rollback) and waits until its database is available.
 */
export async function provisionAddon(
  deps: ProvisionDeps,
  pre: Preflight,
  signal: AbortSignal,
  accepted: Settle,
  config?: Record<string, string>
): Promise<Addon> {
  const created = await createDrillAddon(deps, pre, config).then(
    (addon) => {
      accepted.resolve()
      return addon
    },
    (err: unknown) => {
      accepted.reject(err)
      throw err
    }
  )
  const ready = await waitUntilProvisioned(deps, created, signal)
  await waitUntilAvailable(deps, created, signal)
  deps.log.info(`add-on ${created.name} is available`)
  return { ...created, ...ready }
}

/** The empty app of `drill-app: auto`, saved to state before and after it is created. */
export async function createDrillApp(deps: ProvisionDeps, app: NewApp): Promise<void> {
  deps.state.update({ drillApp: { name: app.name, created: false } })
  deps.log.info(
    `creating drill app ${app.name} (${app.team ? `team ${app.team}` : 'personal'}, region ${app.region})`
  )
  await deps.platform.createApp(app).catch((err: unknown) => {
    if (isDefiniteRefusal(err)) deps.state.update({ drillApp: undefined })
    throw err
  })
  deps.state.update({ drillApp: { name: app.name, created: true } })
}

/** A 4xx that is not ambiguous created nothing: nothing for the clean-up to look for. */
function isDefiniteRefusal(err: unknown): boolean {
  return err instanceof HerokuApiError && !err.ambiguous && err.status >= 400
}

async function createDrillAddon(
  deps: ProvisionDeps,
  pre: Preflight,
  addonConfig?: Record<string, string>
): Promise<Addon> {
  const { config, state } = deps
  const app = pre.drillApp.name
  const name = drillAddonName(
    config.app,
    deps.runId,
    deps.runAttempt,
    randomBytes(2).toString('hex'),
    config.keepDatabase
  )
  const plan = drillPlan(config.plan, pre)
  state.update({ created: { name, app } })
  const major = addonConfig ? '' : pre.versions ? `, PostgreSQL ${pre.versions.copy}` : ''
  deps.log.info(
    `creating add-on ${name} (heroku-postgresql:${plan}${major}) as ${DRILL_ATTACHMENT_NAME}`
  )
  const created = await deps.platform
    .createAddon(app, {
      plan,
      name,
      attachmentName: DRILL_ATTACHMENT_NAME,
      ...provisioningConfig(pre, addonConfig)
    })
    .catch((err: unknown) => {
      if (isDefiniteRefusal(err)) state.update({ created: undefined })
      throw err
    })
  state.update({ created: { id: created.id, name: created.name, app } })
  deps.log.info(`created add-on ${created.name} (${created.state})`)
  return created
}

/**
 * Heroku's provisioning options: a fork's or rollback's own (the copy of the source's server), else
 * the major preflight chose, so the copy is not on Heroku's default major (heroku-api.md §19.4).
 */
function provisioningConfig(
  pre: Preflight,
  addonConfig?: Record<string, string>
): { config?: Record<string, string> } {
  if (addonConfig) return { config: addonConfig }
  return pre.versions ? { config: { version: String(pre.versions.copy) } } : {}
}

async function waitUntilProvisioned(
  deps: ProvisionDeps,
  created: Addon,
  signal: AbortSignal
): Promise<Addon> {
  let notFound = 0
  const app = deps.state.value.created?.app ?? created.app.name
  return waitFor(
    async () => {
      const addon = await deps.platform.getAddon(app, created.id)
      if (!addon) {
        if (++notFound > MAX_NOT_FOUND_POLLS) {
          throw new DrillError(`add-on ${created.name} disappeared while provisioning`)
        }
        return undefined
      }
      if (addon.state === 'deprovisioned' || addon.state === 'deprovisioning') {
        throw new DrillError(
          `add-on ${created.name} could not be provisioned (state ${addon.state})`
        )
      }
      return addon.state === 'provisioning' ? stillWaiting({ state: addon.state }) : addon
    },
    {
      what: `add-on ${created.name} to be provisioned`,
      deadline: deps.deadline,
      signal,
      onProgress: (l) => deps.log.info(l)
    }
  )
}

/** 404s on wait_status tolerated while provisioning (the CLI's data:pg:wait allows 20). */
export const MAX_WAIT_STATUS_NOT_FOUND = 20

async function waitUntilAvailable(
  deps: ProvisionDeps,
  created: Addon,
  signal: AbortSignal
): Promise<void> {
  let notFound = 0
  await waitFor(
    async () => {
      const status = await deps.data.waitStatus(created.id)
      // As the CLI's data:pg:wait: a 404 is tolerated a few times while provisioning, no more.
      if (!status) {
        if (++notFound > MAX_WAIT_STATUS_NOT_FOUND) {
          throw new DrillError(
            `database ${created.name} answered 404 on wait_status ${notFound} times: Heroku does not report its availability (a Postgres Advanced database?)`
          )
        }
        return undefined
      }
      if (status['error?']) {
        throw new DrillError(
          `add-on ${created.name} failed to become available: ${flatten(String(status.message))}`
        )
      }
      return status['waiting?'] ? stillWaiting({ state: flatten(String(status.message)) }) : true
    },
    {
      what: `database ${created.name} to be available`,
      deadline: deps.deadline,
      signal,
      onProgress: (l) => deps.log.info(l)
    }
  )
}
