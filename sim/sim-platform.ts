// Platform API routes of the simulator (api.heroku.com): account, apps, add-ons, attachments, config vars, releases.
import {
  invalidParams,
  notFound,
  objectBody,
  paged,
  route,
  type Route,
  type SimRequest
} from './sim-http.js'
import {
  PLANS,
  SERVICE_NAME,
  accountJson,
  configVarName,
  addonServiceJson,
  findPlan,
  iso,
  planJson,
  uuidFrom,
  type AddonRec,
  type AppRec,
  type SimState
} from './sim-state.js'

function header(req: SimRequest, name: string): string {
  const v = req.headers[name]
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).toLowerCase()
}

/** Accept-Expansion: plan (or addon_service,plan) returns full plan objects. */
const expandsPlan = (req: SimRequest): boolean => /\bplan\b/.test(header(req, 'accept-expansion'))

/** Accept-Inclusion: addon:plan,config_vars (with version=3.sdk) adds addon.plan and config_vars. */
function inclusion(req: SimRequest): { plan: boolean; configVars: boolean } {
  const inc = header(req, 'accept-inclusion')
  return { plan: /addon:plan/.test(inc), configVars: /config_vars/.test(inc) }
}

/** `{name}` / `{id}` objects or plain strings, as the schema's identity fields allow. */
function identity(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string' && value.trim() !== '') return value
  if (typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>
    const v = o.id ?? o.name
    if (typeof v === 'string' && v.trim() !== '') return v
  }
  throw invalidParams(`${field} must be a name or id, or an object with "name" or "id".`)
}

/** Heroku refuses a body key its schema does not name: 422 invalid_params "Unknown params: foo.". */
function allowOnly(body: Record<string, unknown>, allowed: string[]): Record<string, unknown> {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k))
  if (unknown.length) throw invalidParams(`Unknown params: ${unknown.join(', ')}.`)
  return body
}

/** `config` of an add-on create: string values only, as the schema says. */
function addonConfig(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidParams('config must be an object.')
  const bad = Object.entries(value).find(([, v]) => typeof v !== 'string')
  if (bad) throw invalidParams(`Invalid config: ${bad[0]} must be a string.`)
  return value as Record<string, string>
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalidParams(`${key} must be a string.`)
  return v
}

export function platformRoutes(state: SimState, rateLimitRemaining: () => number): Route[] {
  const app = (req: SimRequest): AppRec => state.findApp(req.params.app)
  const appAddon = (a: AppRec, idOrName: string): AddonRec => {
    const addon = state.findAddon(idOrName)
    // An add-on is visible through an app that bills it or has it attached.
    if (addon.appId !== a.id && !state.addonAttachments(addon).some((x) => x.appId === a.id))
      throw notFound(`Couldn't find that add-on.`)
    return addon
  }

  return [
    route('GET', '/account', () => ({ status: 200, body: accountJson() })),
    route('GET', '/account/rate-limits', () => ({
      status: 200,
      body: { remaining: rateLimitRemaining() }
    })),
    route('GET', '/apps', (req) =>
      paged(
        req,
        [...state.apps.values()].map((a) => state.appJson(a))
      )
    ),
    route('GET', '/apps/:app', (req) => ({ status: 200, body: state.appJson(app(req)) })),
    route('PATCH', '/apps/:app', (req) => {
      const a = app(req)
      const body = allowOnly(objectBody(req.body), ['maintenance', 'name', 'build_stack'])
      if (body.maintenance !== undefined && typeof body.maintenance !== 'boolean')
        throw invalidParams('maintenance must be true or false.')
      if (body.name !== undefined)
        throw invalidParams('Renaming apps is not supported by the simulator.')
      if (typeof body.maintenance === 'boolean' && body.maintenance !== a.maintenance) {
        a.maintenance = body.maintenance
        a.updatedAt = iso()
      }
      return { status: 200, body: state.appJson(a) }
    }),
    route('GET', '/apps/:app/formation', (req) => {
      const a = app(req)
      const processes = [{ type: 'web', command: 'npm start', quantity: 1 }]
      // An app given a release phase (POST /__sim/apps/{app}/release-phase) has a release process.
      if (a.releasePhaseSeconds !== null)
        processes.push({ type: 'release', command: 'npm run migrate', quantity: 0 })
      return {
        status: 200,
        body: processes.map((p) => ({
          id: uuidFrom(`formation:${a.id}:${p.type}`),
          type: p.type,
          command: p.command,
          quantity: p.quantity,
          size: 'Basic',
          dyno_size: { id: uuidFrom('dyno-size:basic'), name: 'Basic' },
          app: { id: a.id, name: a.name },
          created_at: a.createdAt,
          updated_at: a.updatedAt
        }))
      }
    }),
    route('GET', '/apps/:app/releases', (req) => {
      const a = app(req)
      const list = state.releases.filter((r) => r.appId === a.id).map((r) => state.releaseJson(r))
      return paged(req, list, ['version', 'id'])
    }),
    route('GET', '/apps/:app/releases/:release', (req) => {
      const a = app(req)
      const r = state.releases.find(
        (x) =>
          x.appId === a.id &&
          (x.id === req.params.release || String(x.version) === req.params.release)
      )
      if (!r) throw notFound(`Couldn't find that release.`)
      return { status: 200, body: state.releaseJson(r) }
    }),
    route('GET', '/apps/:app/config-vars', (req) => ({
      status: 200,
      body: state.configVars(app(req))
    })),

    // ---- add-ons ----
    route('GET', '/apps/:app/addons', (req) => {
      const a = app(req)
      const ids = new Set(state.appAttachments(a).map((x) => x.addonId))
      const list = [...state.addons.values()].filter(
        (x) => x.state !== 'deprovisioned' && (x.appId === a.id || ids.has(x.id))
      )
      return paged(
        req,
        list.map((x) => state.addonJson(x, expandsPlan(req)))
      )
    }),
    route('GET', '/addons', (req) =>
      paged(
        req,
        [...state.addons.values()]
          .filter((x) => x.state !== 'deprovisioned')
          .map((x) => state.addonJson(x, expandsPlan(req)))
      )
    ),
    route('GET', '/addons/:addon', (req) => ({
      status: 200,
      body: state.addonJson(
        state.findAddon(req.params.addon, { includeGone: true }),
        expandsPlan(req)
      )
    })),
    route('GET', '/apps/:app/addons/:addon', (req) => {
      const a = app(req)
      let addon: AddonRec
      try {
        addon = appAddon(a, req.params.addon)
      } catch (err) {
        // A failed provisioning stays visible (state deprovisioned) to whoever polls it.
        const gone = [...state.addons.values()].find(
          (x) =>
            x.appId === a.id &&
            x.failProvision &&
            (x.id === req.params.addon || x.name === req.params.addon)
        )
        if (!gone) throw err
        addon = gone
      }
      return { status: 200, body: state.addonJson(addon, expandsPlan(req)) }
    }),
    route('POST', '/apps/:app/addons', async (req) => {
      const a = app(req)
      const body = allowOnly(objectBody(req.body), [
        'attachment',
        'config',
        'confirm',
        'name',
        'plan'
      ])
      const planRef = identity(body.plan, 'plan')
      if (!planRef) throw invalidParams('plan is required.')
      const plan = findPlan(planRef)
      if (!plan) {
        throw invalidParams(
          `Couldn't find either the add-on service or the add-on plan of "${planRef}". This simulator knows ${SERVICE_NAME} plans: ${PLANS.map((p) => p.name.split(':')[1]).join(', ')}.`
        )
      }
      const name = optionalString(body, 'name')
      let attachmentName: string | undefined
      if (body.attachment !== undefined && body.attachment !== null) {
        if (typeof body.attachment !== 'object' || Array.isArray(body.attachment))
          throw invalidParams('attachment must be an object like {"name": "RESTORE_DRILL"}.')
        const attachment = allowOnly(body.attachment as Record<string, unknown>, ['name'])
        attachmentName = optionalString(attachment, 'name')
      }
      const { addon } = await state.createAddon(a, {
        plan,
        name,
        attachmentName,
        config: addonConfig(body.config),
        confirm: optionalString(body, 'confirm')
      })
      const out = state.addonJson(addon, expandsPlan(req))
      if (addon.state === 'provisioning')
        out.provision_message =
          'Database is being provisioned. Run `heroku pg:wait` to wait until it is ready.'
      return { status: 201, body: out }
    }),
    route('DELETE', '/apps/:app/addons/:addon', async (req) => {
      const a = app(req)
      const addon = state.findAddon(req.params.addon)
      if (addon.appId !== a.id) throw notFound(`Couldn't find that add-on.`)
      // The schema names no body; the official CLI sends {force}.
      const body = allowOnly(objectBody(req.body), ['force'])
      if (body.force !== undefined && typeof body.force !== 'boolean')
        throw invalidParams('force must be true or false.')
      state.deleteAddon(addon)
      return { status: 200, body: state.addonJson(addon, expandsPlan(req)) }
    }),

    // ---- attachments ----
    route('GET', '/apps/:app/addon-attachments', (req) =>
      paged(
        req,
        state.appAttachments(app(req)).map((x) => state.attachmentJson(x, inclusion(req)))
      )
    ),
    route('GET', '/apps/:app/addon-attachments/:att', (req) => {
      const a = app(req)
      const att = state
        .appAttachments(a)
        .find((x) => x.id === req.params.att || x.name === req.params.att)
      if (!att) throw notFound(`Couldn't find that add-on attachment.`)
      return { status: 200, body: state.attachmentJson(att, inclusion(req)) }
    }),
    route('GET', '/addons/:addon/addon-attachments', (req) => {
      const addon = state.findAddon(req.params.addon)
      return paged(
        req,
        state.addonAttachments(addon).map((x) => state.attachmentJson(x, inclusion(req)))
      )
    }),
    route('GET', '/addon-attachments', (req) =>
      paged(
        req,
        [...state.attachments.values()].map((x) => state.attachmentJson(x, inclusion(req)))
      )
    ),
    route('GET', '/addon-attachments/:att', (req) => {
      const att = state.attachments.get(req.params.att)
      if (!att) throw notFound(`Couldn't find that add-on attachment.`)
      return { status: 200, body: state.attachmentJson(att, inclusion(req)) }
    }),
    route('POST', '/addon-attachments', (req) => {
      const body = allowOnly(objectBody(req.body), [
        'addon',
        'app',
        'confirm',
        'name',
        'namespace',
        'namespace_config'
      ])
      const addonRef = identity(body.addon, 'addon')
      const appRef = identity(body.app, 'app')
      if (!addonRef || !appRef) throw invalidParams('addon and app are required.')
      const addon = state.findAddon(addonRef)
      const a = state.findApp(appRef)
      if (addon.state !== 'provisioned' && addon.state !== 'provisioning')
        throw invalidParams(`Add-on ${addon.name} cannot be attached in state ${addon.state}.`)
      const namespace =
        body.namespace === undefined || body.namespace === null
          ? null
          : optionalString(body, 'namespace')!
      const att = state.attach(addon, a, {
        name: optionalString(body, 'name'),
        namespace,
        confirm: optionalString(body, 'confirm')
      })
      return { status: 201, body: state.attachmentJson(att, inclusion(req)) }
    }),
    route('DELETE', '/addon-attachments/:att', (req) => {
      const att = state.attachments.get(req.params.att)
      if (!att) throw notFound(`Couldn't find that add-on attachment.`)
      const out = state.attachmentJson(att, inclusion(req))
      state.detach(att)
      return { status: 200, body: out }
    }),
    route('POST', '/actions/addon-attachments/resolve', (req) => {
      const body = allowOnly(objectBody(req.body), ['addon_attachment', 'app', 'addon_service'])
      const ref = optionalString(body, 'addon_attachment')
      if (!ref) throw invalidParams('addon_attachment is required.')
      // Resolve takes the app's name as a string; an {name} object is refused.
      const appRef = optionalString(body, 'app')
      const service = optionalString(body, 'addon_service')
      const scope = appRef
        ? state.appAttachments(state.findApp(appRef))
        : [...state.attachments.values()]
      const upper = ref.toUpperCase()
      const matches = scope.filter((att) => {
        const addon = state.addons.get(att.addonId)
        if (service && service !== SERVICE_NAME) return false
        return (
          att.id === ref ||
          att.name.toUpperCase() === upper ||
          configVarName(att) === upper ||
          addon?.name === ref ||
          addon?.id === ref
        )
      })
      // An attachment name wins over add-on names (the platform resolver's precedence).
      const byName = matches.filter(
        (att) => att.name.toUpperCase() === upper || configVarName(att) === upper
      )
      const result = byName.length > 0 ? byName : matches
      if (result.length === 0) throw notFound(`Couldn't find that add-on attachment.`)
      return { status: 200, body: result.map((x) => state.attachmentJson(x, inclusion(req))) }
    }),
    route('POST', '/actions/addons/resolve', (req) => {
      const body = allowOnly(objectBody(req.body), ['addon', 'app', 'addon_service'])
      const ref = optionalString(body, 'addon')
      if (!ref) throw invalidParams('addon is required.')
      const appRef = optionalString(body, 'app')
      const a = appRef ? state.findApp(appRef) : undefined
      const live = [...state.addons.values()].filter((x) => x.state !== 'deprovisioned')
      let found = live.filter((x) => x.id === ref || x.name === ref)
      if (found.length === 0 && a) {
        const upper = ref.toUpperCase()
        const ids = new Set(
          state
            .appAttachments(a)
            .filter((att) => att.name.toUpperCase() === upper || configVarName(att) === upper)
            .map((att) => att.addonId)
        )
        found = live.filter((x) => ids.has(x.id))
      }
      if (found.length === 0) throw notFound(`Couldn't find that add-on.`)
      return { status: 200, body: found.map((x) => state.addonJson(x, expandsPlan(req))) }
    }),

    // ---- add-on service and plans ----
    route('GET', '/addon-services', (req) => paged(req, [addonServiceJson()])),
    route('GET', '/addon-services/:service', (req) => {
      if (req.params.service !== SERVICE_NAME) throw notFound(`Couldn't find that add-on service.`)
      return { status: 200, body: addonServiceJson() }
    }),
    route('GET', '/addon-services/:service/plans', (req) => {
      if (req.params.service !== SERVICE_NAME) throw notFound(`Couldn't find that add-on service.`)
      return paged(req, PLANS.map(planJson))
    }),
    route('GET', '/addon-services/:service/plans/:plan', (req) => {
      if (req.params.service !== SERVICE_NAME) throw notFound(`Couldn't find that add-on service.`)
      const plan = findPlan(req.params.plan)
      if (!plan) throw notFound(`Couldn't find that plan.`)
      return { status: 200, body: planJson(plan) }
    }),
    route('GET', '/plans/:plan', (req) => {
      const plan = findPlan(req.params.plan)
      if (!plan) throw notFound(`Couldn't find that plan.`)
      return { status: 200, body: planJson(plan) }
    }),
    route('GET', '/users/~', () => ({ status: 200, body: accountJson() }))
  ]
}
