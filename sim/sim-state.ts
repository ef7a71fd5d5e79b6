// Transfers and schedules of the simulator: real `pg_dump -Fc` captures into dump files it keeps,
// real `pg_restore --no-owner --no-acl` restores (extensions pre-created, damage faults after), the
// one num sequence per app, rotation of manual backups, daily schedules, and shutdown.
import { randomUUID } from 'node:crypto'
import { existsSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { manualBackupsKept } from './sim-catalog.js'
import type { ArmedFault } from './sim-faults.js'
import { SimHttpError, notFound } from './sim-http.js'
import { databaseUrl, type DatabaseCredentials } from './sim-pg.js'
import {
  DAYS,
  SimWorld,
  configVarName,
  iso,
  sleep,
  type AddonRec,
  type AppRec,
  type ScheduleRec,
  type TransferRec
} from './sim-world.js'

export * from './sim-catalog.js'
export * from './sim-world.js'

export class SimState extends SimWorld {
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
  private async begin(t: TransferRec): Promise<boolean> {
    await this.delay(1)
    if (t.finishedAt) return false
    t.startedAt = iso()
    t.updatedAt = t.startedAt
    return true
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
    // Heroku's restores read any backup URL with htcat and keep source_bytes null.
    const t = this.newTransfer(app, {
      kind: 'restore',
      fromType: 'htcat',
      toType: 'pg_restore',
      fromName: 'BACKUP',
      toName: this.attachmentLabel(target),
      fromUrl: backupUrl,
      toUrl: databaseUrl(creds),
      targetAddonId: target.id
    })
    const fail = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-fail' && f.transfer === 'restore'
    )
    const warn = this.o.faults.takeOne(
      (f) => f.kind === 'transfer-warnings' && f.transfer === 'restore'
    )
    const minMs = this.slowTransferMs(t, 'restore', this.o.restoreDelaySeconds)
    const run = async (): Promise<void> => {
      if (!(await this.begin(t))) return
      await this.runRestore(t, creds, source, backupUrl, extensions, fail, warn, minMs)
    }
    t.done = this.guard(t, run())
    return t
  }

  /** How long a new transfer stays running at least: a transfer-slow fault, else the default delay. */
  private slowTransferMs(
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
    warn: ArmedFault | undefined,
    minMs: number
  ): Promise<void> {
    const started = Date.now()
    const waitMin = async (): Promise<void> => {
      const remaining = minMs - (Date.now() - started)
      if (remaining > 0 && !t.canceledAt) await this.delay(remaining)
    }
    let file: string | undefined
    let fileBytes = 0
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
      fileBytes = statSync(file).size
      this.log(
        t,
        `Preparing ${t.toName} for restore${extensions.length ? `; creating extensions ${extensions.join(', ')}` : ''}`
      )
      await this.pgFor(creds).prepareRestoreTarget(creds, extensions)
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
    const proc = this.pgFor(creds).runTool(
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
    t.processedBytes = fileBytes
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
      const tables = await this.pgFor(creds)
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
    // A damage that cannot be applied fails the restore: no test passes on damage that never happened.
    const damageFailure = await this.applyDamageFaults(
      this.transferName(t),
      creds,
      this.apps.get(t.appId)?.name ?? ''
    )
    if (damageFailure) {
      this.log(t, `heroku-sim: ${damageFailure}`, 'error')
      this.finish(t, false)
      return
    }
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
          app && this.appAttachments(app).find((a) => configVarName(a) === sched.name.toUpperCase())
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
      if (this.pgFor(creds) === this.o.pg) await this.o.pg.dropDatabase(creds).catch(() => {})
      this.created.delete(creds)
    }
    // The Continuous-Protection cluster and every copy go whole, with their directories.
    await this.protection.close()
    rmSync(this.o.dumpDir, { recursive: true, force: true })
  }
}
