// The drill's load on production: how long it had a query running on the source (the union of
// its queries' running times, so parallel reads are not counted twice), how many connections it
// used at once, and how many rows its counts and hashes scanned there.
import type pg from 'pg'
import type { CountSnapshot } from './types.js'

export type { SourceLoad } from './types.js'
export { sourceLoadLine } from './lines.js'

/** Times every query of the pools it is attached to. */
export class SourceReadMeter {
  private active = 0
  private since = 0
  private busyMs = 0
  private peak = 0

  begin(): void {
    if (this.active === 0) this.since = performance.now()
    this.active++
    this.peak = Math.max(this.peak, this.active)
  }

  end(): void {
    this.active = Math.max(0, this.active - 1)
    if (this.active === 0) this.busyMs += performance.now() - this.since
  }

  readSeconds(): number {
    const running = this.active > 0 ? performance.now() - this.since : 0
    return Math.round(this.busyMs + running) / 1000
  }

  peakConnections(): number {
    return this.peak
  }

  /**
   * Times every query of `pool`'s connections, including those made through pool.query (which
   * passes a callback) and those of a connection lent by pool.connect.
   */
  attach(pool: pg.Pool): void {
    pool.on('connect', (client: pg.PoolClient) => this.wrap(client))
  }

  private wrap(client: pg.PoolClient): void {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown
    const meter = this
    ;(client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      meter.begin()
      let ended = false
      const end = () => {
        if (!ended) {
          ended = true
          meter.end()
        }
      }
      const last = args[args.length - 1]
      if (typeof last === 'function') {
        args[args.length - 1] = (...results: unknown[]) => {
          end()
          return (last as (...r: unknown[]) => unknown)(...results)
        }
        return original(...args)
      }
      let result: unknown
      try {
        result = original(...args)
      } catch (err) {
        end()
        throw err
      }
      if (result && typeof (result as Promise<unknown>).then === 'function')
        (result as Promise<unknown>).then(end, end)
      else end()
      return result
    }
  }
}

/** Rows the drill's counts and hashes read on the source: every count reads each row, so does every hash. */
export function sourceRowsScanned(
  counts: (CountSnapshot | undefined)[],
  hashedRows: number
): number {
  const counted = counts.reduce(
    (sum, snapshot) => sum + (snapshot?.tables ?? []).reduce((s, t) => s + t.rows, 0),
    0
  )
  return counted + hashedRows
}
