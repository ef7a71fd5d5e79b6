// JSON views of the simulator's records, shaped as Heroku's answers are.
import { existsSync, statSync } from 'node:fs'
import {
  ACCOUNT,
  GENERATION,
  SERVICE_ID,
  SERVICE_NAME,
  addonServiceJson,
  connectionLimit,
  formatBytes,
  isEssential,
  planJson,
  teamOwner,
  uuidFrom
} from '../sim-catalog.js'
import { databaseUrl, type DatabaseCredentials } from '../sim-pg.js'
import { rollbackInfo } from '../sim-protection.js'
import { followerInfo } from '../sim-followers.js'
import { SimLookups } from './lookups.js'
import {
  type AddonRec,
  type AppRec,
  type AttachmentRec,
  type ReleaseRec,
  type ScheduleRec,
  type TransferRec,
  configVarName,
  dataTime
} from './records.js'

export class SimViews extends SimLookups {
  // ---------- JSON views ----------

  appJson(app: AppRec): Record<string, unknown> {
    return {
      id: app.id,
      name: app.name,
      maintenance: app.maintenance,
      acm: false,
      archived_at: null,
      build_stack: { id: uuidFrom('stack:heroku-24'), name: 'heroku-24' },
      stack: { id: uuidFrom('stack:heroku-24'), name: 'heroku-24' },
      buildpack_provided_description: null,
      generation: GENERATION,
      created_at: app.createdAt,
      updated_at: app.updatedAt,
      released_at: app.updatedAt,
      git_url: `https://git.heroku.com/${app.name}.git`,
      web_url: `https://${app.name}.herokuapp.com/`,
      owner: app.team ? teamOwner(app.team.name) : { id: ACCOUNT.id, email: ACCOUNT.email },
      organization: app.team,
      team: app.team,
      space: null,
      internal_routing: null,
      region: app.region,
      repo_size: null,
      slug_size: null
    }
  }

  addonJson(addon: AddonRec, expandPlan: boolean): Record<string, unknown> {
    const app = this.apps.get(addon.appId)
    const attachments = this.addonAttachments(addon)
    const plan = expandPlan ? planJson(addon.plan) : { id: addon.plan.id, name: addon.plan.name }
    return {
      id: addon.id,
      name: addon.name,
      state: addon.state,
      actions: [],
      addon_service: expandPlan ? addonServiceJson() : { id: SERVICE_ID, name: SERVICE_NAME },
      app: { id: app?.id, name: app?.name },
      billing_entity: { id: app?.id, name: app?.name, type: 'app' },
      billed_price: { cents: addon.plan.cents, contract: false, unit: 'month' },
      config_vars: attachments.map((a) => configVarName(a)),
      plan,
      provider_id: addon.creds?.database ?? null,
      created_at: addon.createdAt,
      updated_at: addon.updatedAt,
      web_url: `https://data.heroku.com/datastores/${addon.id}`
    }
  }

  attachmentJson(
    att: AttachmentRec,
    include: { plan: boolean; configVars: boolean }
  ): Record<string, unknown> {
    const addon = this.addons.get(att.addonId)
    const app = this.apps.get(att.appId)
    const billing = addon ? this.apps.get(addon.appId) : undefined
    const addonView: Record<string, unknown> = {
      id: addon?.id,
      name: addon?.name,
      app: { id: billing?.id, name: billing?.name }
    }
    if (include.plan && addon) addonView.plan = { id: addon.plan.id, name: addon.plan.name }
    const out: Record<string, unknown> = {
      id: att.id,
      name: att.name,
      namespace: att.namespace,
      addon: addonView,
      app: { id: app?.id, name: app?.name },
      created_at: att.createdAt,
      updated_at: att.updatedAt,
      web_url: addon ? `https://data.heroku.com/datastores/${addon.id}` : null,
      log_input_url: null
    }
    if (include.configVars) out.config_vars = [configVarName(att)]
    return out
  }

  configVars(app: AppRec): Record<string, string> {
    const vars: Record<string, string> = {}
    const sorted = this.appAttachments(app).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    for (const att of sorted) {
      const addon = this.addons.get(att.addonId)
      // The config var is set once the database is provisioned.
      if (addon && addon.state === 'provisioned' && addon.creds)
        vars[configVarName(att)] = this.addonUrl(addon)!
    }
    return vars
  }

  releaseJson(r: ReleaseRec): Record<string, unknown> {
    const app = this.apps.get(r.appId)
    return {
      id: r.id,
      version: r.version,
      description: r.description,
      status: r.status,
      current: r === this.currentRelease(r.appId),
      app: { id: app?.id, name: app?.name },
      user: { id: ACCOUNT.id, email: ACCOUNT.email },
      addon_plan_names: [],
      artifacts: [],
      eligible_for_rollback: r.status === 'succeeded',
      slug: null,
      output_stream_url: null,
      created_at: r.createdAt,
      updated_at: r.updatedAt
    }
  }

  /** The app's newest succeeded release: the one its dynos run. */
  private currentRelease(appId: string): ReleaseRec | undefined {
    return [...this.releases].reverse().find((x) => x.appId === appId && x.status === 'succeeded')
  }

  transferName(t: TransferRec): string {
    const letter =
      t.toType === 'pg_restore'
        ? t.fromType === 'pg_dump'
          ? 'c'
          : 'r'
        : t.scheduleUuid
          ? 'a'
          : 'b'
    return letter + String(t.num).padStart(3, '0')
  }

  transferJson(t: TransferRec, verbose: boolean): Record<string, unknown> {
    let processed = t.processedBytes
    if (!t.finishedAt && t.kind === 'capture' && t.file && existsSync(t.file)) {
      processed = statSync(t.file).size
    }
    const out: Record<string, unknown> = {
      uuid: t.uuid,
      num: t.num,
      from_name: t.fromName,
      from_type: t.fromType,
      from_url: t.fromUrl,
      to_name: t.toName,
      to_type: t.toType,
      to_url: t.toUrl,
      options: {},
      source_bytes: t.sourceBytes,
      processed_bytes: processed,
      // A running transfer has succeeded: null, not false.
      succeeded: t.finishedAt ? t.succeeded : null,
      warnings: t.warnings,
      num_keep: t.numKeep,
      created_at: dataTime(t.createdAt),
      started_at: dataTime(t.startedAt),
      finished_at: dataTime(t.finishedAt),
      canceled_at: dataTime(t.canceledAt),
      updated_at: dataTime(t.updatedAt),
      deleted_at: dataTime(t.deletedAt),
      purged_at: null
    }
    if (t.scheduleUuid) out.schedule = { uuid: t.scheduleUuid }
    if (verbose) out.logs = t.logs.map((l) => ({ ...l, created_at: dataTime(l.created_at) }))
    return out
  }

  scheduleJson(s: ScheduleRec): Record<string, unknown> {
    return {
      uuid: s.uuid,
      name: s.name,
      hour: s.hour,
      days: s.days,
      timezone: s.timezone,
      retain_weeks: null,
      retain_months: null,
      created_at: dataTime(s.createdAt),
      updated_at: dataTime(s.updatedAt),
      deleted_at: null
    }
  }

  async databaseInfoJson(
    addon: AddonRec,
    creds: DatabaseCredentials
  ): Promise<Record<string, unknown>> {
    const stats = await this.pgFor(creds).databaseStats(creds.database)
    const size = formatBytes(stats.bytes)
    const version = stats.version.split(' ')[0]
    const major = version.split('.')[0]
    const follow = followerInfo(this, addon)
    return {
      addon_id: addon.id,
      name: addon.name,
      plan: addon.plan.human_name,
      created_at: dataTime(addon.createdAt),
      info: [
        { name: 'Plan', values: [addon.plan.human_name] },
        { name: 'Status', values: ['Available'] },
        { name: 'Data Size', values: [`${size}`] },
        { name: 'Tables', values: [stats.tables] },
        { name: 'PG Version', values: [version] },
        { name: 'Connections', values: [`${stats.connections}/${connectionLimit(addon.plan)}`] },
        { name: 'Connection Pooling', values: ['Available'] },
        { name: 'Credentials', values: [1] },
        ...this.protectionInfo(addon, creds),
        {
          name: 'Created',
          values: [addon.createdAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')]
        },
        { name: 'Maintenance', values: ['not required'] },
        ...follow.rows
      ],
      num_bytes: stats.bytes,
      num_connections: stats.connections,
      num_connections_waiting: 0,
      // Essential-tier databases answer without these three.
      ...(isEssential(addon.plan)
        ? {}
        : {
            num_tables: stats.tables,
            postgres_version: `${major}`,
            database_password: creds.password
          }),
      resource_url: this.addonUrl(addon) ?? databaseUrl(creds),
      database_name: creds.database,
      database_user: creds.user,
      'waiting?': false,
      following: follow.following,
      leader: null,
      followers: [],
      forked_from: addon.recovery?.sourceName ?? null,
      hot_standby: false,
      is_in_recovery: false,
      maintenance_window: null
    }
  }

  /** The info[] lines about Continuous Protection, and where a fork or rollback came from. */
  private protectionInfo(
    addon: AddonRec,
    creds: DatabaseCredentials
  ): { name: string; values: string[] }[] {
    const from: { name: string; values: string[] }[] = addon.recovery
      ? [
          {
            name: addon.recovery.kind === 'fork' ? 'Forked From' : 'Rollback of',
            values: [addon.recovery.sourceName]
          }
        ]
      : []
    if (!this.protection.isProtected(creds))
      return [
        { name: 'Fork/Follow', values: ['Unsupported'] },
        { name: 'Rollback', values: ['Unsupported'] },
        { name: 'Continuous Protection', values: ['Off'] },
        ...from
      ]
    const earliest = this.protection.earliestRecoverableMs(
      creds,
      addon.plan,
      addon.databaseCreatedMs ?? Date.parse(addon.createdAt),
      Date.now(),
      addon.recoveryHistoryAgeMs
    )
    return [
      { name: 'Fork/Follow', values: ['Available'] },
      { name: 'Rollback', values: [rollbackInfo(earliest)] },
      { name: 'Continuous Protection', values: ['On'] },
      ...from
    ]
  }
}
