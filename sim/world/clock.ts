// The simulator's clock: every delayed state change is a timer with when it is due, so a test
// hook can move the clock ahead and run what is due (`POST /__sim/clock`).

export class SimClock {
  /** Pending delayed state changes, each with when it is due on the simulator's clock. */
  protected readonly timers = new Map<NodeJS.Timeout, { dueMs: number; fn: () => void }>()
  /** How far `POST /__sim/clock` has moved the simulator's clock ahead of the wall clock (ms). */
  private clockAheadMs = 0

  /** The simulator's clock (ms): the wall clock plus every `advanceClock` so far. */
  clockMs(): number {
    return Date.now() + this.clockAheadMs
  }

  protected later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.set(t, { dueMs: this.clockMs() + ms, fn })
  }

  /**
   * Moves the simulator's clock `seconds` ahead: every pending delayed state change due by then
   * (provisioning, deprovisioning, a transfer's minimum duration, a release phase, the backup
   * schedule's check) happens now, in the order due. Timestamps it hands out stay wall-clock times.
   */
  advanceClock(seconds: number): number {
    this.clockAheadMs += seconds * 1000
    const due = [...this.timers]
      .filter(([, timer]) => timer.dueMs <= this.clockMs())
      .sort(([, a], [, b]) => a.dueMs - b.dueMs)
    for (const [t, timer] of due) {
      clearTimeout(t)
      this.timers.delete(t)
      timer.fn()
    }
    return due.length
  }

  protected delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve))
  }
}
