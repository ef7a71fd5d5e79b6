// heroku-postgresql add-ons: creating one (a real database, or a fork or rollback copy through
// Continuous Protection), provisioning it over time, damage faults, and destroying it.
import { randomUUID } from 'node:crypto'
import { connectionLimit } from '../sim-catalog.js'
import { applyDamage, type DamageFault } from '../sim-damage.js'
import { SimHttpError, invalidParams } from '../sim-http.js'
import { databaseUrl, type DatabaseCredentials, type SimPostgres } from '../sim-pg.js'
import {
  hasContinuousProtection,
  isRefusal,
  recoveryPlan,
  type RecoveryPlan,
  type RecoverySource
} from '../sim-protection.js'
import { followedLeader } from '../sim-followers.js'
import { SimApps } from './apps.js'
import {
  ADDON_NAME_PATTERN,
  ATTACHMENT_NAME_PATTERN,
  type AddonRec,
  type AppRec,
  type AttachmentRec,
  type CreateAddonRequest,
  configVarName,
  iso
} from './records.js'

export class SimWorld extends SimApps {
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
      const server = await this.serverForNew(req)
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

  /**
   * Where a new database lives: on a server of its major (`config.version`, else the default);
   * of the main server's major, Standard tier and up on the Continuous-Protection cluster,
   * Essential on the main server. (A database on another major has no Continuous Protection here.)
   */
  private async serverForNew(req: CreateAddonRequest): Promise<SimPostgres> {
    const major = await this.o.majors.majorFor(req.config ?? {})
    if (major !== (await this.o.majors.ownMajor())) return this.o.majors.serverFor(major)
    return hasContinuousProtection(req.plan) ? this.protection.protectedServer() : this.o.pg
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
        nowMs,
        addon.recoveryHistoryAgeMs
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
}
