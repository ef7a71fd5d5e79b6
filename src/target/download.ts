// The backup file of an exit drill: downloaded through Heroku's signed URL (a secret: never in a log
// line or an error) with @actions/http-client, which honours the runner's https_proxy / no_proxy,
// into a file of its own under RUNNER_TEMP. A progress line at most every minute while it runs.
import { HttpClient } from '@actions/http-client'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { formatBytes, formatDuration } from '../format.js'

export interface Downloaded {
  path: string
  bytes: number
  seconds: number
  /** Removes the file and its folder. */
  remove(): Promise<void>
}

export interface DownloadOptions {
  /** The folder under which the file's own folder is made (RUNNER_TEMP or the OS's). */
  tempDir: string
  log: (line: string) => void
  signal: AbortSignal
  /** How often a progress line is written (default one minute). */
  progressMs?: number
  /** Told the file's folder before a byte is written (the post step removes it after a kill). */
  onFolder?: (dir: string) => void
}

const FOLDER_PREFIX = 'restore-drill-backup-'

/** Where the backup is downloaded: the runner's temp folder (emptied by the runner after each job). */
export const runnerTemp = (): string => process.env.RUNNER_TEMP || tmpdir()

/** No read for this long is a failed download (a stalled connection). */
const SOCKET_TIMEOUT_MS = 5 * 60_000

export async function downloadBackup(url: string, options: DownloadOptions): Promise<Downloaded> {
  const dir = await mkdtemp(join(options.tempDir, FOLDER_PREFIX))
  options.onFolder?.(dir)
  const path = join(dir, 'backup.dump')
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true })
  const startMs = Date.now()
  let bytes = 0
  const progress = setInterval(
    () =>
      options.log(
        `downloading the backup: ${formatBytes(bytes)} after ${formatDuration((Date.now() - startMs) / 1000)}`
      ),
    options.progressMs ?? 60_000
  )
  try {
    const body = await openDownload(url)
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length
        done(null, chunk)
      }
    })
    await pipeline(body, count, createWriteStream(path, { mode: 0o600 }), {
      signal: options.signal
    })
  } catch (err) {
    await remove()
    throw err instanceof Error && err.name === 'AbortError' ? err : downloadError(err)
  } finally {
    clearInterval(progress)
  }
  return { path, bytes, seconds: (Date.now() - startMs) / 1000, remove }
}

async function openDownload(url: string): Promise<NodeJS.ReadableStream> {
  const client = new HttpClient('heroku-postgres-restore-drill', [], {
    allowRetries: false,
    keepAlive: false,
    socketTimeout: SOCKET_TIMEOUT_MS
  })
  const res = (await client.get(url)).message
  const status = res.statusCode ?? 0
  if (status < 200 || status > 299) {
    res.resume()
    throw new Error(`answered HTTP ${status}`)
  }
  return res
}

/** http-client's messages can repeat the signed URL: only a code or a status is kept. */
function downloadError(err: unknown): Error {
  const text = err instanceof Error ? err.message : ''
  const code = (err as { code?: string }).code
  const why = /^answered HTTP \d+$/.test(text)
    ? text
    : /^Request timeout/.test(text)
      ? 'timed out'
      : (code ?? 'network error')
  return new Error(`downloading the backup failed (${why})`)
}

/**
 * The post step's half: removes a download folder a killed main left, only one this action makes
 * (`restore-drill-backup-*` right under `tempDir`), whatever the state says.
 */
export async function removeDownloadFolder(
  dir: string,
  tempDir: string
): Promise<'removed' | 'absent' | 'not-ours'> {
  const ours = basename(dir).startsWith(FOLDER_PREFIX) && dirname(resolve(dir)) === resolve(tempDir)
  if (!ours) return 'not-ours'
  if (!existsSync(dir)) return 'absent'
  await rm(dir, { recursive: true, force: true })
  return 'removed'
}
