// The simulator's state and its lookups: apps, add-ons, attachments by id or name, and the server
// that holds a database.
import { notFound } from '../sim-http.js'
import { databaseUrl, type DatabaseCredentials, type SimPostgres } from '../sim-pg.js'
import { ContinuousProtection } from '../sim-protection.js'
import { SimClock } from './clock.js'
import {
  type AddonRec,
  type AppRec,
  type AttachmentRec,
  type ReleaseRec,
  type ScheduleRec,
  type StateOptions,
  type TransferRec
} from './records.js'

export class SimLookups extends SimClock {
  readonly apps = new Map<string, AppRec>()
  readonly addons = new Map<string, AddonRec>()
  readonly attachments = new Map<string, AttachmentRec>()
  readonly releases: ReleaseRec[] = []
  readonly transfers = new Map<string, TransferRec>()
  readonly schedules = new Map<string, ScheduleRec>()
  /** Every database ever created, dropped again by close(). */
  protected readonly created = new Set<DatabaseCredentials>()
  protected closing = false
  /** The Continuous-Protection cluster and the recovered copies (forks, rollbacks). */
  readonly protection: ContinuousProtection

  constructor(readonly o: StateOptions) {
    super()
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
}
