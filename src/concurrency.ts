// The drill's only concurrency: two steps side by side, and a promise one side settles for the other.
import { abortable, AbortError } from './heroku/wait.js'

/**
 * Runs two steps side by side. When one fails the other is stopped (its signal fires, and it is
 * no longer awaited), and the first real failure is thrown, not the abort it caused.
 */
export async function both<A, B>(
  signal: AbortSignal,
  first: (signal: AbortSignal) => Promise<A>,
  second: (signal: AbortSignal) => Promise<B>
): Promise<[A, B]> {
  const local = new AbortController()
  const sibling = AbortSignal.any([signal, local.signal])
  const run = <T>(step: (s: AbortSignal) => Promise<T>): Promise<T> =>
    abortable(step(sibling), sibling).catch((err: unknown) => {
      local.abort()
      throw err
    })
  const results = await Promise.allSettled([run(first), run(second)])
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed.length > 0) {
    throw (failed.find((r) => !(r.reason instanceof AbortError)) ?? failed[0]).reason
  }
  return [
    (results[0] as PromiseFulfilledResult<A>).value,
    (results[1] as PromiseFulfilledResult<B>).value
  ]
}

export interface Settleable {
  promise: Promise<void>
  resolve(): void
  reject(reason: unknown): void
}

/** A promise with its resolve and reject at hand (Promise.withResolvers is Node 22+). */
export function settleable(): Settleable {
  let resolve: () => void = () => {}
  let reject: (reason: unknown) => void = () => {}
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Awaited by the side that waits; a refusal is also thrown by the side that settles it.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

/** Handles a promise's failure now (it is awaited later), so a failure meanwhile is not unhandled. */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}
