// The simulator's world: apps, heroku-postgresql add-ons (each a real database), attachments and
// releases, with JSON views shaped as Heroku's answers are. Transfers and schedules are
// run by SimState (sim-state.ts), built on this.
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import type { FaultBoard } from './sim-faults.js'
import type { BackupLimits } from './sim-rotation.js'
import { SimHttpError, invalidParams, notFound } from './sim-http.js'
import { followedLeader, followerInfo } from './sim-followers.js'
import {
  applyDamage,
  databaseUrl,
  type DamageFault,
  type DatabaseCredentials,
  type SimPostgres
} from './sim-pg.js'
import {
  ContinuousProtection,
  hasContinuousProtection,
  isRefusal,
  recoveryPlan,
  rollbackInfo,
  type RecoveryPlan,
  type RecoverySource
} from './sim-protection.js'
import {
  ACCOUNT,
  GENERATION,
  REGION,
  SERVICE_ID,
  SERVICE_NAME,
  addonServiceJson,
  connectionLimit,
  formatBytes,
  isEssential,
  planJson,
  teamOwner,
  uuidFrom,
  type PlanRec
} from './sim-catalog.js'

export interface AppRec {
  id: string
  name: string
  maintenance: boolean
  createdAt: string
  updatedAt: string
  nextTransferNum: number
  nextReleaseVersion: number
  /** Seconds a release phase takes; null: the app has no `release` process. */
  releasePhaseSeconds: number | null
  region: { id: string; name: string }
  /** The team the app belongs to; null for a personal app. */
  team: { id: string; name: string } | null
}

export interface AddonRec {
  id: string
  name: string
  appId: string
  plan: PlanRec
  state: 'provisioning' | 'provisioned' | 'deprovisioning' | 'deprovisioned'
  createdAt: string
  updatedAt: string
  config: Record<string, unknown>
  creds?: DatabaseCredentials
  failProvision: boolean
  /** When its database was created (ms); a rollback cannot go back before it. */
  databaseCreatedMs?: number
  /** A fork or rollback: what it copies, and how far the recovery is (for wait_status). */
  recovery?: RecoveryPlan & { message: string }
  /** Why provisioning failed (no secrets), for wait_status. */
  provisionError?: string
  /** A follower (`config: {follow: …}`): the leader's add-on id (sim-followers.ts). */
  leaderId?: string
}

export interface AttachmentRec {
  id: string
  name: string
  namespace: string | null
  addonId: string
  appId: string
  createdAt: string
  updatedAt: string
}

export interface ReleaseRec {
  id: string
  version: number
  appId: string
  description: string
  /** pending while a release phase runs, then succeeded or failed. */
  status: 'pending' | 'succeeded' | 'failed'
  createdAt: string
  updatedAt: string
}

export interface LogLine {
  created_at: string
  level: string
  message: string
}

export interface TransferRec {
  uuid: string
  num: number
  appId: string
  kind: 'capture' | 'restore'
  fromType: string
  toType: string
  fromName: string
  toName: string
  fromUrl: string
  toUrl: string
  sourceAddonId?: string
  targetAddonId?: string
  scheduleUuid?: string
  file?: string
  /** null until the transfer starts; a restore keeps it null (as Heroku's do). */
  sourceBytes: number | null
  processedBytes: number
  /** How many manual backups of the source are kept (older ones are evicted). */
  numKeep: number
  /** Meaningful once finishedAt is set; answered as null before. */
  succeeded: boolean
  warnings: number
  createdAt: string
  /** null until the transfer has started (the POST answer has none). */
  updatedAt: string | null
  startedAt: string | null
  finishedAt: string | null
  canceledAt: string | null
  deletedAt: string | null
  logs: LogLine[]
  kill?: () => void
  /** Resolves when the transfer has finished (any outcome). */
  done: Promise<void>
}

export interface ScheduleRec {
  uuid: string
  appId: string
  name: string
  hour: number
  timezone: string
  days: string[]
  createdAt: string
  updatedAt: string
  /** Local date (in the schedule's time zone) of the last scheduled capture. */
  lastRunDate?: string
}

export interface StateOptions {
  pg: SimPostgres
  faults: FaultBoard
  dumpDir: string
  baseUrl: () => string
  provisionDelaySeconds: number
  deprovisionDelaySeconds: number
  captureDelaySeconds: number
  restoreDelaySeconds: number
  /** Every secret known so far (passwords, URLs) for redaction. */
  secrets: Set<string>
  /** Manual backups kept per plan tier (default: manualBackupsKept). */
  backupLimits?: BackupLimits
}

const COLORS = [
  'AMBER',
  'AQUA',
  'BLACK',
  'BLUE',
  'BRONZE',
  'BROWN',
  'CHARCOAL',
  'COBALT',
  'COPPER',
  'CRIMSON',
  'CYAN',
  'GOLD',
  'GRAY',
  'GREEN',
  'IVORY',
  'JADE',
  'LIME',
  'MAROON',
  'MAUVE',
  'NAVY',
  'OLIVE',
  'ONYX',
  'ORANGE',
  'PINK',
  'PUCE',
  'PURPLE',
  'RED',
  'ROSE',
  'SILVER',
  'TEAL',
  'WHITE',
  'YELLOW'
]
const ADJECTIVES = [
  'amorphous',
  'angular',
  'clean',
  'concave',
  'convex',
  'cubic',
  'curved',
  'flat',
  'octagonal',
  'opaque',
  'parallel',
  'perpendicular',
  'polished',
  'rectangular',
  'round',
  'shallow',
  'sinuous',
  'slippery',
  'solid',
  'spherical',
  'symmetrical',
  'transparent',
  'triangular',
  'vertical'
]
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
/** The schema's app name: 3-30 characters, lowercase letters, digits and dashes, from a letter. */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/
export const ADDON_NAME_PATTERN = /^[a-zA-Z][A-Za-z0-9_-]+$/
const ATTACHMENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/

/** Platform API times are whole-second ISO 8601 (`2018-01-09T19:16:26Z`); kept so inside too. */
export const iso = (ms = Date.now()): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')

/** Data API times look like `2020-12-13 16:22:40 +0000`. */
export function dataTime(isoTime: string): string
export function dataTime(isoTime: string | null): string | null
export function dataTime(isoTime: string | null): string | null {
  if (isoTime === null) return null
  const whole = iso(Date.parse(isoTime))
  return `${whole.slice(0, 10)} ${whole.slice(11, 19)} +0000`
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref())

/** An attachment's config var: its name upper-cased, plus `_URL` (`svs_lower` → `SVS_LOWER_URL`). */
export function configVarName(att: { name: string }): string {
  return `${att.name.toUpperCase()}_URL`
}

export interface CreateAddonRequest {
  plan: PlanRec
  name?: string
  attachmentName?: string
  /** `{fork}`, `{rollback, to}` or `{rollback, by}` make a fork or rollback copy. */
  config?: Record<string, unknown>
  confirm?: string
  /** Ready at once, whatever the provisioning delay (the app's own DATABASE). */
  immediate?: boolean
}

export class SimWorld {
  readonly apps = new Map<string, AppRec>()
  readonly addons = new Map<string, AddonRec>()
  readonly attachments = new Map<string, AttachmentRec>()
  readonly releases: ReleaseRec[] = []
  readonly transfers = new Map<string, TransferRec>()
  readonly schedules = new Map<string, ScheduleRec>()
  protected readonly timers = new Set<NodeJS.Timeout>()
  /** Every database ever created, dropped again by close(). */
  protected readonly created = new Set<DatabaseCredentials>()
  protected closing = false
  /** The Continuous-Protection cluster and the recovered copies (forks, rollbacks). */
  readonly protection: ContinuousProtection

  constructor(readonly o: StateOptions) {
    this.protection = new ContinuousProtection(o.pg.binDir, o.secrets)
  }

  /** The server that holds a database: the Continuous-Protection cluster, a copy, or the main one. */
  pgFor(creds: DatabaseCredentials): SimPostgres {
    return this.protection.serverOnPort(creds.port) ?? this.o.pg
  }

  // ---------- lookups ----------

  findApp(idOrName: string): AppRec {
    for (const a of this.apps.values()) if (a.id === idOrName || a.name === idOrName) return a
    throw notFound(`Couldn't find that app.`)
  }

  /** Live add-ons (not deprovisioned) by id or name. */
  findAddon(idOrName: string, opts: { includeGone?: boolean } = {}): AddonRec {
    for (const a of this.addons.values()) {
      if (
        (a.id === idOrName || a.name === idOrName) &&
        (opts.includeGone || a.state !== 'deprovisioned')
      )
        return a
    }
    throw notFound(`Couldn't find that add-on.`)
  }

  appAddons(app: AppRec): AddonRec[] {
    return [...this.addons.values()].filter(
      (a) => a.appId === app.id && a.state !== 'deprovisioned'
    )
  }

  appAttachments(app: AppRec): AttachmentRec[] {
    return [...this.attachments.values()].filter((a) => a.appId === app.id)
  }

  addonAttachments(addon: AddonRec): AttachmentRec[] {
    return [...this.attachments.values()].filter((a) => a.addonId === addon.id)
  }

  /** Database of a provisioned add-on; 404 as the data API answers for a database not (yet) there. */
  readyDatabase(addonId: string): { addon: AddonRec; creds: DatabaseCredentials } {
    let addon: AddonRec
    try {
      addon = this.findAddon(addonId)
    } catch {
      throw notFound(`Couldn't find database ${addonId}.`)
    }
    if (addon.state !== 'provisioned' || !addon.creds)
      throw notFound(`Database ${addon.name} is not yet provisioned.`)
    return { addon, creds: addon.creds }
  }

  addonUrl(addon: AddonRec): string | undefined {
    return addon.creds ? databaseUrl(addon.creds) : undefined
  }

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
        vars[configVarName(att)] = databaseUrl(addon.creds)
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
      resource_url: databaseUrl(creds),
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
      addon.databaseCreatedMs ?? Date.parse(addon.createdAt)
    )
    return [
      { name: 'Fork/Follow', values: ['Available'] },
      { name: 'Rollback', values: [rollbackInfo(earliest)] },
      { name: 'Continuous Protection', values: ['On'] },
      ...from
    ]
  }

  // ---------- apps, releases ----------

  createAppRecord(
    name: string,
    place: { region?: AppRec['region']; team?: AppRec['team'] } = {}
  ): AppRec {
    if (name.length < 3 || name.length > 30)
      throw invalidParams('Name must be between 3 and 30 characters long.')
    if (!APP_NAME_PATTERN.test(name))
      throw invalidParams(
        'Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.'
      )
    for (const a of this.apps.values())
      if (a.name === name) throw invalidParams('Name is already taken')
    const now = iso()
    const app: AppRec = {
      id: randomUUID(),
      name,
      maintenance: false,
      createdAt: now,
      updatedAt: now,
      nextTransferNum: 1,
      nextReleaseVersion: 1,
      releasePhaseSeconds: null,
      region: place.region ?? REGION,
      team: place.team ?? null
    }
    this.apps.set(app.id, app)
    this.addRelease(app, 'Initial release')
    return app
  }

  /** A new release; with a `release` process it stays pending while its release phase runs. */
  addRelease(app: AppRec, description: string): void {
    const now = iso()
    const release: ReleaseRec = {
      id: randomUUID(),
      version: app.nextReleaseVersion++,
      appId: app.id,
      description,
      status: app.releasePhaseSeconds === null ? 'succeeded' : 'pending',
      createdAt: now,
      updatedAt: now
    }
    this.releases.push(release)
    app.updatedAt = now
    if (release.status === 'pending') this.runReleasePhase(release, app.releasePhaseSeconds ?? 0)
  }

  private runReleasePhase(release: ReleaseRec, seconds: number): void {
    const fail = this.o.faults.takeOne(
      (f) =>
        f.kind === 'release-fail' &&
        (!f.description || new RegExp(f.description).test(release.description))
    )
    this.later(Math.max(1, seconds * 1000), () => {
      release.status = fail ? 'failed' : 'succeeded'
      release.updatedAt = iso()
      if (fail) this.o.faults.record(fail, `release phase of v${release.version} failed`)
    })
  }

  // ---------- add-ons and attachments ----------

  private uniqueAddonName(): string {
    for (;;) {
      const adj = ADJECTIVES[Math.floor(Math.random() * ADJECTIVES.length)]
      const name = `postgresql-${adj}-${10000 + Math.floor(Math.random() * 90000)}`
      if (![...this.addons.values()].some((a) => a.name === name)) return name
    }
  }

  private autoAttachmentName(app: AppRec): string {
    const taken = new Set(this.appAttachments(app).map((a) => a.name))
    if (!taken.has('DATABASE')) return 'DATABASE'
    const free = COLORS.filter((c) => !taken.has(`HEROKU_POSTGRESQL_${c}`))
    if (free.length === 0)
      return `HEROKU_POSTGRESQL_${randomBytes(3).toString('hex').toUpperCase()}`
    return `HEROKU_POSTGRESQL_${free[Math.floor(Math.random() * free.length)]}`
  }

  /**
   * Attaches `addon` to `app` as `name` (chosen when absent). An existing attachment of that name
   * is replaced only with `confirm` equal to the app name (422 confirmation_required otherwise).
   */
  attach(
    addon: AddonRec,
    app: AppRec,
    req: { name?: string; namespace?: string | null; confirm?: string }
  ): AttachmentRec {
    const name = req.name ?? this.autoAttachmentName(app)
    if (!ATTACHMENT_NAME_PATTERN.test(name))
      throw invalidParams(
        `Name must start with a letter and can only contain letters, digits and underscores.`
      )
    const namespace = req.namespace ?? null
    const existing = this.appAttachments(app).find(
      (a) => a.name === name && a.namespace === namespace
    )
    if (existing) {
      if (existing.addonId === addon.id) return existing
      if (req.confirm !== app.name) {
        throw new SimHttpError(
          422,
          'confirmation_required',
          `This action will replace the ${name} attachment of ${app.name}: ${name.toUpperCase()}_URL will point at ${addon.name}. To proceed, confirm with the app name.`
        )
      }
      const old = this.addons.get(existing.addonId)
      this.attachments.delete(existing.id)
      this.addRelease(app, `Detach ${name} (@ref:${old?.name ?? 'unknown'})`)
    }
    const now = iso()
    const att: AttachmentRec = {
      id: randomUUID(),
      name,
      namespace,
      addonId: addon.id,
      appId: app.id,
      createdAt: now,
      updatedAt: now
    }
    this.attachments.set(att.id, att)
    this.addRelease(app, `Attach ${name} (@ref:${addon.name})`)
    return att
  }

  detach(att: AttachmentRec): void {
    const app = this.apps.get(att.appId)
    const addon = this.addons.get(att.addonId)
    this.attachments.delete(att.id)
    if (app) this.addRelease(app, `Detach ${att.name} (@ref:${addon?.name ?? 'unknown'})`)
  }

  async createAddon(
    app: AppRec,
    req: CreateAddonRequest
  ): Promise<{ addon: AddonRec; attachment: AttachmentRec }> {
    const receivedMs = Date.now()
    this.checkCreate(app, req)
    const recovery = this.checkRecovery(app, req, receivedMs)
    const leader = followedLeader(this, app, req.config, req.plan)
    const failFault = req.immediate
      ? undefined
      : this.o.faults.takeOne((f) => f.kind === 'provision-fail')
    const now = iso()
    const addon: AddonRec = {
      id: randomUUID(),
      name: req.name ?? this.uniqueAddonName(),
      appId: app.id,
      plan: req.plan,
      state: 'provisioning',
      createdAt: now,
      updatedAt: now,
      config: req.config ?? {},
      failProvision: failFault !== undefined,
      recovery: recovery && { ...recovery, message: 'preparing' },
      ...(leader ? { leaderId: leader.id } : {})
    }
    if (!addon.failProvision && !recovery) {
      // Standard tier and up live on the Continuous-Protection cluster; Essential on the main server.
      const server = hasContinuousProtection(req.plan)
        ? await this.protection.protectedServer()
        : this.o.pg
      const creds = await server.createDatabase({ connectionLimit: connectionLimit(req.plan) })
      this.holdCredentials(addon, creds)
    }
    this.addons.set(addon.id, addon)
    const attachment = this.attach(addon, app, { name: req.attachmentName, confirm: req.confirm })
    const finish = (): void => {
      if (this.closing || addon.state !== 'provisioning') return
      if (addon.failProvision) {
        this.failProvisioning(addon, 'the database could not be created')
        if (failFault) this.o.faults.record(failFault, `add-on ${addon.name} failed to provision`)
      } else if (addon.recovery) void this.provisionCopy(addon, app)
      else this.markProvisioned(addon, app)
    }
    // Heroku provisions Postgres asynchronously: the create answers `provisioning`.
    if (req.immediate) finish()
    else this.later(Math.max(this.provisionDelayMs(addon), 1), finish)
    return { addon, attachment }
  }

  private holdCredentials(addon: AddonRec, creds: DatabaseCredentials): void {
    this.created.add(creds)
    this.o.secrets.add(creds.password)
    this.o.secrets.add(databaseUrl(creds))
    addon.creds = creds
    addon.databaseCreatedMs = Date.now()
  }

  /** The add-on's name and attachment name are valid, and a replaced attachment is confirmed. */
  private checkCreate(app: AppRec, req: CreateAddonRequest): void {
    if (req.name !== undefined) {
      if (!ADDON_NAME_PATTERN.test(req.name) || req.name.length > 256)
        throw invalidParams(`Name must match ${ADDON_NAME_PATTERN.source}.`)
      if ([...this.addons.values()].some((a) => a.name === req.name && a.state !== 'deprovisioned'))
        throw invalidParams(`Name is already taken: ${req.name}`)
    }
    if (req.attachmentName !== undefined && !ATTACHMENT_NAME_PATTERN.test(req.attachmentName))
      throw invalidParams(
        'Attachment name must start with a letter and can only contain letters, digits and underscores.'
      )
    const existing =
      req.attachmentName !== undefined &&
      this.appAttachments(app).find((a) => a.name === req.attachmentName && a.namespace === null)
    if (existing && req.confirm !== app.name) {
      throw new SimHttpError(
        422,
        'confirmation_required',
        `This action will replace the ${req.attachmentName} attachment of ${app.name}. To proceed, confirm with the app name.`
      )
    }
  }

  /** The fork or rollback the create's config asks for; 422 invalid_params when it cannot be done. */
  private checkRecovery(
    app: AppRec,
    req: CreateAddonRequest,
    receivedMs: number
  ): RecoveryPlan | undefined {
    try {
      return recoveryPlan(req.config ?? {}, req.plan, receivedMs, (ref) =>
        this.recoverySource(app, ref, receivedMs)
      )
    } catch (err) {
      if (isRefusal(err)) throw invalidParams(err.message)
      throw err
    }
  }

  /**
   * The database a fork or rollback names: `APP::CONFIG_VAR` (any app), a config var or
   * attachment name of this app, an add-on name or id, or a database URL.
   */
  private recoverySource(app: AppRec, ref: string, nowMs: number): RecoverySource | undefined {
    const live = [...this.addons.values()].filter((a) => a.state === 'provisioned' && a.creds)
    const byAttachment = (on: AppRec, name: string): AddonRec | undefined => {
      const upper = name.toUpperCase()
      const att = this.appAttachments(on).find(
        (a) => a.name.toUpperCase() === upper || configVarName(a) === upper
      )
      return live.find((a) => a.id === att?.addonId)
    }
    let addon: AddonRec | undefined
    const sep = ref.indexOf('::')
    if (sep > 0) {
      const other = [...this.apps.values()].find((a) => a.name === ref.slice(0, sep))
      addon = other && byAttachment(other, ref.slice(sep + 2))
    } else if (/^postgres(ql)?:\/\//.test(ref)) addon = live.find((a) => this.addonUrl(a) === ref)
    else addon = byAttachment(app, ref) ?? live.find((a) => a.name === ref || a.id === ref)
    if (!addon?.creds) return undefined
    return {
      addonId: addon.id,
      name: addon.name,
      plan: addon.plan,
      protected: this.protection.isProtected(addon.creds),
      earliestMs: this.protection.earliestRecoverableMs(
        addon.creds,
        addon.plan,
        addon.databaseCreatedMs ?? Date.parse(addon.createdAt),
        nowMs
      )
    }
  }

  /** The provisioning delay: a provision-slow fault's, else the simulator's. */
  private provisionDelayMs(addon: AddonRec): number {
    const slow = this.o.faults.takeOne((f) => f.kind === 'provision-slow')
    if (slow?.kind !== 'provision-slow') return this.o.provisionDelaySeconds * 1000
    this.o.faults.record(slow, `add-on ${addon.name} provisions for ${slow.seconds} s`)
    return slow.seconds * 1000
  }

  private markProvisioned(addon: AddonRec, app: AppRec): void {
    addon.state = 'provisioned'
    addon.updatedAt = iso()
    this.addRelease(
      app,
      `Update ${this.addonAttachments(addon)
        .map((a) => configVarName(a))
        .join(', ')} by ${addon.name}`
    )
  }

  private failProvisioning(addon: AddonRec, reason: string): void {
    addon.failProvision = true
    addon.provisionError = reason
    addon.state = 'deprovisioned'
    addon.updatedAt = iso()
    for (const att of this.addonAttachments(addon)) this.detach(att)
  }

  /**
   * A fork or rollback: a point-in-time recovery of the source into a server of its own, then
   * the armed restore damage faults; any failure fails the provisioning.
   */
  private async provisionCopy(addon: AddonRec, app: AppRec): Promise<void> {
    const plan = addon.recovery!
    const source = this.addons.get(plan.sourceAddonId)
    let copy: { creds: DatabaseCredentials; server: SimPostgres } | undefined
    try {
      if (!source?.creds || source.state !== 'provisioned')
        throw new Error(`the source database ${plan.sourceName} is gone`)
      copy = await this.protection.recover({
        source: source.creds,
        targetMs: plan.targetMs,
        progress: (message) => {
          plan.message = message
        }
      })
      const damageFailure = await this.applyDamageFaults(
        `add-on ${addon.name}`,
        copy.creds,
        app.name
      )
      if (damageFailure) throw new Error(damageFailure)
    } catch (err) {
      if (copy) await this.protection.removeCopy(copy.creds.port)
      if (this.closing || addon.state !== 'provisioning') return
      this.failProvisioning(addon, (err as Error).message)
      return
    }
    if (this.closing || addon.state !== 'provisioning') {
      await this.protection.removeCopy(copy.creds.port)
      return
    }
    this.holdCredentials(addon, copy.creds)
    this.markProvisioned(addon, app)
  }

  /**
   * Applies every armed damage fault (`restore-*`) to a database just restored or recovered,
   * labelled `label` in the fault events; the first failure's reason, if any.
   */
  protected async applyDamageFaults(
    label: string,
    creds: DatabaseCredentials,
    appName: string
  ): Promise<string | undefined> {
    // A fault with `app` waits for a restore onto that app (drills running side by side).
    const damage = this.o.faults.takeAll(
      (f) =>
        f.kind.startsWith('restore-') &&
        (!('app' in f) || !f.app || new RegExp(f.app).test(appName))
    )
    if (damage.length === 0) return undefined
    let failure: string | undefined
    await this.pgFor(creds).withAdminClient(creds.database, async (client) => {
      for (const f of damage) {
        try {
          const done = await applyDamage(client, f as DamageFault)
          this.o.faults.record(f, `${label}: ${done}`)
        } catch (err) {
          const reason = `damage fault ${f.kind} could not be applied: ${(err as Error).message}`
          this.o.faults.record(f, `${label}: ${reason}`, true)
          failure ??= reason
        }
      }
    })
    return failure
  }

  /**
   * Deprovisions an add-on: its attachments go at once, it stays `deprovisioning` for the
   * deprovisioning delay, then its real database and role are dropped and it is `deprovisioned`.
   */
  deleteAddon(addon: AddonRec): void {
    if (addon.state === 'deprovisioning' || addon.state === 'deprovisioned') return
    for (const att of this.addonAttachments(addon)) this.detach(att)
    addon.state = 'deprovisioning'
    addon.updatedAt = iso()
    // Transfers still writing to or reading from it are stopped first.
    for (const t of this.transfers.values()) {
      if (!t.finishedAt && (t.targetAddonId === addon.id || t.sourceAddonId === addon.id))
        t.kill?.()
    }
    this.later(Math.max(1, this.o.deprovisionDelaySeconds * 1000), () => {
      void this.finishDeprovisioning(addon)
    })
  }

  private async finishDeprovisioning(addon: AddonRec): Promise<void> {
    if (addon.creds) {
      // A fork or rollback has a server of its own: stopped and removed with it.
      if (addon.recovery) await this.protection.removeCopy(addon.creds.port)
      else
        await this.pgFor(addon.creds)
          .dropDatabase(addon.creds)
          .catch(() => undefined)
      this.created.delete(addon.creds)
    }
    addon.state = 'deprovisioned'
    addon.updatedAt = iso()
  }

  // ---------- timers ----------

  protected later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  protected delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve))
  }
}
