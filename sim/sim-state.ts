// The simulator's world: apps, heroku-postgresql add-ons (each a real database), attachments,
// releases, transfers (real pg_dump / pg_restore) and backup schedules, with JSON views shaped as
// heroku-api.md describes them.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { ArmedFault, FaultBoard } from './sim-faults.js'
import { SimHttpError, invalidParams, notFound } from './sim-http.js'
import {
  applyDamage,
  databaseUrl,
  type DatabaseCredentials,
  type DamageFault,
  type SimPostgres
} from './sim-pg.js'

export const SERVICE_NAME = 'heroku-postgresql'
const SERVICE_ID = uuidFrom('addon-service:heroku-postgresql')
const REGION = { id: uuidFrom('region:us'), name: 'us' }

/** A stable UUID derived from a text (plan and service ids do not change between runs). */
function uuidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export interface PlanRec {
  id: string
  name: string
  human_name: string
  cents: number
  is_default: boolean
}

const PLAN_TABLE: [string, string, number][] = [
  ['essential-0', 'Essential 0', 500],
  ['essential-1', 'Essential 1', 900],
  ['essential-2', 'Essential 2', 2000],
  ['standard-0', 'Standard 0', 5000],
  ['standard-2', 'Standard 2', 20000],
  ['standard-3', 'Standard 3', 40000],
  ['premium-0', 'Premium 0', 20000],
  ['premium-2', 'Premium 2', 35000],
  ['private-0', 'Private 0', 30000],
  ['shield-0', 'Shield 0', 35000]
]

export const PLANS: PlanRec[] = PLAN_TABLE.map(([short, human, cents]) => ({
  id: uuidFrom(`plan:${short}`),
  name: `${SERVICE_NAME}:${short}`,
  human_name: human,
  cents,
  is_default: short === 'essential-0'
}))

/**
 * Manual backups kept per plan: an assumption (heroku-api.md §13.2 lists retention as unverified):
 * Essential 5, Standard 25, Premium/Private/Shield 50.
 */
export function manualBackupsKept(plan: PlanRec): number {
  const short = plan.name.split(':')[1] ?? ''
  if (short.startsWith('essential')) return 5
  if (short.startsWith('standard')) return 25
  return 50
}

/**
 * Connections a plan allows (the role's CONNECTION LIMIT): an assumption (heroku-api.md §13.2,
 * unverified): essential-0/1 20, essential-2 40, standard 120, premium/private/shield 500.
 */
export function connectionLimit(plan: PlanRec): number {
  const short = plan.name.split(':')[1] ?? ''
  if (short === 'essential-2') return 40
  if (short.startsWith('essential')) return 20
  if (short.startsWith('standard')) return 120
  return 500
}

export function planJson(p: PlanRec): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    human_name: p.human_name,
    description: `Heroku Postgres ${p.human_name}`,
    addon_service: { id: SERVICE_ID, name: SERVICE_NAME },
    price: { cents: p.cents, contract: false, unit: 'month' },
    state: 'public',
    default: p.is_default,
    compliance: null,
    installable_inside_private_network: /private|shield/.test(p.name),
    installable_outside_private_network: !/private|shield/.test(p.name),
    space_default: false,
    visible: true,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z'
  }
}

export function addonServiceJson(): Record<string, unknown> {
  return {
    id: SERVICE_ID,
    name: SERVICE_NAME,
    human_name: 'Heroku Postgres',
    state: 'ga',
    supports_multiple_installations: true,
    supports_sharing: true,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z'
  }
}

/** `heroku-postgresql:essential-0`, `essential-0`, `heroku-postgresql` (default plan) or a plan id. */
export function findPlan(ref: string): PlanRec | undefined {
  const r = ref.trim()
  if (r === SERVICE_NAME) return PLANS.find((p) => p.is_default)
  return PLANS.find((p) => p.id === r || p.name === r || p.name === `${SERVICE_NAME}:${r}`)
}

export interface AppRec {
  id: string
  name: string
  maintenance: boolean
  createdAt: string
  updatedAt: string
  nextTransferNum: number
  nextReleaseVersion: number
}

export interface AddonRec {
  id: string
  name: string
  appId: string
  plan: PlanRec
  state: 'provisioning' | 'provisioned' | 'deprovisioned'
  createdAt: string
  updatedAt: string
  config: Record<string, unknown>
  creds?: DatabaseCredentials
  failProvision: boolean
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
  createdAt: string
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
  sourceBytes: number
  processedBytes: number
  /** How many manual backups of the source are kept (older ones are evicted). */
  numKeep: number
  succeeded: boolean
  warnings: number
  createdAt: string
  updatedAt: string
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
  captureDelaySeconds: number
  restoreDelaySeconds: number
  /** Every secret known so far (passwords, URLs) for redaction. */
  secrets: Set<string>
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
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
export const ADDON_NAME_PATTERN = /^[a-zA-Z][A-Za-z0-9_-]+$/
const ATTACHMENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/

const iso = (ms = Date.now()): string => new Date(ms).toISOString()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref())

export class SimState {
  readonly apps = new Map<string, AppRec>()
  readonly addons = new Map<string, AddonRec>()
  readonly attachments = new Map<string, AttachmentRec>()
  readonly releases: ReleaseRec[] = []
  readonly transfers = new Map<string, TransferRec>()
  readonly schedules = new Map<string, ScheduleRec>()
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Every database ever created, dropped again by close(). */
  private readonly created = new Set<DatabaseCredentials>()
  private closing = false

  constructor(readonly o: StateOptions) {}

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
      created_at: app.createdAt,
      updated_at: app.updatedAt,
      released_at: app.updatedAt,
      git_url: `https://git.heroku.com/${app.name}.git`,
      web_url: `https://${app.name}.herokuapp.com/`,
      owner: { id: ACCOUNT.id, email: ACCOUNT.email },
      organization: null,
      team: null,
      space: null,
      internal_routing: null,
      region: REGION,
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
      config_vars: attachments.map((a) => `${a.name}_URL`),
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
    if (include.configVars) out.config_vars = [`${att.name}_URL`]
    return out
  }

  configVars(app: AppRec): Record<string, string> {
    const vars: Record<string, string> = {}
    const sorted = this.appAttachments(app).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    for (const att of sorted) {
      const addon = this.addons.get(att.addonId)
      // The config var is set once the database is provisioned.
      if (addon && addon.state === 'provisioned' && addon.creds)
        vars[`${att.name}_URL`] = databaseUrl(addon.creds)
    }
    return vars
  }

  releaseJson(r: ReleaseRec): Record<string, unknown> {
    const app = this.apps.get(r.appId)
    return {
      id: r.id,
      version: r.version,
      description: r.description,
      status: 'succeeded',
      current: r.version === (app?.nextReleaseVersion ?? 0) - 1,
      app: { id: app?.id, name: app?.name },
      user: { id: ACCOUNT.id, email: ACCOUNT.email },
      addon_plan_names: [],
      slug: null,
      output_stream_url: null,
      created_at: r.createdAt,
      updated_at: r.createdAt
    }
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
      succeeded: t.succeeded,
      warnings: t.warnings,
      num_keep: t.numKeep,
      created_at: t.createdAt,
      started_at: t.startedAt,
      finished_at: t.finishedAt,
      canceled_at: t.canceledAt,
      updated_at: t.updatedAt,
      deleted_at: t.deletedAt,
      purged_at: null
    }
    if (t.scheduleUuid) out.schedule = { uuid: t.scheduleUuid }
    if (verbose) out.logs = t.logs
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
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      deleted_at: null
    }
  }

  async databaseInfoJson(
    addon: AddonRec,
    creds: DatabaseCredentials
  ): Promise<Record<string, unknown>> {
    const stats = await this.o.pg.databaseStats(creds.database)
    const size = formatBytes(stats.bytes)
    const version = stats.version.split(' ')[0]
    const major = version.split('.')[0]
    return {
      addon_id: addon.id,
      name: addon.name,
      plan: addon.plan.human_name,
      created_at: addon.createdAt,
      info: [
        { name: 'Plan', values: [addon.plan.human_name] },
        { name: 'Status', values: ['Available'] },
        { name: 'Data Size', values: [`${size}`] },
        { name: 'Tables', values: [stats.tables] },
        { name: 'PG Version', values: [version] },
        { name: 'Connections', values: [`${stats.connections}/${connectionLimit(addon.plan)}`] },
        { name: 'Connection Pooling', values: ['Available'] },
        { name: 'Credentials', values: [1] },
        { name: 'Fork/Follow', values: ['Unsupported'] },
        { name: 'Rollback', values: ['Unsupported'] },
        { name: 'Continuous Protection', values: ['Off'] },
        { name: 'Created', values: [addon.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')] },
        { name: 'Maintenance', values: ['not required'] }
      ],
      num_bytes: stats.bytes,
      num_tables: stats.tables,
      num_connections: stats.connections,
      num_connections_waiting: 0,
      postgres_version: `${major}`,
      resource_url: databaseUrl(creds),
      database_name: creds.database,
      database_user: creds.user,
      database_password: creds.password,
      'waiting?': false,
      following: null,
      leader: null,
      followers: [],
      forked_from: null,
      hot_standby: false,
      is_in_recovery: false,
      maintenance_window: null
    }
  }

  // ---------- apps, releases ----------

  createAppRecord(name: string): AppRec {
    if (!/^[a-z][a-z0-9-]{1,29}$/.test(name))
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
      nextReleaseVersion: 1
    }
    this.apps.set(app.id, app)
    this.addRelease(app, 'Initial release')
    return app
  }

  addRelease(app: AppRec, description: string): void {
    this.releases.push({
      id: randomUUID(),
      version: app.nextReleaseVersion++,
      appId: app.id,
      description,
      createdAt: iso()
    })
    app.updatedAt = iso()
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
          `This action will replace the ${name} attachment of ${app.name}: ${name}_URL will point at ${addon.name}. To proceed, confirm with the app name.`
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
    req: {
      plan: PlanRec
      name?: string
      attachmentName?: string
      config?: Record<string, unknown>
      confirm?: string
      /** Ready at once, whatever the provisioning delay (the app's own DATABASE). */
      immediate?: boolean
    }
  ): Promise<{ addon: AddonRec; attachment: AttachmentRec }> {
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
      failProvision: failFault !== undefined
    }
    if (!addon.failProvision) {
      const creds = await this.o.pg.createDatabase({ connectionLimit: connectionLimit(req.plan) })
      this.created.add(creds)
      this.o.secrets.add(creds.password)
      this.o.secrets.add(databaseUrl(creds))
      addon.creds = creds
    }
    this.addons.set(addon.id, addon)
    const attachment = this.attach(addon, app, { name: req.attachmentName, confirm: req.confirm })
    const delayMs = req.immediate ? 0 : this.o.provisionDelaySeconds * 1000
    const finish = (): void => {
      if (this.closing || addon.state !== 'provisioning') return
      addon.updatedAt = iso()
      if (addon.failProvision) {
        addon.state = 'deprovisioned'
        for (const att of this.addonAttachments(addon)) this.detach(att)
        if (failFault) this.o.faults.record(failFault, `add-on ${addon.name} failed to provision`)
      } else {
        addon.state = 'provisioned'
        this.addRelease(
          app,
          `Update ${this.addonAttachments(addon)
            .map((a) => `${a.name}_URL`)
            .join(', ')} by ${addon.name}`
        )
      }
    }
    if (delayMs <= 0 && !addon.failProvision) finish()
    else this.later(Math.max(delayMs, 1), finish)
    return { addon, attachment }
  }

  /** Deprovisions an add-on: its attachments go, its real database and role are dropped. */
  async deleteAddon(addon: AddonRec): Promise<void> {
    for (const att of this.addonAttachments(addon)) this.detach(att)
    addon.state = 'deprovisioned'
    addon.updatedAt = iso()
    // Transfers still writing to or reading from it are stopped first.
    for (const t of this.transfers.values()) {
      if (!t.finishedAt && (t.targetAddonId === addon.id || t.sourceAddonId === addon.id))
        t.kill?.()
    }
    if (addon.creds) {
      await this.o.pg.dropDatabase(addon.creds)
      this.created.delete(addon.creds)
    }
  }

  // ---------- transfers ----------

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve))
  }

  storageUrl(t: { uuid: string }): string {
    return `${this.o.baseUrl()}/__sim/storage/${t.uuid}/backup.dump`
  }

  /** The transfer whose dump a backup_url names (our storage URL or a public URL of it). */
  transferForBackupUrl(backupUrl: string): TransferRec | undefined {
    const m = /\/__sim\/storage\/([0-9a-f-]{36})\//.exec(backupUrl)
    return m ? this.transfers.get(m[1]) : undefined
  }

  private attachmentLabel(addon: AddonRec): string {
    const atts = this.addonAttachments(addon).filter((a) => a.appId === addon.appId)
    return (atts.find((a) => a.name === 'DATABASE') ?? atts[0])?.name ?? addon.name
  }

  private newTransfer(
    app: AppRec,
    fields: Partial<TransferRec> &
      Pick<
        TransferRec,
        'kind' | 'fromType' | 'toType' | 'fromName' | 'toName' | 'fromUrl' | 'toUrl'
      >
  ): TransferRec {
    const now = iso()
    const t: TransferRec = {
      uuid: randomUUID(),
      num: app.nextTransferNum++,
      appId: app.id,
      sourceBytes: 0,
      processedBytes: 0,
      numKeep: 25,
      succeeded: false,
      warnings: 0,
      createdAt: now,
      updatedAt: now,
      startedAt: now,
      finishedAt: null,
      canceledAt: null,
      deletedAt: null,
      logs: [],
      done: Promise.resolve(),
      ...fields
    }
    this.transfers.set(t.uuid, t)
    return t
  }

  /** A transfer whose run throws fails (with the reason in its logs) instead of crashing the simulator. */
  private guard(t: TransferRec, run: Promise<void>): Promise<void> {
    return run.catch((err: Error) => {
      if (t.finishedAt) return
      this.log(t, `transfer failed: ${err.message}`, 'error')
      this.finish(t, false)
    })
  }

  private log(t: TransferRec, message: string, level = 'info'): void {
    t.logs.push({ created_at: iso(), level, message })
    t.updatedAt = iso()
  }

  private finish(t: TransferRec, succeeded: boolean): void {
    if (t.finishedAt) return
    t.succeeded = succeeded
    t.finishedAt = iso()
    t.updatedAt = t.finishedAt
    t.kill = undefined
  }

  findTransfer(app: AppRec, numOrUuid: string): TransferRec {
    const t = /^\d+$/.test(numOrUuid)
      ? [...this.transfers.values()].find((x) => x.appId === app.id && x.num === Number(numOrUuid))
      : this.transfers.get(numOrUuid)
    if (!t || t.appId !== app.id) throw notFound(`Couldn't find transfer ${numOrUuid}.`)
    if (t.deletedAt) throw new SimHttpError(410, 'gone', `Transfer ${numOrUuid} was deleted.`)
    return t
  }

  appTransfers(app: AppRec): TransferRec[] {
    return [...this.transfers.values()]
      .filter((t) => t.appId === app.id && !t.deletedAt)
      .sort((a, b) => a.num - b.num)
  }

  /** Starts a real `pg_dump -Fc` of `addon` into a dump file kept by the simulator. */
  async startCapture(
    addon: AddonRec,
    opts: { scheduleUuid?: string; noDelay?: boolean } = {}
  ): Promise<TransferRec> {
    const { creds } = this.readyDatabase(addon.id)
    const app = this.apps.get(addon.appId)!
    const stats = await this.o.pg.databaseStats(creds.database)
    const t = this.newTransfer(app, {
      kind: 'capture',
      fromType: 'pg_dump',
      toType: 'gof3r',
      fromName: this.attachmentLabel(addon),
      toName: 'BACKUP',
      fromUrl: databaseUrl(creds),
      toUrl: '',
      sourceAddonId: addon.id,
      scheduleUuid: opts.scheduleUuid,
      sourceBytes: stats.bytes,
      numKeep: manualBackupsKept(addon.plan)
    })
    t.toUrl = this.storageUrl(t)
    t.file = join(this.o.dumpDir, `${t.uuid}.dump`)
    const fail = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-fail' && f.transfer === 'capture'
    )
    const warn = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-warnings' && f.transfer === 'capture'
    )
    t.done = this.guard(
      t,
      this.runCapture(t, creds, opts.noDelay ? 0 : this.o.captureDelaySeconds * 1000, fail, warn)
    )
    return t
  }

  private async runCapture(
    t: TransferRec,
    creds: DatabaseCredentials,
    minMs: number,
    fail: ArmedFault | undefined,
    warn: ArmedFault | undefined
  ): Promise<void> {
    const started = Date.now()
    this.log(t, `Running pg_dump of ${t.fromName}`)
    // pg_dump as the superuser inside the add-on's database, so every object is readable.
    const proc = this.o.pg.runTool(
      'pg_dump',
      ['-Fc', '--verbose', '--no-password', '-f', t.file!],
      {
        ...this.o.pg.adminCredentials(),
        database: creds.database
      },
      (line) => {
        if (line.trim() !== '') this.log(t, line)
      }
    )
    t.kill = () => {
      proc.child.kill('SIGTERM')
    }
    const result = await proc.done
    const remaining = minMs - (Date.now() - started)
    if (remaining > 0 && !t.canceledAt) await this.delay(remaining)
    if (t.canceledAt || t.finishedAt) return
    if (fail) {
      this.o.faults.record(fail, `capture ${this.transferName(t)} failed`)
      this.log(
        t,
        'pg_dump: error: could not write to output file: connection reset by peer',
        'error'
      )
      this.log(t, 'Failed to upload backup: gof3r exited with status 1', 'error')
      rmSync(t.file!, { force: true })
      this.finish(t, false)
      return
    }
    if (result.code !== 0) {
      this.log(t, `pg_dump exited with status ${result.code ?? result.signal}`, 'error')
      this.finish(t, false)
      return
    }
    if (warn && warn.kind === 'transfer-warnings') {
      for (let i = 0; i < warn.count; i++)
        this.log(t, `pg_dump: warning: could not read statistics for table ${i + 1}; skipped`)
      t.warnings += warn.count
      this.o.faults.record(
        warn,
        `capture ${this.transferName(t)} finished with ${warn.count} warnings`
      )
    }
    t.processedBytes = existsSync(t.file!) ? statSync(t.file!).size : 0
    this.log(t, `Backup completed: ${t.processedBytes} bytes`)
    this.finish(t, true)
    if (!t.scheduleUuid) this.evictManualBackups(t)
  }

  /**
   * Manual backups rotate (heroku-api.md §5.5, transferatu's evictor): after a successful manual
   * capture, older succeeded manual backups of the same database beyond `num_keep` are deleted.
   */
  private evictManualBackups(latest: TransferRec): void {
    const keep = latest.numKeep
    const manual = [...this.transfers.values()]
      .filter(
        (x) =>
          x.appId === latest.appId &&
          x.kind === 'capture' &&
          !x.scheduleUuid &&
          x.succeeded &&
          !x.deletedAt &&
          x.fromName === latest.fromName
      )
      .sort((a, b) => b.num - a.num)
    for (const old of manual.slice(keep)) {
      old.deletedAt = iso()
      old.updatedAt = old.deletedAt
      if (old.file) rmSync(old.file, { force: true })
    }
  }

  /** Starts a real `pg_restore --no-owner --no-acl` of a backup onto `target`. */
  async startRestore(
    target: AddonRec,
    backupUrl: string,
    extensions: string[]
  ): Promise<TransferRec> {
    const { creds } = this.readyDatabase(target.id)
    const app = this.apps.get(target.appId)!
    const source = this.transferForBackupUrl(backupUrl)
    const isOurs = source !== undefined
    const t = this.newTransfer(app, {
      kind: 'restore',
      fromType: isOurs ? 'gof3r' : 'htcat',
      toType: 'pg_restore',
      fromName: source ? this.transferName(source) : 'BACKUP',
      toName: this.attachmentLabel(target),
      fromUrl: backupUrl,
      toUrl: databaseUrl(creds),
      targetAddonId: target.id,
      sourceBytes: source?.processedBytes ?? 0
    })
    const fail = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-fail' && f.transfer === 'restore'
    )
    const warn = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-warnings' && f.transfer === 'restore'
    )
    t.done = this.guard(t, this.runRestore(t, creds, source, backupUrl, extensions, fail, warn))
    return t
  }

  private async fetchToFile(url: string, file: string): Promise<void> {
    const res = await fetch(url)
    if (!res.ok) throw new Error(`download failed: HTTP ${res.status}`)
    const { writeFile } = await import('node:fs/promises')
    await writeFile(file, Buffer.from(await res.arrayBuffer()))
  }

  private async runRestore(
    t: TransferRec,
    creds: DatabaseCredentials,
    source: TransferRec | undefined,
    backupUrl: string,
    extensions: string[],
    fail: ArmedFault | undefined,
    warn: ArmedFault | undefined
  ): Promise<void> {
    const started = Date.now()
    const minMs = this.o.restoreDelaySeconds * 1000
    const waitMin = async (): Promise<void> => {
      const remaining = minMs - (Date.now() - started)
      if (remaining > 0 && !t.canceledAt) await this.delay(remaining)
    }
    let file: string | undefined
    try {
      if (source) {
        if (!source.file || source.deletedAt || !existsSync(source.file) || !source.succeeded)
          throw new Error(`backup ${this.transferName(source)} is not available`)
        file = source.file
      } else {
        file = join(this.o.dumpDir, `${t.uuid}.download`)
        this.log(t, 'Downloading backup from the given URL')
        await this.fetchToFile(backupUrl, file)
      }
      t.sourceBytes = statSync(file).size
      this.log(
        t,
        `Preparing ${t.toName} for restore${extensions.length ? `; creating extensions ${extensions.join(', ')}` : ''}`
      )
      await this.o.pg.prepareRestoreTarget(creds, extensions)
    } catch (err) {
      await waitMin()
      if (t.canceledAt || t.finishedAt) return
      this.log(t, `pg_restore: error: ${(err as Error).message}`, 'error')
      this.finish(t, false)
      return
    }
    if (t.canceledAt) return
    if (fail) {
      await waitMin()
      if (t.canceledAt || t.finishedAt) return
      this.o.faults.record(fail, `restore ${this.transferName(t)} failed`)
      this.log(t, 'pg_restore: connecting to database for restore')
      this.log(t, 'pg_restore: error: could not read from input file: end of file', 'error')
      this.finish(t, false)
      return
    }
    // pg_restore as the target's own role (as Heroku does), so ownership errors show as on Heroku.
    const proc = this.o.pg.runTool(
      'pg_restore',
      ['--verbose', '--no-owner', '--no-acl', '--no-password', file],
      creds,
      (line) => {
        if (line.trim() !== '') this.log(t, line)
      }
    )
    t.kill = () => {
      proc.child.kill('SIGTERM')
    }
    const result = await proc.done
    t.processedBytes = t.sourceBytes
    await waitMin()
    if (t.canceledAt || t.finishedAt) return
    const ignored = result.stderrLines
      .map((l) => /errors ignored on restore: (\d+)/.exec(l))
      .find((m) => m !== null)
    if (result.code !== 0 && !ignored) {
      this.log(t, `pg_restore exited with status ${result.code ?? result.signal}`, 'error')
      this.finish(t, false)
      return
    }
    t.warnings = ignored ? Number(ignored[1]) : 0
    if (warn && warn.kind === 'transfer-warnings') {
      const tables = await this.o.pg
        .withAdminClient(creds.database, async (client) => {
          const r = await client.query<{ t: string }>(
            `select tablename as t from pg_tables where schemaname = 'public' order by 1`
          )
          return r.rows.map((x) => x.t)
        })
        .catch(() => [] as string[])
      for (let i = 0; i < warn.count; i++) {
        if (warn.benign) {
          this.log(t, 'pg_restore: while PROCESSING TOC:')
          this.log(t, `pg_restore: from TOC entry ${4100 + i}; 0 0 COMMENT EXTENSION plpgsql `)
          this.log(
            t,
            'pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql'
          )
          this.log(
            t,
            "Command was: COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';"
          )
        } else {
          const table = tables.length ? tables[i % tables.length] : `table_${i + 1}`
          this.log(t, 'pg_restore: while PROCESSING TOC:')
          this.log(
            t,
            `pg_restore: from TOC entry ${3300 + i}; 0 ${16400 + i} TABLE DATA public ${table} ${creds.user}`
          )
          this.log(
            t,
            `pg_restore: error: COPY failed for table "${table}": ERROR:  invalid byte sequence for encoding "UTF8": 0x00`
          )
          this.log(t, `CONTEXT:  COPY ${table}, line ${i + 1}`)
        }
      }
      t.warnings += warn.count
      this.log(t, `pg_restore: warning: errors ignored on restore: ${t.warnings}`)
      this.o.faults.record(
        warn,
        `restore ${this.transferName(t)} finished with ${warn.count} ${warn.benign ? 'harmless' : 'real'} warnings`
      )
    }
    // Damage faults act on the restore target right after a successful restore.
    const damage = this.o.faults.takeAll((f) => f.kind.startsWith('restore-'))
    if (damage.length > 0) {
      await this.o.pg.withAdminClient(creds.database, async (client) => {
        for (const f of damage) {
          try {
            this.o.faults.record(
              f,
              `${this.transferName(t)}: ${await applyDamage(client, f as DamageFault)}`
            )
          } catch (err) {
            this.o.faults.record(
              f,
              `${this.transferName(t)}: damage failed: ${(err as Error).message}`,
              true
            )
          }
        }
      })
    }
    t.processedBytes = t.sourceBytes
    this.log(t, 'Restore completed')
    this.finish(t, true)
  }

  cancelTransfer(t: TransferRec): void {
    if (t.finishedAt)
      throw new SimHttpError(
        409,
        'conflict',
        `Transfer ${this.transferName(t)} has already finished.`
      )
    t.canceledAt = iso()
    t.kill?.()
    this.log(t, 'Transfer canceled by user')
    this.finish(t, false)
    if (t.kind === 'capture' && t.file) rmSync(t.file, { force: true })
  }

  deleteTransfer(t: TransferRec): void {
    if (!t.finishedAt)
      throw new SimHttpError(
        409,
        'conflict',
        `Transfer ${this.transferName(t)} is still running; cancel it first.`
      )
    t.deletedAt = iso()
    t.updatedAt = t.deletedAt
    if (t.kind === 'capture' && t.file) rmSync(t.file, { force: true })
  }

  /** Moves a finished transfer's timestamps into the past (for backup-age tests). */
  ageTransfer(t: TransferRec, seconds: number): void {
    const shift = (v: string | null): string | null => (v ? iso(Date.parse(v) - seconds * 1000) : v)
    t.createdAt = shift(t.createdAt)!
    t.startedAt = shift(t.startedAt)
    t.finishedAt = shift(t.finishedAt)
    t.updatedAt = shift(t.updatedAt)!
    t.logs = t.logs.map((l) => ({ ...l, created_at: shift(l.created_at)! }))
  }

  // ---------- schedules ----------

  appSchedules(app: AppRec): ScheduleRec[] {
    return [...this.schedules.values()].filter((s) => s.appId === app.id)
  }

  setSchedule(app: AppRec, req: { name: string; hour: number; timezone: string }): ScheduleRec {
    const existing = this.appSchedules(app).find(
      (s) => s.name.toUpperCase() === req.name.toUpperCase()
    )
    const now = iso()
    if (existing) {
      existing.hour = req.hour
      existing.timezone = req.timezone
      existing.updatedAt = now
      return existing
    }
    const s: ScheduleRec = {
      uuid: randomUUID(),
      appId: app.id,
      name: req.name,
      hour: req.hour,
      timezone: req.timezone,
      days: [...DAYS],
      createdAt: now,
      updatedAt: now
    }
    this.schedules.set(s.uuid, s)
    return s
  }

  /**
   * Runs the schedules as Heroku does: one scheduled (`a…`) capture of the app's DATABASE per day,
   * in the schedule's hour and time zone. Checked every `everyMs`.
   */
  startScheduler(everyMs = 30_000): void {
    const tick = (): void => {
      if (this.closing) return
      for (const sched of this.schedules.values()) {
        const parts = Object.fromEntries(
          new Intl.DateTimeFormat('en-CA', {
            timeZone: sched.timezone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            hourCycle: 'h23'
          })
            .formatToParts(new Date())
            .map((p) => [p.type, p.value])
        )
        const today = `${parts.year}-${parts.month}-${parts.day}`
        if (Number(parts.hour) !== sched.hour || sched.lastRunDate === today) continue
        const app = this.apps.get(sched.appId)
        const att =
          app && this.appAttachments(app).find((a) => `${a.name}_URL` === sched.name.toUpperCase())
        const addon = att && this.addons.get(att.addonId)
        if (!addon || addon.state !== 'provisioned') continue
        sched.lastRunDate = today
        this.startCapture(addon, { scheduleUuid: sched.uuid }).catch(() => {})
      }
      this.later(everyMs, tick)
    }
    this.later(everyMs, tick)
  }

  // ---------- shutdown ----------

  async close(): Promise<void> {
    this.closing = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const t of this.transfers.values()) if (!t.finishedAt) t.kill?.()
    await Promise.all(
      [...this.transfers.values()].map((t) => Promise.race([t.done, sleep(5000)]).catch(() => {}))
    )
    for (const creds of [...this.created]) {
      await this.o.pg.dropDatabase(creds).catch(() => {})
      this.created.delete(creds)
    }
    rmSync(this.o.dumpDir, { recursive: true, force: true })
  }
}

export const ACCOUNT = {
  id: uuidFrom('account:sim'),
  email: 'drill-sim@example.com',
  name: 'Simulated Heroku user'
}

export function accountJson(): Record<string, unknown> {
  return {
    id: ACCOUNT.id,
    email: ACCOUNT.email,
    name: ACCOUNT.name,
    allow_tracking: false,
    beta: false,
    verified: true,
    two_factor_authentication: false,
    default_organization: null,
    default_team: null,
    delinquent_at: null,
    suspended_at: null,
    sms_number: null,
    last_login: iso(),
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z'
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n
  let i = -1
  do {
    v /= 1024
    i++
  } while (v >= 1024 && i < units.length - 1)
  return `${v.toFixed(1)} ${units[i]}`
}
