// How many manual backups a database keeps, per plan tier. Heroku documents Standard 25 and
// Premium/Private/Shield 50; the Essential number is not published, the simulator assumes 5
// (manualBackupsKept in sim-catalog.ts). Tests may lower any tier to fill the slots quickly.
import { manualBackupsKept, type PlanRec } from './sim-catalog.js'
import { invalidParams } from './sim-http.js'

export const TIERS = ['essential', 'standard', 'premium', 'private', 'shield'] as const
export type Tier = (typeof TIERS)[number]
export type BackupLimitOverrides = Partial<Record<Tier, number>>

export function planTier(plan: PlanRec): Tier {
  const short = plan.name.split(':')[1] ?? ''
  return TIERS.find((t) => short.startsWith(t)) ?? 'premium'
}

/** A plan tier's representative plan, for the defaults of manualBackupsKept. */
function tierDefault(tier: Tier): number {
  return manualBackupsKept({ name: `heroku-postgresql:${tier}-0` } as PlanRec)
}

export class BackupLimits {
  private readonly overrides: BackupLimitOverrides = {}

  constructor(overrides: BackupLimitOverrides = {}) {
    this.set(overrides)
  }

  /** Manual backups kept for a database of this plan (num_keep of its new backups). */
  kept(plan: PlanRec): number {
    const tier = planTier(plan)
    return this.overrides[tier] ?? tierDefault(tier)
  }

  /** Overrides some tiers; refuses unknown tiers and counts below 1 (422). */
  set(overrides: unknown): void {
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
      throw invalidParams('Backup limits must be an object like {"essential": 2}.')
    const entries = Object.entries(overrides as Record<string, unknown>)
    for (const [tier, n] of entries) {
      if (!(TIERS as readonly string[]).includes(tier))
        throw invalidParams(`Unknown plan tier ${tier}; known: ${TIERS.join(', ')}.`)
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        throw invalidParams(`${tier} must be a whole number of backups >= 1.`)
    }
    for (const [tier, n] of entries) this.overrides[tier as Tier] = n as number
  }

  json(): Record<Tier, number> {
    return Object.fromEntries(TIERS.map((t) => [t, this.overrides[t] ?? tierDefault(t)])) as Record<
      Tier,
      number
    >
  }
}
