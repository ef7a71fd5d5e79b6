// The simulator's fixed catalogue: the heroku-postgresql service and its plans (with the limits the
// simulator assumes), the account, and small formatting helpers.
import { createHash } from 'node:crypto'

export const SERVICE_NAME = 'heroku-postgresql'
export const SERVICE_ID = uuidFrom('addon-service:heroku-postgresql')
export const REGION = { id: uuidFrom('region:us'), name: 'us' }
export const GENERATION = { id: uuidFrom('generation:cedar'), name: 'cedar' }
/** The Common Runtime regions an app can be created in. */
export const REGIONS = [REGION, { id: uuidFrom('region:eu'), name: 'eu' }]

/** A stable UUID derived from a text (plan and service ids do not change between runs). */
export function uuidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export interface PlanRec {
  id: string
  name: string
  human_name: string
  cents: number
  is_default: boolean
}

const PLAN_TABLE: [string, string, number][] = [
  ['essential-0', 'Essential 0', 500],
  ['essential-1', 'Essential 1', 900],
  ['essential-2', 'Essential 2', 2000],
  ['standard-0', 'Standard 0', 5000],
  ['standard-2', 'Standard 2', 20000],
  ['standard-3', 'Standard 3', 40000],
  ['premium-0', 'Premium 0', 20000],
  ['premium-2', 'Premium 2', 35000],
  ['private-0', 'Private 0', 30000],
  ['shield-0', 'Shield 0', 35000],
  // Postgres Advanced (heroku-api.md §19.5): prices not published; `performance-0` stands for any
  // `performance*` plan, which the CLI treats as Advanced too.
  ['advanced', 'Advanced', 40000],
  ['advanced-private', 'Advanced Private', 50000],
  ['advanced-shield', 'Advanced Shield', 60000],
  ['performance-0', 'Performance 0', 40000]
]

export const PLANS: PlanRec[] = PLAN_TABLE.map(([short, human, cents]) => ({
  id: uuidFrom(`plan:${short}`),
  name: `${SERVICE_NAME}:${short}`,
  human_name: human,
  cents,
  is_default: short === 'essential-0'
}))

export function isEssential(plan: PlanRec): boolean {
  return (plan.name.split(':')[1] ?? '').startsWith('essential')
}

const shortName = (plan: PlanRec): string => plan.name.split(':')[1] ?? ''

/** Postgres Advanced: `advanced*` or `performance*` (the CLI's isAdvancedDatabase). */
export function isAdvanced(plan: PlanRec): boolean {
  return /^(advanced|performance)/.test(shortName(plan))
}

/**
 * Whether a runner outside Heroku can connect: not to Private or Shield databases (Dev Center
 * "Connecting to Heroku Postgres Databases from Outside of Heroku", heroku-api.md §19.5).
 */
export function reachableFromOutside(plan: PlanRec): boolean {
  return !/(^|-)(private|shield)(-|$)/.test(shortName(plan))
}

/** "PGBackups don't work with Shield databases" (Dev Center, heroku-api.md §19.5). */
export function hasPgBackups(plan: PlanRec): boolean {
  return !/(^|-)shield(-|$)/.test(shortName(plan))
}

/**
 * Manual backups kept per plan: an assumption (Heroku does not publish every plan's retention):
 * Essential 5, Standard 25, Premium/Private/Shield 50.
 */
export function manualBackupsKept(plan: PlanRec): number {
  const short = plan.name.split(':')[1] ?? ''
  if (short.startsWith('essential')) return 5
  if (short.startsWith('standard')) return 25
  return 50
}

/**
 * Connections a plan allows (the role's CONNECTION LIMIT): an assumption (not published for every plan,
 * unverified): essential-0/1 20, essential-2 40, standard 120, premium/private/shield 500.
 */
export function connectionLimit(plan: PlanRec): number {
  const short = plan.name.split(':')[1] ?? ''
  if (short === 'essential-2') return 40
  if (short.startsWith('essential')) return 20
  if (short.startsWith('standard')) return 120
  return 500
}

export function planJson(p: PlanRec): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    human_name: p.human_name,
    description: `Heroku Postgres ${p.human_name}`,
    addon_service: { id: SERVICE_ID, name: SERVICE_NAME },
    price: { cents: p.cents, contract: false, unit: 'month' },
    state: 'public',
    default: p.is_default,
    compliance: null,
    installable_inside_private_network: /private|shield/.test(p.name),
    installable_outside_private_network: !/private|shield/.test(p.name),
    space_default: false,
    visible: true,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z'
  }
}

export function addonServiceJson(): Record<string, unknown> {
  return {
    id: SERVICE_ID,
    name: SERVICE_NAME,
    human_name: 'Heroku Postgres',
    state: 'ga',
    supports_multiple_installations: true,
    supports_sharing: true,
    cli_plugin_name: null,
    supported_generations: [
      { id: uuidFrom('generation:cedar'), name: 'cedar' },
      { id: uuidFrom('generation:fir'), name: 'fir' }
    ],
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z'
  }
}

/** `heroku-postgresql:essential-0`, `essential-0`, `heroku-postgresql` (default plan) or a plan id. */
export function findPlan(ref: string): PlanRec | undefined {
  const r = ref.trim()
  if (r === SERVICE_NAME) return PLANS.find((p) => p.is_default)
  return PLANS.find((p) => p.id === r || p.name === r || p.name === `${SERVICE_NAME}:${r}`)
}

export const ACCOUNT = {
  id: uuidFrom('account:sim'),
  email: 'drill-sim@example.com',
  name: 'Simulated Heroku user'
}

/** A team app's owner: the team's own pseudo-account, as Heroku shows it. */
export function teamOwner(team: string): { id: string; email: string } {
  return { id: uuidFrom(`team-owner:${team}`), email: `${team}@herokumanager.com` }
}

export function accountJson(): Record<string, unknown> {
  return {
    id: ACCOUNT.id,
    email: ACCOUNT.email,
    name: ACCOUNT.name,
    allow_tracking: false,
    beta: false,
    federated: false,
    identity_provider: null,
    country_of_residence: null,
    verified: true,
    two_factor_authentication: false,
    default_organization: null,
    default_team: null,
    delinquent_at: null,
    suspended_at: null,
    sms_number: null,
    last_login: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z'
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n
  let i = -1
  do {
    v /= 1024
    i++
  } while (v >= 1024 && i < units.length - 1)
  return `${v.toFixed(1)} ${units[i]}`
}
