// What the drill can do with this source before it creates anything (pure): whether a runner can
// reach it at all (Private, Shield, Advanced; heroku-api.md §19.5), how many connections it may
// take (Essential's limit, §19.6), and which PostgreSQL major the fresh add-on gets (§19.4).
import { POSTGRES_MAJORS, type DrillConfig } from '../config.js'
import { DrillError } from '../errors.js'
import type { DatabaseInfo } from '../heroku/types.js'

/** Connections always left free for the app on the source. */
export const CONNECTIONS_KEPT_FREE = 2

/**
 * Refuses, in one line with the way forward, a source the drill cannot drill from here: Postgres
 * Advanced (no pg:backups or v11 transfers; the CLI's own name rule), and Private or Shield
 * without `private-network` (they accept no connection from outside their space). Shield has no
 * PGBackups, so there only fork and rollback can work.
 */
export function refuseUnreachableSource(
  config: Pick<DrillConfig, 'method' | 'privateNetwork'>,
  addonName: string,
  shortPlan: string
): void {
  const refuse = (why: string): never => {
    throw new DrillError(`source ${addonName} (plan ${shortPlan}) ${why}`)
  }
  if (/^(advanced|performance)/.test(shortPlan))
    refuse(
      'is a Postgres Advanced database, which this action cannot drill yet (no pg:backups, a different data API): rehearse its recovery with heroku data:pg:fork by hand'
    )
  const shield = shortPlan.startsWith('shield')
  if ((shield || shortPlan.startsWith('private')) && !config.privateNetwork)
    refuse(
      `accepts connections only from inside its ${shield ? 'Shield' : 'Private'} space: run the drill on a self-hosted runner inside the space with private-network: true${shield ? ' and method: fork or rollback (PGBackups do not work with Shield)' : ''}`
    )
  if (shield && config.method === 'backup')
    refuse('is a Shield database, where PGBackups do not work: use method: fork or rollback')
}

/** `Connections: used/limit` of the database info (Essential shows it), or null. */
export function connectionsOf(info: DatabaseInfo | null): { used: number; limit: number } | null {
  const row = info?.info?.find((r) => r.name === 'Connections')
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(row?.values?.[0] ?? ''))
  return match ? { used: Number(match[1]), limit: Number(match[2]) } : null
}

/** The drill's connections on the source, and how many were in use before it came. */
export interface SourcePool {
  /** The source pool's size: the most connections the drill opens on the source. */
  size: number
  /** `Connections: used/limit` before the drill, when the info shows it. */
  before: { used: number; limit: number } | null
}

/**
 * The source pool: `wanted` connections, fewer when the source's limit would leave less than
 * two free for the app; refused (before any write) when not even one can be spared.
 */
export function sourcePoolOf(
  wanted: number,
  addonName: string,
  before: { used: number; limit: number } | null
): SourcePool {
  if (!before) return { size: wanted, before }
  const spare = before.limit - before.used - CONNECTIONS_KEPT_FREE
  if (spare < 1)
    throw new DrillError(
      `source ${addonName} has ${before.used} of ${before.limit} connections in use: the drill needs one and keeps ${CONNECTIONS_KEPT_FREE} free for the app; run it when the app uses fewer, or on a larger plan`
    )
  return { size: Math.min(wanted, spare), before }
}

/** The major of `PG Version` / `postgres_version` (`14.13`, `16.4 (Ubuntu…)`), or null. */
export function sourceMajorOf(info: DatabaseInfo | null): number | null {
  const row = info?.info?.find((r) => r.name === 'PG Version')
  const text = info?.postgres_version ?? String(row?.values?.[0] ?? '')
  const match = /^\s*(\d+)/.exec(text)
  return match ? Number(match[1]) : null
}

/** The major from `server_version_num` (e.g. 150004 → 15). */
export function majorOfVersionNum(versionNum: number): number {
  return Math.floor(versionNum / 10000)
}

/**
 * The fresh add-on's major: the source's with `same`, else the number asked for, never lower than
 * the source's (a dump does not restore into an older server) and one Heroku supports.
 */
export function copyMajorOf(asked: 'same' | number, sourceMajor: number): number {
  if (asked === 'same') return sourceMajor
  if (asked < sourceMajor)
    throw new DrillError(
      `postgres-version ${asked} is lower than the source's PostgreSQL ${sourceMajor}: a backup does not restore into an older major; use postgres-version: same or ${sourceMajor} or higher`
    )
  if (!POSTGRES_MAJORS.includes(asked))
    throw new DrillError(`postgres-version ${asked} is not a supported major`)
  return asked
}
