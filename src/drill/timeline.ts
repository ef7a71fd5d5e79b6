// The drill's timeline: each phase's start, duration and status, and the per-phase seconds of
// the report's `timings`. A phase that runs twice (the source snapshot before and after the
// capture) adds up in `timings` and keeps two rows in the timeline.
import { secondsBetween } from '../duration.js'
import type { PhaseName, PhaseRecord, Timings } from '../report/model.js'
import type { SecretRegistry } from '../safety.js'

export interface PhaseLog {
  startGroup(name: string): void
  endGroup(): void
}

export interface PhaseOptions {
  /** A log group of its own (default true); off for phases that run alongside another. */
  group?: boolean
  detail?: string
}

export class Timeline {
  readonly records: PhaseRecord[] = []
  readonly timings: Timings = { drillSeconds: 0 }

  constructor(
    private readonly log: PhaseLog,
    private readonly secrets: SecretRegistry,
    private readonly clock: () => number = Date.now,
    /** Told when a phase starts (the drill saves it, so the post step knows how far main got). */
    private readonly onStart: (name: PhaseName) => void = () => {}
  ) {}

  /** Runs `step` as phase `name`: timed, grouped in the log, and marked failed if it throws. */
  async phase<T>(
    name: PhaseName,
    title: string,
    step: () => Promise<T>,
    options: PhaseOptions = {}
  ): Promise<T> {
    const startMs = this.clock()
    const record: PhaseRecord = {
      phase: name,
      startedAt: new Date(startMs).toISOString(),
      seconds: 0,
      status: 'ok',
      ...(options.detail ? { detail: options.detail } : {})
    }
    this.records.push(record)
    this.onStart(name)
    const grouped = options.group !== false
    if (grouped) this.log.startGroup(title)
    try {
      return await step()
    } catch (err) {
      record.status = 'failed'
      record.detail = this.secrets.redact((err as Error).message)
      throw err
    } finally {
      record.seconds = secondsBetween(startMs, this.clock())
      this.addSeconds(name, record.seconds)
      if (grouped) this.log.endGroup()
    }
  }

  private addSeconds(name: PhaseName, seconds: number): void {
    if (name === 'report') return
    const key: Exclude<keyof Timings, 'drillSeconds'> = `${name}Seconds`
    this.timings[key] = (this.timings[key] ?? 0) + seconds
  }
}
