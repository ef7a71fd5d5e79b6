// Preflight for method fork / rollback (pure): Continuous Protection exists only on Standard-tier
// databases and up, and reaches back 4 days on Standard, a week on Premium, Private and Shield.
// The database info says how far back this database really goes ("Rollback: earliest from …").
// Everything here is decided before anything is created.
import type { DrillConfig } from '../config.js'
import { DrillError } from '../errors.js'
import { formatDuration, formatLimit, formatUtc } from '../format.js'
import { planShortName, planTier } from '../heroku/platform.js'
import type { DatabaseInfo } from '../heroku/types.js'
import { rollbackLabel } from '../config.js'

export interface RecoveryPlan {
  method: 'fork' | 'rollback'
  /** The time the copy is recovered to: the rollback target; null for a fork (made when asked for). */
  targetTime: Date | null
  /** The earliest time the source can be recovered to, as its database info shows it (to the minute). */
  earliest: Date | null
  /** How far back the plan's Continuous Protection reaches. */
  windowSeconds: number
}

const DAY = 86400
const WINDOW_BY_TIER: Record<string, number> = {
  standard: 4 * DAY,
  premium: 7 * DAY,
  private: 7 * DAY,
  shield: 7 * DAY
}

/** The plan's rollback window in seconds, or null when the plan has no Continuous Protection. */
export function rollbackWindowSeconds(plan: string): number | null {
  return WINDOW_BY_TIER[planTier(plan)] ?? null
}

/** `earliest from 2025-12-19 13:59 UTC` (or the older `from …`) in the database info's Rollback line. */
export function earliestRecoveryTime(info: DatabaseInfo | null): Date | null {
  const line = info?.info?.find((item) => item.name === 'Rollback')
  const text = String(line?.values?.[0] ?? '')
  const m = /from (\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})? ?(UTC|\+0000|Z)?/.exec(text)
  return m ? new Date(`${m[1]}T${m[2]}${m[3] ?? ':00'}Z`) : null
}

/** null for method backup; otherwise the checked plan, or a DrillError naming what cannot work. */
export function planRecovery(
  config: DrillConfig,
  source: { addonName: string; plan: string },
  info: DatabaseInfo | null,
  now: Date
): RecoveryPlan | null {
  if (config.method === 'backup') return null
  const windowSeconds = continuousProtectionOf(config, source, info)
  refusePlanWithout(config)
  const earliest = earliestRecoveryTime(info)
  const targetTime = config.method === 'rollback' ? rollbackTarget(config, now) : null
  if (targetTime) refuseTargetOutside(config, source, targetTime, { now, earliest, windowSeconds })
  return { method: config.method, targetTime, earliest, windowSeconds }
}

function continuousProtectionOf(
  config: DrillConfig,
  source: { addonName: string; plan: string },
  info: DatabaseInfo | null
): number {
  const windowSeconds = rollbackWindowSeconds(source.plan)
  const shown = info?.info?.find((item) => item.name === 'Continuous Protection')?.values?.[0]
  const off = shown !== undefined && !/\bOn\b/.test(String(shown))
  if (windowSeconds === null || off) {
    throw new DrillError(
      `method: ${config.method} needs Continuous Protection, which Heroku gives Standard-tier databases and up; ` +
        `${source.addonName} is ${planShortName(source.plan) || 'of an unknown plan'}${off ? ` (Continuous Protection: ${String(shown)})` : ''}: ` +
        'drill it with method: backup'
    )
  }
  return windowSeconds
}

/** The copy itself must be on a plan with Continuous Protection too. */
function refusePlanWithout(config: DrillConfig): void {
  if (config.plan === 'same' || rollbackWindowSeconds(config.plan) !== null) return
  throw new DrillError(
    `plan ${config.plan} cannot hold a ${config.method}: Heroku makes forks and rollbacks on Standard-tier plans and up; set plan: same or e.g. plan: standard-0`
  )
}

function rollbackTarget(config: DrillConfig, now: Date): Date {
  const target = config.rollbackTo
  if (!target) throw new DrillError('method: rollback needs rollback-to, e.g. rollback-to: 30m')
  return target.mode === 'at' ? target.time : new Date(now.getTime() - target.seconds * 1000)
}

function refuseTargetOutside(
  config: DrillConfig,
  source: { addonName: string; plan: string },
  target: Date,
  { now, earliest, windowSeconds }: { now: Date; earliest: Date | null; windowSeconds: number }
): void {
  const asked = `rollback-to ${rollbackLabel(config.rollbackTo!)} (${formatUtc(target)})`
  if (target.getTime() > now.getTime()) {
    throw new DrillError(
      `${asked} is in the future (now ${formatUtc(now)}): a rollback goes back in time, e.g. rollback-to: 30m`
    )
  }
  const back = (now.getTime() - target.getTime()) / 1000
  if (back > windowSeconds) {
    throw new DrillError(
      `${asked} is ${formatDuration(back)} back, beyond the ${formatLimit(windowSeconds)} that ${planShortName(source.plan)} keeps: choose a later time`
    )
  }
  // The info shows the earliest time to the minute: a target inside that minute may be too early.
  if (earliest && target.getTime() < earliest.getTime() + 60_000) {
    throw new DrillError(
      `${asked} is before the earliest time Heroku can roll ${source.addonName} back to (${formatUtc(earliest).slice(0, 16)} UTC, to the minute): choose a later time`
    )
  }
}
