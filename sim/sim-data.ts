// Postgres data API routes of the simulator (api.data.heroku.com /client/v11): databases, transfers, schedules.
import { randomBytes } from 'node:crypto'
import {
  SimHtmlError,
  SimHttpError,
  invalidParams,
  notFound,
  objectBody,
  redactValue,
  route,
  type Route,
  type SimRequest
} from './sim-http.js'
import { hasPgBackups, isAdvanced } from './sim-catalog.js'
import { configVarName, dataTime, iso, type SimState } from './sim-state.js'
import type { AddonRec } from './world/records.js'

const TIMEZONE_ALIASES: Record<string, string> = {
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  GMT: 'Europe/London',
  BST: 'Europe/London',
  Z: 'UTC'
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The add-on id of a /databases/{id} path; anything but a UUID gets Heroku's HTML 404 page. */
function databaseId(req: SimRequest): string {
  if (!UUID.test(req.params.id)) throw new SimHtmlError(404, 'not_found', 'Not Found')
  return req.params.id
}

/**
 * Postgres Advanced lives under /data/postgres/v1; the v11 endpoints do not know its databases
 * (heroku-api.md §19.5: a 404 on wait_status, which the CLI tolerates only while provisioning). How
 * the other v11 endpoints answer is not established: the simulator answers them 404 too.
 */
function refuseAdvanced(addon: AddonRec, id: string): void {
  if (isAdvanced(addon.plan)) throw notFound(`Couldn't find database ${id}.`)
}

/**
 * "PGBackups don't work with Shield databases" (Dev Center, heroku-api.md §19.5). Heroku's exact
 * answer is not recorded; the simulator refuses backups, restores and schedules with a 422.
 */
function refuseShield(addon: AddonRec): void {
  if (!hasPgBackups(addon.plan))
    throw invalidParams(
      `PGBackups are not available for ${addon.plan.human_name} databases (Shield). Use a fork or rollback instead.`
    )
}

export function dataRoutes(state: SimState): Route[] {
  const verbose = (req: SimRequest): boolean => req.url.searchParams.get('verbose') === 'true'
  const appOf = (req: SimRequest) => state.findApp(req.params.app)
  const database = (req: SimRequest) => {
    const ready = state.readyDatabase(databaseId(req))
    refuseAdvanced(ready.addon, req.params.id)
    return ready
  }
  /** A database whose PGBackups work: not Advanced, not Shield. */
  const backedUp = (req: SimRequest) => {
    const ready = database(req)
    refuseShield(ready.addon)
    return ready
  }

  return [
    route('GET', '/client/v11/databases/:id', async (req) => {
      const { addon, creds } = database(req)
      return { status: 200, body: await state.databaseInfoJson(addon, creds) }
    }),
    route('GET', '/client/v11/databases/:id/wait_status', (req) => {
      const id = databaseId(req)
      const addon = (() => {
        try {
          return state.findAddon(id, { includeGone: true })
        } catch {
          throw notFound(`Couldn't find database ${req.params.id}.`)
        }
      })()
      refuseAdvanced(addon, req.params.id)
      if (addon.state === 'deprovisioned') {
        if (addon.failProvision)
          return {
            status: 200,
            body: {
              'waiting?': false,
              'error?': true,
              message: String(
                redactValue(
                  `Provisioning failed: ${addon.provisionError ?? 'the database could not be created'}. Destroy the add-on and try again.`,
                  state.o.secrets
                )
              )
            }
          }
        throw notFound(`Couldn't find database ${req.params.id}.`)
      }
      // A fork or rollback says how far its recovery is: preparing, recovering, finishing.
      if (addon.state === 'provisioning')
        return {
          status: 200,
          body: {
            'waiting?': true,
            'error?': false,
            message: addon.recovery?.message ?? 'pending'
          }
        }
      return { status: 200, body: { 'waiting?': false, 'error?': false, message: 'available' } }
    }),
    route('POST', '/client/v11/databases/:id/backups', async (req) => {
      const { addon } = backedUp(req)
      const t = await state.startCapture(addon)
      return { status: 201, body: state.transferJson(t, false) }
    }),
    route('POST', '/client/v11/databases/:id/restores', async (req) => {
      const { addon } = backedUp(req)
      const body = objectBody(req.body)
      if (typeof body.backup_url !== 'string' || !/^https?:\/\//.test(body.backup_url))
        throw invalidParams('backup_url is required and must be an http(s) URL.')
      let extensions: string[] = []
      if (body.extensions !== undefined && body.extensions !== null) {
        if (!Array.isArray(body.extensions) || body.extensions.some((e) => typeof e !== 'string'))
          throw invalidParams('extensions must be an array of extension names.')
        extensions = (body.extensions as string[])
          .map((e) => e.trim().toLowerCase())
          .filter((e) => e !== '')
        const bad = extensions.find((e) => !/^([a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_-]*$/.test(e))
        if (bad) throw invalidParams(`extensions: "${bad}" is not an extension name.`)
      }
      const source = state.transferForBackupUrl(body.backup_url)
      if (source && (source.deletedAt || !source.succeeded || source.kind !== 'capture'))
        throw invalidParams('backup_url does not point at a successful backup.')
      const t = await state.startRestore(addon, body.backup_url, extensions)
      return { status: 201, body: state.transferJson(t, false) }
    }),
    route('GET', '/client/v11/databases/:id/transfer-schedules', (req) => {
      const { addon } = backedUp(req)
      const app = state.apps.get(addon.appId)!
      return { status: 200, body: state.appSchedules(app).map((s) => state.scheduleJson(s)) }
    }),
    route('POST', '/client/v11/databases/:id/transfer-schedules', (req) => {
      const { addon } = backedUp(req)
      const app = state.apps.get(addon.appId)!
      const body = objectBody(req.body)
      const hour = typeof body.hour === 'string' ? Number(body.hour) : body.hour
      if (typeof hour !== 'number' || !Number.isInteger(hour) || hour < 0 || hour > 23)
        throw invalidParams('hour must be 0..23.')
      const tzRaw = body.timezone === undefined ? 'UTC' : body.timezone
      if (typeof tzRaw !== 'string') throw invalidParams('timezone must be a string.')
      const timezone = TIMEZONE_ALIASES[tzRaw.toUpperCase()] ?? tzRaw
      if (!validTimezone(timezone))
        throw invalidParams(`timezone ${tzRaw} is not a known IANA time zone.`)
      let name = body.schedule_name
      if (name === undefined) {
        const att = state.addonAttachments(addon).find((a) => a.appId === app.id)
        name = att ? configVarName(att) : undefined
      }
      if (typeof name !== 'string' || name === '') throw invalidParams('schedule_name is required.')
      const s = state.setSchedule(app, { name, hour, timezone })
      return { status: 201, body: state.scheduleJson(s) }
    }),
    route('DELETE', '/client/v11/databases/:id/transfer-schedules/:uuid', (req) => {
      const { addon } = database(req)
      const s = state.schedules.get(req.params.uuid)
      if (!s || s.appId !== addon.appId) throw notFound(`Couldn't find that schedule.`)
      state.schedules.delete(s.uuid)
      return { status: 200, body: state.scheduleJson(s) }
    }),
    route('GET', '/client/v11/apps/:app/transfers', (req) => ({
      status: 200,
      body: state.appTransfers(appOf(req)).map((t) => state.transferJson(t, verbose(req)))
    })),
    route('GET', '/client/v11/apps/:app/transfers/:id', (req) => ({
      status: 200,
      body: state.transferJson(state.findTransfer(appOf(req), req.params.id), verbose(req))
    })),
    route('DELETE', '/client/v11/apps/:app/transfers/:id', (req) => {
      const t = state.findTransfer(appOf(req), req.params.id)
      state.deleteTransfer(t)
      return { status: 200, body: state.transferJson(t, false) }
    }),
    route('POST', '/client/v11/apps/:app/transfers/:id/actions/cancel', (req) => {
      const t = state.findTransfer(appOf(req), req.params.id)
      state.cancelTransfer(t)
      return { status: 201, body: { canceled_at: dataTime(t.canceledAt) } }
    }),
    route('POST', '/client/v11/apps/:app/transfers/:id/actions/public-url', (req) => {
      const t = state.findTransfer(appOf(req), req.params.id)
      if (t.kind !== 'capture' || t.toType !== 'gof3r' || !t.succeeded)
        throw new SimHttpError(
          400,
          'bad_request',
          `Transfer ${state.transferName(t)} is not a successful backup.`
        )
      const body = objectBody(req.body)
      const ttl = body.ttl === undefined ? 3600 : Number(body.ttl)
      if (!Number.isFinite(ttl) || ttl <= 0)
        throw invalidParams('ttl must be a positive number of seconds.')
      const expires = dataTime(iso(Date.now() + ttl * 1000))
      const url = `${state.storageUrl(t)}?expires=${encodeURIComponent(expires)}&signature=${randomBytes(16).toString('hex')}`
      state.o.secrets.add(url.split('?')[1])
      return { status: 200, body: { expires_at: expires, url } }
    })
  ]
}
