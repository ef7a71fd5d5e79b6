// The rules of forks and rollbacks, pure: which plans have Continuous Protection and how far back,
// reading a rollback's `to` and `by`, refusing what Heroku refuses, and the Rollback info line.
import type { PlanRec } from '../sim-catalog.js'

const DAY_MS = 24 * 3600 * 1000

/** Standard, Premium, Private and Shield plans have Continuous Protection; Essential has not. */
export function hasContinuousProtection(plan: PlanRec): boolean {
  return /^(standard|premium|private|shield)-/.test(plan.name.split(':')[1] ?? '')
}

/** How far back a plan can roll back: 4 days on Standard, 7 on Premium, Private and Shield. */
export function rollbackWindowMs(plan: PlanRec): number {
  return ((plan.name.split(':')[1] ?? '').startsWith('standard') ? 4 : 7) * DAY_MS
}

/**
 * A rollback's `to`: ISO 8601 (`2026-12-02T00:30:00Z`, fractions and offsets allowed) or
 * `2026-12-02 00:30[:00] +0000` / `… UTC` / `…+00`; a time without a zone is UTC. NaN if neither.
 */
export function parseRecoveryTime(text: string): number {
  const m =
    /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?)\s*(Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?$/i.exec(
      text.trim()
    )
  if (!m) return NaN
  let zone = (m[3] ?? 'Z').toUpperCase()
  if (zone === 'UTC' || zone === 'GMT') zone = 'Z'
  else if (/^[+-]\d\d$/.test(zone)) zone += ':00'
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`
  const time = m[2].length === 5 ? `${m[2]}:00` : m[2]
  return Date.parse(`${m[1]}T${time}${zone}`)
}

const UNIT_MS: [RegExp, number][] = [
  [/^(d|days?)$/, DAY_MS],
  [/^(h|hrs?|hours?)$/, 3600_000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(s|secs?|seconds?)$/, 1000]
]

/**
 * A rollback's `by`, an interval back from now: `3h`, `30m`, `1d`, `2 hours`, `1 day`,
 * `3 days 7 hours 22 minutes`, optionally ending in `ago`. Milliseconds, or NaN if not one.
 */
export function parseRollbackInterval(text: string): number {
  const parts = text
    .trim()
    .toLowerCase()
    .replace(/\s+ago$/, '')
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*,?\s*/gy
  let total = 0
  let seen = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(parts)) !== null) {
    const unit = UNIT_MS.find(([pattern]) => pattern.test(m![2]))
    if (!unit) return NaN
    total += Number(m[1]) * unit[1]
    seen = re.lastIndex
  }
  return parts !== '' && seen === parts.length && total > 0 ? total : NaN
}

/** What a fork or rollback copies: the source database and the time it is recovered to. */
export interface RecoveryPlan {
  kind: 'fork' | 'rollback'
  sourceAddonId: string
  sourceName: string
  targetMs: number
}

export interface RecoverySource {
  addonId: string
  name: string
  plan: PlanRec
  /** True when the database is on the WAL-archiving cluster. */
  protected: boolean
  earliestMs: number
}

// Refusals are 422 `invalid_params`, the id Heroku's add-on create answers for a bad request body.
const refuse = (message: string): Error => Object.assign(new Error(message), { refusal: true })

/** True for an error thrown by `recoveryPlan` (a 422 refusal). */
export function isRefusal(err: unknown): err is Error {
  return err instanceof Error && (err as { refusal?: boolean }).refusal === true
}

/**
 * The fork or rollback an add-on create's `config` asks for (`{fork}`, `{rollback, to}` or
 * `{rollback, by}`), checked before anything is created; undefined for a plain create.
 */
export function recoveryPlan(
  config: Record<string, unknown>,
  plan: PlanRec,
  receivedMs: number,
  findSource: (ref: string) => RecoverySource | undefined
): RecoveryPlan | undefined {
  const { fork, rollback, to, by } = config
  if (fork === undefined && rollback === undefined) {
    if (to !== undefined || by !== undefined) throw refuse('to and by go with rollback only.')
    return undefined
  }
  if (fork !== undefined && rollback !== undefined)
    throw refuse('Give either fork or rollback, not both.')
  const kind = fork !== undefined ? 'fork' : 'rollback'
  const ref = String(fork ?? rollback)
  if (kind === 'fork' && (to !== undefined || by !== undefined))
    throw refuse('A fork copies the database as it is now; to and by go with rollback.')
  const source = findSource(ref)
  if (!source)
    throw refuse(
      `Couldn't find the database ${ref} to ${kind}: name it as APP::DATABASE_URL, a config var of this app, an add-on name or its URL.`
    )
  if (!hasContinuousProtection(source.plan))
    throw refuse(
      `Rollback/fork is not supported for Essential-tier databases: ${source.name} is on ${source.plan.human_name}.`
    )
  if (!source.protected)
    throw refuse(
      `${source.name} has no Continuous Protection (yet): ${kind} it once it is provisioned.`
    )
  if (!hasContinuousProtection(plan))
    throw refuse(
      `A ${kind} needs a Standard, Premium, Private or Shield plan; ${plan.name} has no Continuous Protection.`
    )
  const targetMs = kind === 'fork' ? receivedMs : rollbackTarget(to, by, receivedMs)
  if (targetMs < source.earliestMs)
    throw refuse(
      `to: ${new Date(targetMs).toISOString()} is before the earliest time ${source.name} can be rolled back to, ${new Date(source.earliestMs).toISOString()}.`
    )
  return { kind, sourceAddonId: source.addonId, sourceName: source.name, targetMs }
}

function rollbackTarget(to: unknown, by: unknown, receivedMs: number): number {
  if (to !== undefined && by !== undefined) throw refuse('Give either to or by, not both.')
  if (to === undefined && by === undefined)
    throw refuse(
      "rollback needs to (a time like 2026-12-02T00:30:00Z) or by (an interval like 3h or '2 hours')."
    )
  if (by !== undefined) {
    const ms = parseRollbackInterval(String(by))
    if (Number.isNaN(ms))
      throw refuse(
        `by: "${String(by)}" is not an interval: give e.g. 3h, 30m, 1d, '2 hours' or '3 days 7 hours 22 minutes'.`
      )
    return receivedMs - ms
  }
  const targetMs = parseRecoveryTime(String(to))
  if (Number.isNaN(targetMs))
    throw refuse(
      `to: "${String(to)}" is not a time: give ISO 8601 like 2026-12-02T00:30:00Z or 2026-12-02 00:30:00 +0000.`
    )
  if (targetMs > receivedMs)
    throw refuse(`to: ${new Date(targetMs).toISOString()} is in the future.`)
  return targetMs
}

/** The Rollback line of a database's info: `earliest from 2026-12-02 00:10 UTC` (to the minute). */
export function rollbackInfo(earliestMs: number): string {
  const t = new Date(earliestMs).toISOString()
  return `earliest from ${t.slice(0, 10)} ${t.slice(11, 16)} UTC`
}
