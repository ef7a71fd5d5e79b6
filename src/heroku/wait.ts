/** Polling with a deadline: provisioning, wait_status, transfers. */
import { formatBytes, formatDuration } from '../format.js'

/** Thrown when the run is cancelled (the AbortSignal fired) while waiting or retrying. */
export class AbortError extends Error {
  constructor(message = 'cancelled') {
    super(message)
    this.name = 'AbortError'
  }
}

export class WaitTimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WaitTimeoutError'
  }
}

/** setTimeout as a promise that rejects with AbortError as soon as `signal` fires. */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError())
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new AbortError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** What a probe returns while the operation is still going: what it saw, for the progress line. */
export class StillWaiting {
  constructor(
    /** Heroku's word for where it is: `provisioning`, `running`, `pending`. */
    readonly state?: string,
    /** Bytes processed so far, when Heroku reports them (a transfer's processed_bytes). */
    readonly bytesProcessed?: number | null
  ) {}
}

export function stillWaiting(seen: { state?: string; bytes?: number | null } = {}): StillWaiting {
  return new StillWaiting(seen.state, seen.bytes)
}

export interface WaitOptions {
  /** What is awaited, for the timeout message: "add-on restore-drill-1 to be provisioned". */
  what: string
  deadline: Date
  signal?: AbortSignal
  /** Never poll more often than this (default 1000). */
  minIntervalMs?: number
  /** Never wait longer than this between polls (default 60000). */
  maxIntervalMs?: number
  /** Receives a progress line (elapsed, state, bytes) at most once per progressEveryMs. */
  onProgress?: (line: string) => void
  /** Default 60000: a line a minute, so a long wait is visibly alive and a log stays short. */
  progressEveryMs?: number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
}

/** Share of the time already waited that the next pause may add: a wait ends at most 15% late. */
const POLL_GROWTH = 0.15

/**
 * The pause before the next poll: 15% of the time already waited, within [min, max]. Polls come
 * every second for the first seconds and once a minute after the first 7 minutes: a 1-hour wait
 * costs about 90 requests, a 10-second one notices the end within a second.
 */
export function pollIntervalMs(
  elapsedMs: number,
  minIntervalMs = 1000,
  maxIntervalMs = 60_000
): number {
  return Math.min(maxIntervalMs, Math.max(minIntervalMs, Math.round(elapsedMs * POLL_GROWTH)))
}

/** `waiting for capture b042: 3m 0s so far, state running, 1.2 MB processed`. */
export function progressLine(what: string, elapsedMs: number, seen?: StillWaiting): string {
  const parts = [`waiting for ${what}: ${formatDuration(elapsedMs / 1000)} so far`]
  if (seen?.state) parts.push(`state ${seen.state}`)
  if (seen?.bytesProcessed != null) parts.push(`${formatBytes(seen.bytesProcessed)} processed`)
  return parts.join(', ')
}

/** `promise`, or AbortError as soon as `signal` fires (the promise itself keeps running). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new AbortError())
    const onAbort = (): void => reject(new AbortError())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      }
    )
  })
}

/**
 * Polls `probe` until it returns a value (not undefined, not StillWaiting). The wait between polls
 * grows with the time already waited, so a slow operation costs few requests and a quick one is
 * noticed quickly. With onProgress, a line at most once a minute says how long it has waited and
 * what the last poll saw; the pauses are cut so a poll falls on each minute and no line is late.
 * Throws WaitTimeoutError at the deadline ("timed out after N s waiting for <what>") and
 * AbortError when `signal` fires, without waiting for the current sleep or probe to end.
 * Errors thrown by the probe propagate.
 */
export async function waitFor<T>(
  probe: () => Promise<T | StillWaiting | undefined>,
  options: WaitOptions
): Promise<T> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? sleepMs
  const minIntervalMs = options.minIntervalMs ?? 1000
  const maxIntervalMs = Math.max(minIntervalMs, options.maxIntervalMs ?? 60_000)
  const progressEveryMs = options.progressEveryMs ?? 60_000
  const deadlineMs = options.deadline.getTime()
  const startMs = now()
  let lastLineMs = startMs
  for (;;) {
    if (options.signal?.aborted) throw new AbortError(`cancelled while waiting for ${options.what}`)
    const value = await abortable(probe(), options.signal)
    const seen = value instanceof StillWaiting ? value : undefined
    if (value !== undefined && !seen) return value as T
    const t = now()
    const remainingMs = deadlineMs - t
    if (remainingMs <= 0) {
      throw new WaitTimeoutError(
        `timed out after ${formatDuration((t - startMs) / 1000)} waiting for ${options.what}`
      )
    }
    let interval = pollIntervalMs(t - startMs, minIntervalMs, maxIntervalMs)
    if (options.onProgress) {
      if (t - lastLineMs >= progressEveryMs) {
        options.onProgress(progressLine(options.what, t - startMs, seen))
        lastLineMs = t
      }
      interval = Math.min(interval, lastLineMs + progressEveryMs - t)
    }
    // Sleep at most until the deadline, then probe once more before giving up.
    interval = Math.min(interval, remainingMs)
    try {
      await abortable(sleep(interval, options.signal), options.signal)
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') {
        throw new AbortError(`cancelled while waiting for ${options.what}`)
      }
      throw err
    }
  }
}
