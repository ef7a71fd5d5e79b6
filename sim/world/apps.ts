// Apps, releases (with their release phase) and attachments.
import { randomBytes, randomUUID } from 'node:crypto'
import { REGION } from '../sim-catalog.js'
import { SimHttpError, invalidParams } from '../sim-http.js'
import {
  ADJECTIVES,
  APP_NAME_PATTERN,
  ATTACHMENT_NAME_PATTERN,
  type AddonRec,
  type AppRec,
  type AttachmentRec,
  COLORS,
  type ReleaseRec,
  iso
} from './records.js'
import { SimViews } from './views.js'

export class SimApps extends SimViews {
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

  protected uniqueAddonName(): string {
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
}
