// Step: provision the fresh add-on the backup is restored onto, and wait until its database is
// available. Its name is saved to state before the create request, and its id after, so the
// post step can destroy it even when main dies while the request is in flight.
import { randomBytes } from 'node:crypto'
import { DrillError } from '../errors.js'
import { planShortName } from '../heroku/platform.js'
import type { NewApp } from '../heroku/apps.js'
import { HerokuApiError, type Addon } from '../heroku/types.js'
import { stillWaiting, waitFor } from '../heroku/wait.js'
import type { DrillRuntime } from '../runtime.js'
import { DRILL_ADDON_PREFIX, DRILL_ATTACHMENT_NAME } from '../safety.js'
import type { Preflight } from './preflight.js'

export interface Settle {
  resolve(): void
  reject(reason: unknown): void
}

/** A just-created add-on may lag in the API for a moment; one that stays away failed. */
const MAX_NOT_FOUND_POLLS = 10

/** `restore-drill-<app-ish>-<runId>-<attempt>-<rand4>`: recognisable, globally unique, ≤ 60 chars. */
export function drillAddonName(app: string, runId: string, attempt: string, rand: string): string {
  const appish =
    app
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 20)
      .replace(/-+$/, '') || 'app'
  const run = runId.replace(/[^A-Za-z0-9]/g, '').slice(-12) || 'local'
  const att = attempt.replace(/[^0-9]/g, '').slice(0, 3) || '1'
  return `${DRILL_ADDON_PREFIX}${appish}-${run}-${att}-${rand}`
}

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
  rt: DrillRuntime,
  pre: Preflight,
  signal: AbortSignal,
  accepted: Settle
): Promise<Addon> {
  if (pre.drillApp.create) await createDrillApp(rt, pre.drillApp.create)
  return provisionAddon(rt, pre, signal, accepted)
}

/**
 * Creates the add-on on the drill app (with `config`, Heroku's provisioning options: a fork or a
 * rollback) and waits until its database is available.
 */
export async function provisionAddon(
  rt: DrillRuntime,
  pre: Preflight,
  signal: AbortSignal,
  accepted: Settle,
  config?: Record<string, string>
): Promise<Addon> {
  const created = await createDrillAddon(rt, pre, config).then(
    (addon) => {
      accepted.resolve()
      return addon
    },
    (err: unknown) => {
      accepted.reject(err)
      throw err
    }
  )
  const ready = await waitUntilProvisioned(rt, created, signal)
  await waitUntilAvailable(rt, created, signal)
  rt.log.info(`add-on ${created.name} is available`)
  return { ...created, ...ready }
}

/** The empty app of `drill-app: auto`, saved to state before and after it is created. */
export async function createDrillApp(rt: DrillRuntime, app: NewApp): Promise<void> {
  rt.state.update({ drillApp: { name: app.name, created: false } })
  rt.log.info(
    `creating drill app ${app.name} (${app.team ? `team ${app.team}` : 'personal'}, region ${app.region})`
  )
  await rt.platform.createApp(app).catch((err: unknown) => {
    if (isDefiniteRefusal(err)) rt.state.update({ drillApp: undefined })
    throw err
  })
  rt.state.update({ drillApp: { name: app.name, created: true } })
}

/** A 4xx that is not ambiguous created nothing: nothing for the clean-up to look for. */
function isDefiniteRefusal(err: unknown): boolean {
  return err instanceof HerokuApiError && !err.ambiguous && err.status >= 400
}

async function createDrillAddon(
  rt: DrillRuntime,
  pre: Preflight,
  addonConfig?: Record<string, string>
): Promise<Addon> {
  const { config, state } = rt
  const app = pre.drillApp.name
  const name = drillAddonName(config.app, rt.runId, rt.runAttempt, randomBytes(2).toString('hex'))
  const plan = drillPlan(config.plan, pre)
  state.update({ created: { name, app } })
  rt.log.info(`creating add-on ${name} (heroku-postgresql:${plan}) as ${DRILL_ATTACHMENT_NAME}`)
  const created = await rt.platform
    .createAddon(app, {
      plan,
      name,
      attachmentName: DRILL_ATTACHMENT_NAME,
      ...(addonConfig ? { config: addonConfig } : {})
    })
    .catch((err: unknown) => {
      if (isDefiniteRefusal(err)) state.update({ created: undefined })
      throw err
    })
  state.update({ created: { id: created.id, name: created.name, app } })
  rt.log.info(`created add-on ${created.name} (${created.state})`)
  return created
}

async function waitUntilProvisioned(
  rt: DrillRuntime,
  created: Addon,
  signal: AbortSignal
): Promise<Addon> {
  let notFound = 0
  const app = rt.state.value.created?.app ?? created.app.name
  return waitFor(
    async () => {
      const addon = await rt.platform.getAddon(app, created.id)
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
      deadline: rt.deadline,
      signal,
      onProgress: (l) => rt.log.info(l)
    }
  )
}

async function waitUntilAvailable(
  rt: DrillRuntime,
  created: Addon,
  signal: AbortSignal
): Promise<void> {
  await waitFor(
    async () => {
      const status = await rt.data.waitStatus(created.id)
      if (!status) return undefined
      if (status['error?']) {
        throw new DrillError(`add-on ${created.name} failed to become available: ${status.message}`)
      }
      return status['waiting?'] ? stillWaiting({ state: status.message }) : true
    },
    {
      what: `database ${created.name} to be available`,
      deadline: rt.deadline,
      signal,
      onProgress: (l) => rt.log.info(l)
    }
  )
}
