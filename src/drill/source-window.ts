// The watched window on the source, the same for every recovery path: maintenance on (opt-in) so
// the window is quiet, the canary (opt-in), the snapshot that opens the window; and, once the copy
// is asked for, the closing counts that end it, after which maintenance goes off again.
import { plural } from '../format.js'
import type { SourceDatabaseConnection } from '../databases.js'
import { maintenanceOff, maintenanceOn } from '../steps/maintenance.js'
import type { CountSnapshot, SourceSnapshot } from '../verify/types.js'
import { IN_SHARED_GROUP, type PathContext } from './path.js'
import type { DrillRuntime } from './runtime.js'

export interface WindowOptions {
  /** Switch maintenance on for the window (the path decides: a rollback's window is not watched). */
  maintenance: boolean
  /** The snapshot's detail in the timeline. */
  detail: string
  /** The snapshot runs alongside another step (its log lines stay in the shared group). */
  shared?: boolean
}

export interface OpenedWindow {
  before: SourceSnapshot
  canary?: { id: string }
}

/** Maintenance on (when asked), the canary (config), then the source snapshot. */
export async function openSourceWindow(
  { rt, timeline, source, record }: PathContext,
  { maintenance, detail, shared = false }: WindowOptions
): Promise<OpenedWindow> {
  if (maintenance) record({ maintenanceWasOn: !(await captureWindowOn(rt)) })
  const canary = rt.config.canary ? await writeCanary(rt, source) : undefined
  if (canary) record({ canary })
  const before = await timeline.phase(
    'snapshot',
    'Source snapshot',
    () => snapshotSource(rt, source),
    { ...(shared ? IN_SHARED_GROUP : {}), detail }
  )
  record({ before })
  return { before, ...(canary ? { canary } : {}) }
}

/** The closing counts of the window; maintenance goes off once they are in (or failed). */
export async function closeSourceWindow(
  { rt, timeline, source }: Pick<PathContext, 'rt' | 'timeline' | 'source'>,
  detail: string
): Promise<CountSnapshot> {
  const log = (line: string): void => rt.log.info(line)
  const off = { platform: rt.cleanupPlatform, state: rt.state, app: rt.config.app, log }
  try {
    return await timeline.phase('snapshot', 'Snapshot after', () => source.countTables(), {
      ...IN_SHARED_GROUP,
      detail
    })
  } finally {
    await maintenanceOff(off)
  }
}

/** true when the drill switched maintenance on, false when it was on already. */
async function captureWindowOn(rt: DrillRuntime): Promise<boolean> {
  const log = (line: string): void => rt.log.info(`${line} for the capture window`)
  return (
    (await maintenanceOn({ platform: rt.platform, state: rt.state, app: rt.config.app, log })) ===
    'switched-on'
  )
}

async function writeCanary(
  rt: DrillRuntime,
  source: SourceDatabaseConnection
): Promise<{ id: string }> {
  const canary = await source.writeCanary()
  rt.log.info(`canary ${canary.id} written to the source`)
  return canary
}

async function snapshotSource(
  rt: DrillRuntime,
  source: SourceDatabaseConnection
): Promise<SourceSnapshot> {
  const before = await source.snapshot()
  const rows = before.counts.tables.reduce((n, t) => n + t.rows, 0)
  rt.log.info(
    `source: ${plural(before.counts.tables.length, 'table')}, ${plural(rows, 'row')}, ${plural(before.schema.length, 'schema object')}`
  )
  return before
}
