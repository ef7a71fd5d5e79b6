/** The Postgres data API calls of the drill (api.data.heroku.com, /client/v11): database info, transfers, schedules. */
import type { Ownership, SecretRegistry } from '../safety.js'
import type { HerokuHttp } from './http.js'
import { toIsoTime } from './times.js'
import {
  HerokuApiError,
  isBackup,
  type DatabaseInfo,
  type Transfer,
  type TransferSchedule,
  type WaitStatus
} from './types.js'

export interface DataApi {
  /** null on 404 (not yet provisioned); `database_password` is removed and registered as a secret. */
  getDatabase(addonId: string): Promise<DatabaseInfo | null>
  /** null on 404 */
  waitStatus(addonId: string): Promise<WaitStatus | null>
  listTransfers(app: string): Promise<Transfer[]>
  getTransfer(app: string, uuidOrNum: string, opts?: { verbose?: boolean }): Promise<Transfer>
  /**
   * Starts a manual backup. Never sent twice blindly: after an ambiguous failure the app's transfers
   * are read back (`opts.app` is the source's billing app; looked up when not given).
   * `beforeRequest` is told, before the request, how to find the capture if no answer comes.
   */
  captureBackup(
    sourceAddonId: string,
    opts?: { app?: string; beforeRequest?: (mark: CaptureMark) => void }
  ): Promise<Transfer>
  /**
   * THE one place every restore passes through: refuses any target this run did not create, before
   * any request. Never sent twice blindly (read back first).
   */
  restoreBackup(
    targetAddonId: string,
    req: { backupUrl: string; extensions: string[] }
  ): Promise<Transfer>
  cancelTransfer(app: string, uuid: string): Promise<void>
  /** Deletes the backup this run captured, and no other (Ownership). */
  deleteBackup(app: string, num: number): Promise<'deleted' | 'already-gone'>
  /** A URL a restore can read the backup from: its `to_url`, or a signed one asked for. */
  backupUrl(app: string, backup: Transfer): Promise<string>
  listSchedules(addonId: string): Promise<TransferSchedule[]>
}

/** What finds a capture whose request got no answer: see findStartedCapture. */
export interface CaptureMark {
  app: string
  afterNum: number
  sinceMs: number
}

/** How far the server's created_at may lag our clock when matching a transfer we just started. */
export const CLOCK_SKEW_MS = 120_000
/** Pause before reading back after an ambiguous failure, so a request still in flight can land. */
export const READ_BACK_PAUSE_MS = 2_000

const enc = encodeURIComponent

/** Restore request `extensions`: lower-cased, trimmed, sorted, unique (as the CLI sends them). */
export function normalizeExtensions(extensions: string[]): string[] {
  return [...new Set(extensions.map((e) => e.trim().toLowerCase()).filter((e) => e !== ''))].sort()
}

/** Transfers created at or after `sinceMs` (less the allowed clock skew), oldest first. */
function createdSince(transfers: Transfer[], sinceMs: number): Transfer[] {
  return transfers
    .filter((t) => Date.parse(t.created_at) >= sinceMs - CLOCK_SKEW_MS)
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.num - b.num)
}

/**
 * A manual backup started by our capture request: numbered after every transfer that existed
 * before the request (`afterNum`), so someone else's capture of a minute earlier is not taken
 * for ours.
 */
export function findStartedCapture(
  transfers: Transfer[],
  sinceMs: number,
  afterNum = -1
): Transfer | undefined {
  return capturesSince(transfers, sinceMs, afterNum)[0]
}

/** Manual captures numbered above `afterNum` and created since `sinceMs`, oldest first. */
export function capturesSince(
  transfers: Transfer[],
  sinceMs: number,
  afterNum: number
): Transfer[] {
  return createdSince(
    transfers.filter((t) => isBackup(t) && !t.schedule && t.num > afterNum),
    sinceMs
  )
}

/** A restore of `backupUrl` started by our restore request. */
export function findStartedRestore(
  transfers: Transfer[],
  sinceMs: number,
  backupUrl: string
): Transfer | undefined {
  const restores = transfers.filter((t) => t.to_type === 'pg_restore' && t.from_type !== 'pg_dump')
  return createdSince(
    restores.filter((t) => t.from_url === undefined || t.from_url === backupUrl),
    sinceMs
  )[0]
}

const TRANSFER_TIMES = [
  'created_at',
  'started_at',
  'updated_at',
  'finished_at',
  'canceled_at',
  'deleted_at'
] as const

/**
 * A transfer as the drill reads it: every time ISO 8601 (Heroku's data API sends
 * `2020-12-13 16:22:40 +0000`), nulls kept (a running transfer has `succeeded: null`).
 */
export function normalizeTransfer(raw: Transfer): Transfer {
  const times: Record<string, string | null> = {}
  for (const key of TRANSFER_TIMES) if (key in raw) times[key] = toIsoTime(raw[key])
  const t: Transfer = { ...raw, ...times, created_at: toIsoTime(raw.created_at) ?? '' }
  if (raw.logs)
    t.logs = raw.logs.map((l) => ({ ...l, created_at: toIsoTime(l.created_at) ?? undefined }))
  return t
}

/** Essential-tier info has no postgres_version: read it from the info[] "PG Version" row. */
export function normalizeDatabaseInfo(info: DatabaseInfo): DatabaseInfo {
  if (info.postgres_version !== undefined) return info
  const row = info.info?.find((r) => r.name === 'PG Version')
  const version = row?.values[0]
  return version === undefined ? info : { ...info, postgres_version: String(version) }
}

function registerTransferSecrets(secrets: SecretRegistry, t: Transfer): void {
  for (const url of [t.from_url, t.to_url]) {
    // Database URLs carry passwords; storage URLs may be signed (query string).
    if (url && (/:\/\/[^/\s]*:[^/\s]*@/.test(url) || url.includes('?'))) secrets.addUrl(url)
  }
}

export function createDataApi(http: HerokuHttp, ownership: Ownership): DataApi {
  const secrets = http.secrets

  async function getOrNull<T>(path: string): Promise<T | null> {
    try {
      return await http.get<T>('data', path)
    } catch (err) {
      if (err instanceof HerokuApiError && err.status === 404) return null
      throw err
    }
  }

  async function listTransfers(app: string): Promise<Transfer[]> {
    const transfers = await http.get<Transfer[]>('data', `/client/v11/apps/${enc(app)}/transfers`)
    for (const t of transfers) registerTransferSecrets(secrets, t)
    return transfers.map(normalizeTransfer)
  }

  async function getTransfer(
    app: string,
    uuidOrNum: string,
    opts: { verbose?: boolean } = {}
  ): Promise<Transfer> {
    const query = opts.verbose ? '?verbose=true' : ''
    const t = await http.get<Transfer>(
      'data',
      `/client/v11/apps/${enc(app)}/transfers/${enc(uuidOrNum)}${query}`
    )
    registerTransferSecrets(secrets, t)
    return normalizeTransfer(t)
  }

  /** Billing app of an add-on, for reading its transfers back (Platform "add-on Info"). */
  async function appOfAddon(addonId: string): Promise<string> {
    const addon = await http.get<{ app: { name: string } }>('platform', `/addons/${enc(addonId)}`)
    return addon.app.name
  }

  /**
   * Sends a transfer-starting POST at most twice: after an ambiguous failure, `findStarted`
   * reads the transfers back; only when ours is not among them is the POST sent again.
   */
  async function startTransfer(
    what: string,
    spec: { path: string; body?: unknown },
    findStarted: (sinceMs: number) => Promise<Transfer | undefined>
  ): Promise<Transfer> {
    for (let send = 1; ; send++) {
      const sentAtMs = http.now().getTime()
      try {
        const t = await http.request<Transfer>({
          api: 'data',
          method: 'POST',
          path: spec.path,
          body: spec.body
        })
        registerTransferSecrets(secrets, t)
        return normalizeTransfer(t)
      } catch (err) {
        if (!(err instanceof HerokuApiError) || !err.ambiguous || send >= 2) throw err
        http.log(`${what}: ${err.message}; checking whether it started`)
        await http.sleep(READ_BACK_PAUSE_MS)
        const started = await findStarted(sentAtMs)
        if (started) return started
        http.log(`${what} did not start; sending it once more`)
      }
    }
  }

  async function captureBackup(
    sourceAddonId: string,
    opts: { app?: string; beforeRequest?: (mark: CaptureMark) => void } = {}
  ): Promise<Transfer> {
    const app = opts.app ?? (await appOfAddon(sourceAddonId))
    // The highest transfer number before the request: ours, if it started, is numbered after it.
    const lastNum = Math.max(-1, ...(await listTransfers(app)).map((t) => t.num))
    opts.beforeRequest?.({ app, afterNum: lastNum, sinceMs: http.now().getTime() })
    const started = await startTransfer(
      `capturing a backup of ${sourceAddonId}`,
      { path: `/client/v11/databases/${enc(sourceAddonId)}/backups` },
      async (sinceMs) => findStartedCapture(await listTransfers(app), sinceMs, lastNum)
    )
    // The one backup this run may delete.
    ownership.recordCapturedBackup(app, started.num)
    return started
  }

  async function restoreBackup(
    targetAddonId: string,
    req: { backupUrl: string; extensions: string[] }
  ): Promise<Transfer> {
    // The restore endpoint overwrites whatever database it is given: this check is the guard.
    ownership.assertCreated(targetAddonId, 'restore onto')
    secrets.addUrl(req.backupUrl)
    const extensions = normalizeExtensions(req.extensions)
    const body: Record<string, unknown> = { backup_url: req.backupUrl }
    if (extensions.length > 0) body.extensions = extensions
    const targetApp = ownership.createdAddons().find((a) => a.id === targetAddonId)?.app?.name
    return startTransfer(
      `restoring onto ${targetAddonId}`,
      { path: `/client/v11/databases/${enc(targetAddonId)}/restores`, body },
      async (sinceMs) =>
        findStartedRestore(
          await listTransfers(targetApp ?? (await appOfAddon(targetAddonId))),
          sinceMs,
          req.backupUrl
        )
    )
  }

  async function cancelTransfer(app: string, uuid: string): Promise<void> {
    const path = `/client/v11/apps/${enc(app)}/transfers/${enc(uuid)}/actions/cancel`
    for (let send = 1; ; send++) {
      try {
        await http.request<unknown>({ api: 'data', method: 'POST', path })
        return
      } catch (err) {
        if (!(err instanceof HerokuApiError) || !err.ambiguous || send >= 2) throw err
        const t = await getTransfer(app, uuid)
        if (t.canceled_at || t.finished_at) return
      }
    }
  }

  async function getDatabase(addonId: string): Promise<DatabaseInfo | null> {
    const info = await getOrNull<
      DatabaseInfo & { database_password?: string; resource_url?: string }
    >(`/client/v11/databases/${enc(addonId)}`)
    if (!info) return null
    const { database_password: password, ...rest } = info
    secrets.add(password)
    if (rest.resource_url) secrets.addUrl(rest.resource_url)
    return normalizeDatabaseInfo(rest)
  }

  async function deleteBackup(app: string, num: number): Promise<'deleted' | 'already-gone'> {
    ownership.assertBackupDeletable(app, num)
    const path = `/client/v11/apps/${enc(app)}/transfers/${num}`
    for (let send = 1; ; send++) {
      try {
        await http.request<unknown>({ api: 'data', method: 'DELETE', path })
        return 'deleted'
      } catch (err) {
        if (!(err instanceof HerokuApiError)) throw err
        if (err.status === 404) return send === 1 ? 'already-gone' : 'deleted'
        if (!err.ambiguous || send >= 2) throw err
      }
    }
  }

  async function backupUrl(app: string, backup: Transfer): Promise<string> {
    // The transfer list normally carries to_url; otherwise ask for a signed URL.
    if (backup.to_url) return backup.to_url
    const res = await http.request<{ url: string }>({
      api: 'data',
      method: 'POST',
      path: `/client/v11/apps/${enc(app)}/transfers/${backup.num}/actions/public-url`,
      readOnly: true
    })
    secrets.addUrl(res.url)
    return res.url
  }

  return {
    getDatabase,
    waitStatus: (addonId) =>
      getOrNull<WaitStatus>(`/client/v11/databases/${enc(addonId)}/wait_status`),
    listTransfers,
    getTransfer,
    captureBackup,
    restoreBackup,
    cancelTransfer,
    backupUrl,
    deleteBackup,
    listSchedules: (addonId) =>
      http.get<TransferSchedule[]>(
        'data',
        `/client/v11/databases/${enc(addonId)}/transfer-schedules`
      )
  }
}
