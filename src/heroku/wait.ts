/** Polling with a deadline: provisioning, wait_status, transfers. */

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

export interface WaitOptions {
  /** What is awaited, for the timeout message: "add-on restore-drill-1 to be provisioned". */
  what: string
  deadline: Date
  signal?: AbortSignal
  /** Never poll more often than this (default 1000). */
  minIntervalMs?: number
  /** Never wait longer than this between polls (default 5000). */
  maxIntervalMs?: number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
}

/** The pause before the next poll: about 10% of the time already waited, within [min, max]. */
export function pollIntervalMs(
  elapsedMs: number,
  minIntervalMs = 1000,
  maxIntervalMs = 5000
): number {
  return Math.min(maxIntervalMs, Math.max(minIntervalMs, Math.round(elapsedMs * 0.1)))
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
 * Polls `probe` until it returns a value (not undefined). The wait between polls grows with the
 * time already waited, so a slow operation costs few requests and a quick one is noticed quickly.
 * Throws WaitTimeoutError at the deadline ("timed out after N s waiting for <what>") and
 * AbortError when `signal` fires, without waiting for the current sleep or probe to end.
 * Errors thrown by the probe propagate.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  options: WaitOptions
): Promise<T> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? sleepMs
  const minIntervalMs = options.minIntervalMs ?? 1000
  const maxIntervalMs = Math.max(minIntervalMs, options.maxIntervalMs ?? 5000)
  const deadlineMs = options.deadline.getTime()
  const startMs = now()
  for (;;) {
    if (options.signal?.aborted) throw new AbortError(`cancelled while waiting for ${options.what}`)
    const value = await abortable(probe(), options.signal)
    if (value !== undefined) return value
    const t = now()
    const remainingMs = deadlineMs - t
    if (remainingMs <= 0) {
      throw new WaitTimeoutError(
        `timed out after ${Math.round((t - startMs) / 1000)} s waiting for ${options.what}`
      )
    }
    // Sleep at most until the deadline, then probe once more before giving up.
    const interval = Math.min(
      pollIntervalMs(t - startMs, minIntervalMs, maxIntervalMs),
      remainingMs
    )
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
