// Step (exit drill, before anything is written anywhere, dry run included): the target server
// answers and its user may create a database, and the runner's pg_restore is not older than the
// source (a backup is made by a pg_dump at least as new as its server). The dump itself is checked
// again once downloaded (exit-path.ts), against the pg_dump that really made it.
import { DrillError } from '../errors.js'
import { clientMajorOf, clientTooOld } from '../rules/dump-version.js'
import { majorOfVersionNum } from '../rules/source-reach.js'
import { findPgRestore, pgRestoreVersion } from '../target/pg-restore.js'
import type { TargetInfo, TargetServer } from '../target/server.js'
import { flatten } from '../untrusted.js'

export interface TargetChecked {
  info: TargetInfo
  /** The target server's major: an exit drill's copy is on it. */
  serverMajor: number
  client: { bin: string; text: string; major: number }
}

export async function checkTarget(
  target: TargetServer,
  sourceMajor: number,
  log: (line: string) => void,
  warn: (line: string) => void
): Promise<TargetChecked> {
  const info = await target.probe().catch((err: Error) => {
    throw new DrillError(
      `Input "target-url": the target server did not answer: ${flatten(err.message)}`
    )
  })
  if (!info.canCreateDatabases)
    throw new DrillError(
      `Input "target-url": its user cannot create a database on ${info.host} (it needs CREATEDB): the drill restores into a database of its own there`
    )
  const bin = findPgRestore()
  const text = (await pgRestoreVersion(bin)).trim()
  const major = clientMajorOf(text)
  if (major === null) throw new DrillError(`could not read the version of ${bin}`)
  const tooOld = clientTooOld(major, null, sourceMajor)
  if (tooOld) throw new DrillError(tooOld)
  const targetMajor = majorOfVersionNum(info.serverVersionNum)
  if (targetMajor < sourceMajor)
    warn(
      `the target server is PostgreSQL ${targetMajor}, older than the source's ${sourceMajor}: objects the older server lacks will fail to restore`
    )
  log(
    `target server ${info.host} (PostgreSQL ${info.serverVersion}) answers and its user can create a database; pg_restore ${clientVersionOf(text)} on the runner`
  )
  return { info, serverMajor: targetMajor, client: { bin, text, major } }
}

/** "pg_restore (PostgreSQL) 15.18 (Debian 15.18-1)" → "15.18 (Debian 15.18-1)". */
export const clientVersionOf = (text: string): string =>
  text.replace(/^pg_restore \(PostgreSQL\)\s*/, '')
