// Transfers of the simulator: the one num sequence per app, their records and logs, real
// `pg_dump -Fc` captures into dump files it keeps, rotation of manual backups, cancel and delete.
import { randomUUID } from 'node:crypto'
import { existsSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { manualBackupsKept } from '../sim-catalog.js'
import type { ArmedFault } from '../sim-faults.js'
import { SimHttpError, notFound } from '../sim-http.js'
import { databaseUrl, type DatabaseCredentials } from '../sim-pg.js'
import { SimWorld } from './addons.js'
import { iso, type AddonRec, type AppRec, type TransferRec } from './records.js'

export class SimTransfers extends SimWorld {
  storageUrl(t: { uuid: string }): string {
    return `${this.o.baseUrl()}/__sim/storage/${t.uuid}/backup.dump`
  }

  /** The transfer whose dump a backup_url names (our storage URL or a public URL of it). */
  transferForBackupUrl(backupUrl: string): TransferRec | undefined {
    const m = /\/__sim\/storage\/([0-9a-f-]{36})\//.exec(backupUrl)
    return m ? this.transfers.get(m[1]) : undefined
  }

  protected attachmentLabel(addon: AddonRec): string {
    const atts = this.addonAttachments(addon).filter((a) => a.appId === addon.appId)
    return (atts.find((a) => a.name === 'DATABASE') ?? atts[0])?.name ?? addon.name
  }

  protected newTransfer(
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
      sourceBytes: null,
      processedBytes: 0,
      numKeep: 25,
      succeeded: false,
      warnings: 0,
      createdAt: now,
      updatedAt: null,
      startedAt: null,
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

  /**
   * A transfer starts a moment after it is created, as on Heroku: the POST answer has
   * started_at and updated_at null. False when it was cancelled before it started.
   */
  protected async begin(t: TransferRec): Promise<boolean> {
    await this.delay(1)
    if (t.finishedAt) return false
    t.startedAt = iso()
    t.updatedAt = t.startedAt
    return true
  }

  /** A transfer whose run throws fails (with the reason in its logs) instead of crashing the simulator. */
  protected guard(t: TransferRec, run: Promise<void>): Promise<void> {
    return run.catch((err: Error) => {
      if (t.finishedAt) return
      this.log(t, `transfer failed: ${err.message}`, 'error')
      this.finish(t, false)
    })
  }

  protected log(t: TransferRec, message: string, level = 'info'): void {
    t.logs.push({ created_at: iso(), level, message })
    t.updatedAt = iso()
  }

  protected finish(t: TransferRec, succeeded: boolean): void {
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
    const stats = await this.pgFor(creds).databaseStats(creds.database)
    const t = this.newTransfer(app, {
      kind: 'capture',
      fromType: 'pg_dump',
      toType: 'gof3r',
      fromName: this.attachmentLabel(addon),
      toName: opts.scheduleUuid ? 'SCHEDULED BACKUP' : 'BACKUP',
      fromUrl: databaseUrl(creds),
      toUrl: '',
      sourceAddonId: addon.id,
      scheduleUuid: opts.scheduleUuid,
      numKeep: this.o.backupLimits?.kept(addon.plan) ?? manualBackupsKept(addon.plan)
    })
    t.toUrl = this.storageUrl(t)
    t.file = join(this.o.dumpDir, `${t.uuid}.dump`)
    const fail = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-fail' && f.transfer === 'capture'
    )
    const warn = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-warnings' && f.transfer === 'capture'
    )
    const minMs = opts.noDelay ? 0 : this.slowTransferMs(t, 'capture', this.o.captureDelaySeconds)
    const run = async (): Promise<void> => {
      if (!(await this.begin(t))) return
      t.sourceBytes = stats.bytes
      await this.runCapture(t, creds, minMs, fail, warn)
    }
    t.done = this.guard(t, run())
    return t
  }

  protected async runCapture(
    t: TransferRec,
    creds: DatabaseCredentials,
    minMs: number,
    fail: ArmedFault | undefined,
    warn: ArmedFault | undefined
  ): Promise<void> {
    const started = Date.now()
    this.log(t, `Running pg_dump of ${t.fromName}`)
    // pg_dump as the superuser inside the add-on's database, so every object is readable.
    const server = this.pgFor(creds)
    const proc = server.runTool(
      'pg_dump',
      ['-Fc', '--verbose', '--no-password', '-f', t.file!],
      {
        ...server.adminCredentials(),
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
   * Manual backups rotate (Heroku's transfer service evicts them): after a successful manual
   * capture, older succeeded manual backups of the same database beyond `num_keep` are deleted.
   */
  protected evictManualBackups(latest: TransferRec): void {
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

  /** How long a new transfer stays running at least: a transfer-slow fault, else the default delay. */
  protected slowTransferMs(
    t: TransferRec,
    kind: 'capture' | 'restore',
    defaultSeconds: number
  ): number {
    const slow = this.o.faults.takeOne((f) => f.kind === 'transfer-slow' && f.transfer === kind)
    if (slow?.kind !== 'transfer-slow') return defaultSeconds * 1000
    this.o.faults.record(
      slow,
      `${kind} ${this.transferName(t)} runs for at least ${slow.seconds} s`
    )
    return slow.seconds * 1000
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
}
