// Restores of the simulator: a real `pg_restore --no-owner --no-acl` of a backup (or of a file at
// a URL) onto an add-on's database, extensions pre-created, armed failure, warnings and damage
// faults applied after it.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { ArmedFault } from '../sim-faults.js'
import { databaseUrl, type DatabaseCredentials } from '../sim-pg.js'
import { type AddonRec, type TransferRec } from './records.js'
import { SimTransfers } from './transfers.js'

export class SimRestores extends SimTransfers {
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
    let file: string
    let fileBytes: number
    try {
      file = await this.restoreFile(t, source, backupUrl)
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
    if (warn && warn.kind === 'transfer-warnings') await this.addRestoreWarnings(t, creds, warn)
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

  /** The dump a restore reads: the backup's own file, or the file at the URL, downloaded. */
  private async restoreFile(
    t: TransferRec,
    source: TransferRec | undefined,
    backupUrl: string
  ): Promise<string> {
    if (source) {
      if (!source.file || source.deletedAt || !existsSync(source.file) || !source.succeeded)
        throw new Error(`backup ${this.transferName(source)} is not available`)
      return source.file
    }
    const file = join(this.o.dumpDir, `${t.uuid}.download`)
    this.log(t, 'Downloading backup from the given URL')
    await this.fetchToFile(backupUrl, file)
    return file
  }

  /** A transfer-warnings fault: log lines as pg_restore writes them, and the warning count. */
  private async addRestoreWarnings(
    t: TransferRec,
    creds: DatabaseCredentials,
    warn: Extract<ArmedFault, { kind: 'transfer-warnings' }>
  ): Promise<void> {
    const tables = await this.pgFor(creds)
      .withAdminClient(creds.database, async (client) => {
        const r = await client.query<{ t: string }>(
          `select tablename as t from pg_tables where schemaname = 'public' order by 1`
        )
        return r.rows.map((x) => x.t)
      })
      .catch(() => [] as string[])
    for (let i = 0; i < warn.count; i++)
      for (const line of restoreWarningLines(i, warn.benign, tables, creds.user)) this.log(t, line)
    t.warnings += warn.count
    this.log(t, `pg_restore: warning: errors ignored on restore: ${t.warnings}`)
    this.o.faults.record(
      warn,
      `restore ${this.transferName(t)} finished with ${warn.count} ${warn.benign ? 'harmless' : 'real'} warnings`
    )
  }
}

/** The lines of warning `i`: a harmless ownership error, or a real COPY failure on a table. */
function restoreWarningLines(i: number, benign: boolean, tables: string[], user: string): string[] {
  if (benign)
    return [
      'pg_restore: while PROCESSING TOC:',
      `pg_restore: from TOC entry ${4100 + i}; 0 0 COMMENT EXTENSION plpgsql `,
      'pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql',
      "Command was: COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';"
    ]
  const table = tables.length ? tables[i % tables.length] : `table_${i + 1}`
  return [
    'pg_restore: while PROCESSING TOC:',
    `pg_restore: from TOC entry ${3300 + i}; 0 ${16400 + i} TABLE DATA public ${table} ${user}`,
    `pg_restore: error: COPY failed for table "${table}": ERROR:  invalid byte sequence for encoding "UTF8": 0x00`,
    `CONTEXT:  COPY ${table}, line ${i + 1}`
  ]
}
