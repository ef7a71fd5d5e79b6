/** The Platform API calls of the drill (api.heroku.com): apps, add-ons, attachments, config vars, releases. */
import type { Ownership } from '../safety.js'
import { createAppsApi, type AppsApi } from './apps.js'
import type { HerokuHttp } from './http.js'
import { HerokuApiError, type Addon, type Attachment, type HerokuApp } from './types.js'

export interface PlatformApi extends AppsApi {
  /** The token's OAuth scopes as Heroku last reported them; null when no answer carried them. */
  tokenScopes(): string | null
  getApp(app: string): Promise<HerokuApp>
  listAttachments(app: string): Promise<Attachment[]>
  /** Every attachment of the add-on, on any app. */
  listAddonAttachments(addonId: string): Promise<Attachment[]>
  listAddons(app: string): Promise<Addon[]>
  /** null on 404 */
  getAddon(app: string, addonIdOrName: string): Promise<Addon | null>
  /** Records the add-on in Ownership. Never sent twice blindly: see createAddon below. */
  createAddon(app: string, req: NewAddon): Promise<Addon>
  /** Only add-ons created by this run or recorded stale; never one attached as DATABASE. */
  deleteAddon(app: string, addonId: string): Promise<'deleted' | 'already-gone'>
  /** Values of *_URL config vars holding credentials are registered as secrets. */
  getConfigVars(app: string): Promise<Record<string, string>>
  setMaintenance(app: string, on: boolean): Promise<HerokuApp>
  /** Promote (name DATABASE) or alias: only add-ons created by this run or the recorded original. */
  attach(
    app: string,
    req: { addonName: string; name?: string; namespace?: string | null }
  ): Promise<Attachment>
  /** Only the alias attachment this run created; 'already-gone' on 404. */
  detach(attachmentId: string): Promise<'detached' | 'already-gone'>
  listPlans(service: string): Promise<{ name: string; state?: string }[]>
  /** The process types of the app's formation (`web`, `worker`, `release`, ...). */
  listProcessTypes(app: string): Promise<string[]>
  /** The newest releases, newest first: one page of at most `max`, never the whole history. */
  listRecentReleases(app: string, max: number): Promise<Release[]>
  getRelease(app: string, releaseId: string): Promise<Release>
}

export interface NewAddon {
  plan: string
  name: string
  attachmentName: string
  /** Provisioning options: `{fork: '<app>::DATABASE_URL'}` or `{rollback: …, to: '<UTC time>'}`. */
  config?: Record<string, string>
}

export interface Release {
  id: string
  version: number
  status: string
  description: string
}

export const POSTGRES_SERVICE = 'heroku-postgresql'
const ATTACHMENT_HEADERS = {
  Accept: 'application/vnd.heroku+json; version=3.sdk',
  'Accept-Inclusion': 'addon:plan,config_vars'
}
const ADDON_HEADERS = { 'Accept-Expansion': 'addon_service,plan' }
const ADDON_NAME_PATTERN = /^[a-zA-Z][A-Za-z0-9_-]+$/

/** `essential-0` or `heroku-postgresql:essential-0` → `heroku-postgresql:essential-0`. */
export function postgresPlanName(plan: string): string {
  const trimmed = plan.trim()
  if (trimmed.startsWith(POSTGRES_SERVICE + ':')) return trimmed
  if (trimmed.includes(':')) {
    throw new Error(
      `plan "${plan}" is not a ${POSTGRES_SERVICE} plan (example: essential-0 or ${POSTGRES_SERVICE}:standard-0)`
    )
  }
  return `${POSTGRES_SERVICE}:${trimmed}`
}

/** `heroku-postgresql:essential-0` or `essential-0` → `essential-0`. */
export function planShortName(plan: string): string {
  return plan.trim().replace(/^heroku-postgresql:/, '')
}

/** `heroku-postgresql:standard-2` → `standard`: the tier that decides backup slots and Continuous Protection. */
export function planTier(plan: string): string {
  return planShortName(plan).split('-')[0]
}

const enc = encodeURIComponent

function withMessage(err: HerokuApiError, message: string): HerokuApiError {
  return new HerokuApiError(message, {
    status: err.status,
    id: err.id,
    ambiguous: err.ambiguous,
    method: err.method,
    path: err.path
  })
}

export function createPlatformApi(http: HerokuHttp, ownership: Ownership): PlatformApi {
  const secrets = http.secrets

  /** 404 on an /apps/{app} path as "app X not found or not visible to this token". */
  function appNotFound(app: string) {
    return (err: unknown): never => {
      if (err instanceof HerokuApiError && err.status === 404) {
        throw withMessage(
          err,
          secrets.redact(`app ${app} not found or not visible to this token (404 ${err.id})`)
        )
      }
      throw err
    }
  }

  async function getAddon(app: string, addonIdOrName: string): Promise<Addon | null> {
    try {
      return await http.get<Addon>('platform', `/apps/${enc(app)}/addons/${enc(addonIdOrName)}`, {
        headers: ADDON_HEADERS
      })
    } catch (err) {
      if (err instanceof HerokuApiError && err.status === 404) return null
      throw err
    }
  }

  async function listAttachments(app: string): Promise<Attachment[]> {
    return http
      .get<Attachment[]>('platform', `/apps/${enc(app)}/addon-attachments`, {
        headers: ATTACHMENT_HEADERS,
        list: true
      })
      .catch(appNotFound(app))
  }

  async function getApp(app: string): Promise<HerokuApp> {
    return http.get<HerokuApp>('platform', `/apps/${enc(app)}`).catch(appNotFound(app))
  }

  /** Our add-on, read back after an ambiguous create; verifies it belongs to `app`. */
  async function findCreated(app: string, name: string): Promise<Addon | null> {
    const addon = await getAddon(app, name)
    if (addon && addon.app?.name !== app && addon.app?.id !== app) {
      throw new Error(
        `add-on ${name} exists but belongs to app ${addon.app?.name}, not ${app}: refusing to use it`
      )
    }
    return addon
  }

  async function createAddon(app: string, req: NewAddon): Promise<Addon> {
    if (!ADDON_NAME_PATTERN.test(req.name)) {
      throw new Error(
        `add-on name "${req.name}" is invalid: it must match ${ADDON_NAME_PATTERN.source}`
      )
    }
    const spec = {
      api: 'platform' as const,
      method: 'POST' as const,
      path: `/apps/${enc(app)}/addons`,
      headers: ADDON_HEADERS,
      body: {
        plan: { name: postgresPlanName(req.plan) },
        name: req.name,
        attachment: { name: req.attachmentName },
        ...(req.config ? { config: req.config } : {})
      }
    }
    const created = (addon: Addon): Addon => {
      ownership.recordCreated({ id: addon.id, name: addon.name, app: addon.app })
      return addon
    }
    // Add-on names are globally unique, so the name tells whether an ambiguous create was applied.
    for (let send = 1; ; send++) {
      try {
        return created(await http.request<Addon>(spec))
      } catch (err) {
        if (!(err instanceof HerokuApiError)) throw err
        const readBack = err.ambiguous || (send > 1 && err.status === 422)
        if (!readBack) throw describeCreateFailure(app, req, err)
        http.log(`creating add-on ${req.name}: ${err.message}; checking whether it was created`)
        const existing = await findCreated(app, req.name)
        if (existing) return created(existing)
        if (send >= 2) throw err
        http.log(`add-on ${req.name} was not created; sending the create once more`)
      }
    }
  }

  function describeCreateFailure(
    app: string,
    req: { plan: string; name: string },
    err: HerokuApiError
  ): HerokuApiError {
    if (err.status === 404)
      return withMessage(
        err,
        secrets.redact(`app ${app} not found or not visible to this token (404 ${err.id})`)
      )
    if (err.status === 422 || err.status === 402 || err.status === 403) {
      const reason = err.message.replace(/^Heroku API POST \S+ failed \(\d+ [^)]*\): ?/, '')
      return withMessage(
        err,
        secrets.redact(
          `could not create add-on ${req.name} with plan ${postgresPlanName(req.plan)} on app ${app} (${err.status} ${err.id}): ${reason}`
        )
      )
    }
    return err
  }

  async function deleteAddon(app: string, addonId: string): Promise<'deleted' | 'already-gone'> {
    ownership.assertDeletable(addonId)
    // Deleting the add-on that holds DATABASE would take the app's DATABASE_URL away.
    const attachments = await listAttachments(app)
    const database = attachments.find((a) => a.name === 'DATABASE' && a.addon.id === addonId)
    if (database) {
      throw new Error(
        `refusing to delete add-on ${database.addon.name}: it is attached to ${app} as DATABASE; promote the original back first`
      )
    }
    const spec = {
      api: 'platform' as const,
      method: 'DELETE' as const,
      path: `/apps/${enc(app)}/addons/${enc(addonId)}`,
      headers: { 'Accept-Expansion': 'plan' }
    }
    for (let send = 1; ; send++) {
      try {
        await http.request<Addon>(spec)
        return 'deleted'
      } catch (err) {
        if (!(err instanceof HerokuApiError)) throw err
        if (err.status === 404) return send === 1 ? 'already-gone' : 'deleted'
        if (!err.ambiguous || send >= 2) throw err
        const addon = await getAddon(app, addonId)
        if (!addon || addon.state === 'deprovisioning' || addon.state === 'deprovisioned')
          return 'deleted'
        http.log(
          `add-on ${addon.name} still ${addon.state} after an interrupted delete; sending the delete once more`
        )
      }
    }
  }

  async function getConfigVars(app: string): Promise<Record<string, string>> {
    const vars = await http
      .get<Record<string, string>>('platform', `/apps/${enc(app)}/config-vars`)
      .catch(appNotFound(app))
    for (const [key, value] of Object.entries(vars)) {
      if (typeof value !== 'string') continue
      // Database URLs (and any URL with credentials) are secrets from the moment they are read.
      if (
        /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*:[^/\s]*@/i.test(value) ||
        (/_URL$/.test(key) && /^postgres/i.test(value))
      ) {
        secrets.addUrl(value)
      }
    }
    return vars
  }

  async function setMaintenance(app: string, on: boolean): Promise<HerokuApp> {
    const spec = {
      api: 'platform' as const,
      method: 'PATCH' as const,
      path: `/apps/${enc(app)}`,
      body: { maintenance: on }
    }
    for (let send = 1; ; send++) {
      try {
        return await http.request<HerokuApp>(spec)
      } catch (err) {
        if (!(err instanceof HerokuApiError)) throw err
        if (err.status === 404) return appNotFound(app)(err)
        if (!err.ambiguous || send >= 2) throw err
        const current = await getApp(app)
        if (current.maintenance === on) return current
      }
    }
  }

  async function attach(
    app: string,
    req: { addonName: string; name?: string; namespace?: string | null }
  ): Promise<Attachment> {
    const label = req.name ?? 'an alias'
    let addonId = ownership.idForName(req.addonName)
    let attachments: Attachment[] | undefined
    if (!addonId) {
      // The original may have been recorded by id only: find its name among the app's attachments.
      attachments = await listAttachments(app)
      addonId = attachments.find((a) => a.addon.name === req.addonName)?.addon.id ?? req.addonName
    }
    ownership.assertAttachable(addonId, label)
    const body: Record<string, unknown> = {
      addon: { name: req.addonName },
      app: { name: app },
      confirm: app
    }
    if (req.name !== undefined) body.name = req.name
    if (req.namespace !== undefined) body.namespace = req.namespace
    const spec = {
      api: 'platform' as const,
      method: 'POST' as const,
      path: '/addon-attachments',
      body
    }
    for (let send = 1; ; send++) {
      try {
        return await http.request<Attachment>(spec)
      } catch (err) {
        if (!(err instanceof HerokuApiError)) throw err
        if (!err.ambiguous || send >= 2) throw err
        const now = await listAttachments(app)
        const done = now.find(
          (a) =>
            a.addon.name === req.addonName &&
            (req.name !== undefined ? a.name === req.name : a.name !== 'DATABASE') &&
            (req.namespace === undefined || (a.namespace ?? null) === (req.namespace ?? null))
        )
        if (done) return done
        http.log(`attaching ${req.addonName} as ${label} was not applied; sending it once more`)
      }
    }
  }

  async function detach(attachmentId: string): Promise<'detached' | 'already-gone'> {
    ownership.assertDetachable(attachmentId)
    try {
      await http.request({
        api: 'platform',
        method: 'DELETE',
        path: `/addon-attachments/${enc(attachmentId)}`
      })
      return 'detached'
    } catch (err) {
      if (err instanceof HerokuApiError && err.status === 404) return 'already-gone'
      throw err
    }
  }

  return {
    ...createAppsApi(http, ownership),
    tokenScopes: () => http.tokenScopes(),
    getApp,
    listAttachments,
    listAddonAttachments: (addonId) =>
      http.get<Attachment[]>('platform', `/addons/${enc(addonId)}/addon-attachments`, {
        headers: ATTACHMENT_HEADERS,
        list: true
      }),
    listAddons: (app) =>
      http
        .get<Addon[]>('platform', `/apps/${enc(app)}/addons`, {
          headers: ADDON_HEADERS,
          list: true
        })
        .catch(appNotFound(app)),
    getAddon,
    createAddon,
    deleteAddon,
    getConfigVars,
    setMaintenance,
    attach,
    detach,
    listProcessTypes: async (app) =>
      (await http.get<{ type: string }[]>('platform', `/apps/${enc(app)}/formation`)).map(
        (f) => f.type
      ),
    listRecentReleases: (app, max) =>
      http.get<Release[]>('platform', `/apps/${enc(app)}/releases`, {
        headers: { Range: `version ..; max=${max}, order=desc` },
        firstPageOnly: true
      }),
    getRelease: (app, releaseId) =>
      http.get<Release>('platform', `/apps/${enc(app)}/releases/${enc(releaseId)}`),
    listPlans: (service) =>
      http.get<{ name: string; state?: string }[]>(
        'platform',
        `/addon-services/${enc(service)}/plans`,
        { list: true }
      )
  }
}
