// What a real drill would do, as a dry run found it (pure): what it would create, where, on which
// plan and major, and what it would delete. Built from preflight's reads only.
import type { DrillConfig } from '../config.js'
import type { Preflight } from '../steps/preflight.js'
import { clientVersionOf, type TargetChecked } from '../steps/target-check.js'
import { drillPlan } from '../steps/provision.js'
import { DRILL_ATTACHMENT_NAME } from '../safety.js'
import type { DryRunPlan } from './model.js'

export function dryRunPlanOf(config: DrillConfig, pre: Preflight): DryRunPlan {
  return { wouldCreate: wouldCreate(config, pre), wouldDelete: wouldDelete(config, pre) }
}

function wouldCreate(config: DrillConfig, pre: Preflight): string[] {
  const created: string[] = []
  const app = pre.drillApp
  if (pre.target) return [...captureLine(config, pre), exitDatabaseLine(config, pre.target)]
  if (app.create) {
    const owner = app.create.team
      ? `in team ${app.create.team}`
      : "in the token's own account, which is billed for it (the source app is personal)"
    const space = app.create.space ? `, space ${app.create.space}` : ''
    created.push(
      `app ${app.create.name} (drill-app: auto) ${owner}, region ${app.create.region}${space}; deleted at the end`
    )
  }
  created.push(...captureLine(config, pre))
  const major = pre.versions ? `, PostgreSQL ${pre.versions.copy}` : ''
  const how =
    config.method === 'backup' ? 'the backup restored onto it' : `a ${config.method} of the source`
  created.push(
    `add-on heroku-postgresql:${drillPlan(config.plan, pre)}${major} on app ${app.name} as ${DRILL_ATTACHMENT_NAME}, ${how}; ${config.keepDatabase ? 'kept (keep-database)' : 'destroyed at the end'}`
  )
  return created
}

function captureLine(config: DrillConfig, pre: Preflight): string[] {
  if (config.method !== 'backup' || config.backup.mode !== 'capture') return []
  return [
    `a manual backup of ${pre.source.addonName} on ${config.app}${config.keepBackup ? ' (kept: keep-backup)' : ', deleted at the end'}`
  ]
}

/** An exit drill makes nothing on Heroku but the capture: one database on the target server. */
function exitDatabaseLine(config: DrillConfig, target: TargetChecked): string {
  const { info, client } = target
  return (
    `database restore_drill_<run>_<attempt>_<random> on the target server ${info.host} (PostgreSQL ${info.serverVersion}), ` +
    `the backup downloaded to the runner and restored there with pg_restore ${clientVersionOf(client.text)}; ` +
    `${config.keepDatabase ? 'kept (keep-database)' : 'dropped at the end'}; no app or add-on on Heroku`
  )
}

function wouldDelete(config: DrillConfig, pre: Preflight): string[] {
  return [
    ...pre.stale.map(
      (a) => `stale add-on ${a.name} on ${config.app} (an earlier drill's, created ${a.created_at})`
    ),
    ...pre.staleApps.map(
      ({ app, addonNames }) =>
        `stale drill app ${app.name} (created ${app.created_at}) with ${addonNames.length ? addonNames.join(', ') : 'no add-on'}`
    )
  ]
}
