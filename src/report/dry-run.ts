// What a real drill would do, as a dry run found it (pure): what it would create, where, on which
// plan and major, and what it would delete. Built from preflight's reads only.
import type { DrillConfig } from '../config.js'
import type { Preflight } from '../steps/preflight.js'
import { drillPlan } from '../steps/provision.js'
import { DRILL_ATTACHMENT_NAME } from '../safety.js'
import type { DryRunPlan } from './model.js'

export function dryRunPlanOf(config: DrillConfig, pre: Preflight): DryRunPlan {
  return { wouldCreate: wouldCreate(config, pre), wouldDelete: wouldDelete(config, pre) }
}

function wouldCreate(config: DrillConfig, pre: Preflight): string[] {
  const created: string[] = []
  const app = pre.drillApp
  if (app.create) {
    const owner = app.create.team
      ? `in team ${app.create.team}`
      : "in the token's own account, which is billed for it (the source app is personal)"
    const space = app.create.space ? `, space ${app.create.space}` : ''
    created.push(
      `app ${app.create.name} (drill-app: auto) ${owner}, region ${app.create.region}${space}; deleted at the end`
    )
  }
  if (config.method === 'backup' && config.backup.mode === 'capture')
    created.push(
      `a manual backup of ${pre.source.addonName} on ${config.app}${config.keepBackup ? ' (kept: keep-backup)' : ', deleted at the end'}`
    )
  const major = pre.versions ? `, PostgreSQL ${pre.versions.copy}` : ''
  const how =
    config.method === 'backup' ? 'the backup restored onto it' : `a ${config.method} of the source`
  created.push(
    `add-on heroku-postgresql:${drillPlan(config.plan, pre)}${major} on app ${app.name} as ${DRILL_ATTACHMENT_NAME}, ${how}; ${config.keepDatabase ? 'kept (keep-database)' : 'destroyed at the end'}`
  )
  return created
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
