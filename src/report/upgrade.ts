// The report's `upgrade` (pure): postgres-version above the source's major, an upgrade rehearsal.
import type { Verification } from '../verify/types.js'
import type { UpgradeFacts } from './model.js'

/** postgres-version above the source's: the majors, and what the schema check found across them. */
export function upgradeOf(
  versions: { source: number; copy: number } | undefined,
  verification: Verification | undefined | null
): UpgradeFacts | null {
  const across = verification?.acrossMajors
  if (across) return { ...across }
  if (!versions || versions.copy <= versions.source) return null
  return {
    sourceMajor: versions.source,
    copyMajor: versions.copy,
    judgedEqual: [],
    notNullConstraints: 0,
    unavailableExtensions: []
  }
}
