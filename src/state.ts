// Everything the post step needs to clean up after main, saved with core.saveState as soon as it
// changes (before and after each create), so a killed, cancelled or timed-out main leaves a trail.
// One JSON value under one key; it never holds a token, URL or password.

/** The state key (the runner exposes it to the post step as STATE_drill). */
export const STATE_KEY = 'drill'

export interface CreatedAddonState {
  /** Known once the create request returned (or was read back). */
  id?: string
  /** Chosen before the create request is sent, so post can find the add-on by name. */
  name: string
  /** The app the add-on was created on. */
  app: string
}

export interface SavedState {
  version: 1
  app: string
  /** The add-on this run created (or was creating). */
  created?: CreatedAddonState
  /** keep-database: the created add-on must survive the post step. */
  keep?: boolean
  /** Main already destroyed the created add-on. */
  destroyed?: boolean
  /** We switched maintenance on (it was off): post switches it off unless main already did. */
  maintenanceOn?: boolean
  /** A promote of the created add-on to DATABASE is under way: post promotes the original back. */
  promoteInProgress?: boolean
  /** The source add-on (DATABASE before any promote). */
  original?: { id: string; name: string }
  /** The alias attachment this run gave the original so DATABASE could move (Heroku refuses to move
   * an add-on's last attachment); removed once DATABASE is back on the original. */
  promoteAlias?: { id: string; name: string }
  /** The drill app this run creates (`created` once the create request returned). */
  drillApp?: { name: string; created: boolean }
  /** The drill app was deleted (with its add-on). */
  drillAppDeleted?: boolean
  /** Saved before the capture request: a run killed before the answer still finds its capture
   * (a manual backup of `app` numbered above `afterNum`, created since `sinceMs`). */
  captureRequest?: { app: string; afterNum: number; sinceMs: number }
  /** The backup this run captured: `app` is the source's billing app. */
  capture?: { app: string; num: number; name: string; uuid?: string }
  /** The capture was still running when the drill ended, and was cancelled. */
  captureCancelled?: boolean
  /** keep-backup: the capture must survive the clean-up. */
  keepBackup?: boolean
  /** The capture was deleted. */
  captureDeleted?: boolean
  /** When main started, and the phase it was in last (for the post step's report). */
  startedAt?: string
  phase?: string
  /** Main published its report: the post step only cleans up. */
  reported?: boolean
  /** target-url: the drill's database on the target server, saved before its CREATE DATABASE;
   * `existed`: the name was taken (never ours: never dropped); `dropped` once it is gone. */
  exitDatabase?: { name: string; existed?: boolean; dropped?: boolean }
  /** target-url: the runner's folder holding the downloaded backup (production's data), saved
   * before the download starts; `removed` once it is gone. */
  exitDownload?: { dir: string; removed?: boolean }
  /** Main stopped on SIGINT/SIGTERM (a cancel, or the runner's job timeout). */
  cancelled?: boolean
}

export interface StateWriter {
  saveState(name: string, value: string): void
}

/** Keeps the current state and writes it through `core.saveState` on every change. */
export class DrillState {
  private current: SavedState

  constructor(
    private readonly writer: StateWriter,
    app: string
  ) {
    this.current = { version: 1, app }
  }

  get value(): Readonly<SavedState> {
    return this.current
  }

  update(change: Partial<SavedState>): void {
    this.current = { ...this.current, ...change }
    this.writer.saveState(STATE_KEY, JSON.stringify(this.current))
  }
}

/** The state saved by main, or null when main saved none (it failed before touching anything). */
export function readSavedState(getState: (name: string) => string): SavedState | null {
  const raw = getState(STATE_KEY)
  if (!raw) return null
  try {
    const parsed = JSON.parse(raw) as SavedState
    if (!parsed || typeof parsed !== 'object' || typeof parsed.app !== 'string') return null
    return parsed
  } catch {
    return null
  }
}
