// max-restore-minutes (pure): a restore slower than the limit fails the drill (it does not stop
// it) and skips the promote drill.
import type { DrillConfig } from '../config.js'
import { formatDuration } from '../format.js'

/** max-restore-minutes: the policy failure of a restore that took too long, or null. */
export function restoreTooSlow(
  config: DrillConfig,
  restoreSeconds: number | undefined
): string | null {
  if (config.maxRestoreMinutes === null || restoreSeconds === undefined) return null
  if (restoreSeconds <= config.maxRestoreMinutes * 60) return null
  return `restore took ${formatDuration(restoreSeconds)}, longer than max-restore-minutes ${config.maxRestoreMinutes}`
}
