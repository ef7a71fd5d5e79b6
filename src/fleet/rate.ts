// Heroku's rate limit for a fleet (pure): what one drill costs in API requests, and the largest
// max-parallel that keeps the whole matrix within a share of the account's pool. Heroku gives each
// account 4,500 requests an hour (a pool refilled at 75 a minute, heroku-api.md §12.1), shared by
// every drill of the token and by its deploys; the drill itself slows down on RateLimit-Remaining.
import { pollIntervalMs } from '../heroku/wait.js'
import type { FleetMethod } from './matrix.js'

export const ACCOUNT_REQUESTS_PER_HOUR = 4500
/** Requests of a whole drill besides its waits: main and post step (README, Performance: 41). */
export const DRILL_STEP_REQUESTS = 45
/** The waits a drill polls: capture and provisioning side by side, then the restore; a fork's provisioning. */
const WAITS: Record<FleetMethod, number> = { backup: 3, fork: 1 }
/** The length of each wait the estimate assumes (the summary says so). */
export const ASSUMED_WAIT_MINUTES = 10
/** A backup drill waits twice one after the other (capture ∥ provisioning, then the restore). */
const DRILL_MINUTES = 2 * ASSUMED_WAIT_MINUTES

/** Status requests one wait of `seconds` sends under the drill's poll policy (wait.ts). */
export function pollsForWait(seconds: number): number {
  let elapsedMs = 0
  let polls = 0
  while (elapsedMs < seconds * 1000) {
    elapsedMs += pollIntervalMs(elapsedMs)
    polls++
  }
  return polls
}

/** Requests of one drill: its steps and its waits of ASSUMED_WAIT_MINUTES each. */
export function drillRequests(method: FleetMethod, waitMinutes = ASSUMED_WAIT_MINUTES): number {
  return DRILL_STEP_REQUESTS + WAITS[method] * pollsForWait(waitMinutes * 60)
}

export interface RateBudget {
  /** The requests an hour the fleet may use: `share` percent of the account's 4,500. */
  budgetPerHour: number
  /** Every drill of the matrix once. */
  fleetRequests: number
  /** One running drill's requests an hour (a slot of the matrix drilling back to back). */
  perSlotPerHour: number
  /** The largest max-parallel within the budget (at least 1); null: any (the whole fleet fits). */
  maxParallel: number | null
}

/**
 * The whole fleet within the budget at once needs no limit (the pool holds an hour's worth);
 * otherwise each parallel slot spends a drill's requests per drill length, so the budget allows
 * that many slots.
 */
export function rateBudget(methods: FleetMethod[], sharePercent: number): RateBudget {
  const budgetPerHour = Math.floor((ACCOUNT_REQUESTS_PER_HOUR * sharePercent) / 100)
  const fleetRequests = methods.reduce((sum, m) => sum + drillRequests(m), 0)
  const perSlotPerHour = Math.ceil((drillRequests('backup') * 60) / DRILL_MINUTES)
  const maxParallel =
    fleetRequests <= budgetPerHour ? null : Math.max(1, Math.floor(budgetPerHour / perSlotPerHour))
  return { budgetPerHour, fleetRequests, perSlotPerHour, maxParallel }
}

/** `rate-limit-share`: a percentage of the account's pool, 1 to 100 (`50` or `50%`). */
export function parseShare(text: string): number {
  const m = /^\s*(\d{1,3})\s*%?\s*$/.exec(text)
  const share = m ? Number(m[1]) : NaN
  if (!(share >= 1 && share <= 100)) {
    throw new Error(`rate-limit-share: "${text}" is not a percentage from 1 to 100 (example: 50)`)
  }
  return share
}
