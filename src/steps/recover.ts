// Step (method fork / rollback): Heroku's Continuous Protection makes the copy. The add-on is
// created on the drill app with `config: {fork: …}` or `{rollback: …, to: …}`; Heroku recovers it
// from physical backups and WAL, and its provisioning is the restore: the time from the create
// request until the database is available is the restore time.
import { secondsBetween } from '../duration.js'
import { formatDuration, formatUtc } from '../format.js'
import type { Addon } from '../heroku/types.js'
import type { Preflight } from './preflight.js'
import { provisionAddon, type ProvisionDeps, type Settle } from './provision.js'
import type { RecoveryPlan } from '../rules/recovery-plan.js'
import type { RestoreResult } from './restore.js'

/** Heroku's provisioning options for the copy; the source is named as `<app>::<config var>`. */
export function recoveryConfig(
  app: string,
  pre: Pick<Preflight, 'source'>,
  recovery: RecoveryPlan
): Record<string, string> {
  const source = `${app}::${pre.source.configVar}`
  if (recovery.method === 'fork') return { fork: source }
  return { rollback: source, to: formatUtc(recovery.targetTime!) }
}

/** A fork or rollback is an add-on provisioned with options: it needs what provisioning needs. */
export type RecoverDeps = ProvisionDeps

export async function recoverCopy(
  deps: RecoverDeps,
  pre: Preflight,
  recovery: RecoveryPlan,
  signal: AbortSignal,
  accepted: Settle
): Promise<{ addon: Addon; restore: RestoreResult }> {
  const config = recoveryConfig(deps.config.app, pre, recovery)
  deps.log.info(describeRecovery(pre, recovery))
  const startMs = Date.now()
  const addon = await provisionAddon(deps, pre, signal, accepted, config)
  const seconds = secondsBetween(startMs, Date.now())
  deps.log.info(
    `${recovery.method} ${addon.name} was ready ${formatDuration(seconds)} after it was asked for`
  )
  return { addon, restore: { seconds, logs: [] } }
}

function describeRecovery(pre: Preflight, recovery: RecoveryPlan): string {
  const from = `${pre.source.addonName} (${pre.source.configVar})`
  const earliest = recovery.earliest ? `; earliest recoverable ${formatUtc(recovery.earliest)}` : ''
  if (recovery.method === 'fork')
    return `forking ${from} as it is now, from physical backups and WAL${earliest}`
  return `rolling ${from} back to ${formatUtc(recovery.targetTime!)}, from physical backups and WAL${earliest}`
}
