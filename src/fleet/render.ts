// The two fleet summaries (pure): discover's table of databases to drill, and the fleet report.
// Both are blocks of the drill summary's content model, rendered by its Markdown and text
// renderers (report/render.ts), which escape every string from outside.
import { formatCount, formatDuration, formatLimit, plural } from '../format.js'
import {
  oneLine,
  toMarkdown,
  toText,
  type Block,
  type Inline,
  type Span
} from '../report/render.js'
import type { DiscoveredFleet } from './discover.js'
import type { FleetJudgement, FleetRow, FleetStatus } from './judge.js'
import type { FleetDatabase, MatrixEntry } from './matrix.js'
import {
  ACCOUNT_REQUESTS_PER_HOUR,
  ASSUMED_WAIT_MINUTES,
  DRILL_STEP_REQUESTS,
  drillRequests,
  type RateBudget
} from './rate.js'

/** The drill's default max-backup-age: an older newest backup is flagged here too. */
const BACKUP_AGE_LIMIT_SECONDS = 26 * 3600
const ICON: Record<FleetStatus, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  error: '⚠️ error',
  missing: '❔ missing'
}

// ---------------------------------------------------------------- discover

export function renderDiscover(fleet: DiscoveredFleet, budget: RateBudget, share: number): string {
  return toMarkdown(discoverBlocks(fleet, budget, share))
}

export function renderDiscoverText(
  fleet: DiscoveredFleet,
  budget: RateBudget,
  share: number
): string {
  return toText(discoverBlocks(fleet, budget, share))
}

function discoverBlocks(fleet: DiscoveredFleet, budget: RateBudget, share: number): Block[] {
  const count = fleet.databases.length
  const blocks: Block[] = [
    { kind: 'heading', text: `Heroku Postgres fleet: ${plural(count, 'database')} to drill` },
    {
      kind: 'para',
      text: `${plural(fleet.appsSeen, 'app')} seen, ${plural(fleet.appsLeftOut.length, 'app')} left out, ${plural(fleet.appsWithoutDatabase.length, 'app')} without a database of its own. Newest backup and its age from each app's backups list (nothing was written).`
    }
  ]
  if (count > 0) blocks.push(databaseTable(fleet.databases))
  if (fleet.skipped.length > 0) {
    blocks.push(
      { kind: 'heading', text: 'Not drilled' },
      {
        kind: 'table',
        headers: ['app', 'add-on', 'why'],
        rows: fleet.skipped.map((s) => [s.app, { code: s.addonName }, oneLine(s.reason)])
      }
    )
  }
  if (fleet.appsLeftOut.length > 0) {
    blocks.push({
      kind: 'details',
      label: `Apps left out (${fleet.appsLeftOut.length})`,
      blocks: [{ kind: 'list', items: fleet.appsLeftOut.map((a) => `${a.app}: ${a.reason}`) }]
    })
  }
  blocks.push(...rateBlocks(fleet.databases, budget, share))
  return blocks
}

function databaseTable(databases: FleetDatabase[]): Block {
  return {
    kind: 'table',
    headers: ['app', 'database', 'plan', 'team', 'method', 'newest backup', 'age'],
    rows: databases.map((db) => [
      db.app,
      { code: db.database },
      db.plan,
      db.team ?? 'personal',
      db.note ? [{ code: db.method }, ` (${oneLine(db.note)})`] : { code: db.method },
      db.newestBackup ? { code: db.newestBackup.id } : 'none',
      ageCell(db.newestBackup?.ageSeconds ?? null)
    ])
  }
}

function ageCell(ageSeconds: number | null): string {
  if (ageSeconds === null) return '—'
  const age = formatDuration(ageSeconds)
  return ageSeconds > BACKUP_AGE_LIMIT_SECONDS
    ? `⚠️ ${age} (over ${formatLimit(BACKUP_AGE_LIMIT_SECONDS)})`
    : age
}

function rateBlocks(databases: MatrixEntry[], budget: RateBudget, share: number): Block[] {
  const perDrill = drillRequests('backup')
  const limit =
    budget.maxParallel === null
      ? [
          'the whole matrix fits: any ',
          { code: 'max-parallel' },
          ' stays under it (the drills also slow down on RateLimit-Remaining).'
        ]
      : [
          { code: `max-parallel: ${budget.maxParallel}` },
          ` stays under it (a running drill spends about ${formatCount(budget.perSlotPerHour)} requests an hour).`
        ]
  const text: Span[] = [
    `A drill costs about ${formatCount(perDrill)} Heroku API requests (${DRILL_STEP_REQUESTS} for its steps, the rest polling waits of about ${ASSUMED_WAIT_MINUTES} minutes each; a fork about ${formatCount(drillRequests('fork'))}). `,
    `These ${plural(databases.length, 'drill')}: about ${formatCount(budget.fleetRequests)} requests. `,
    `Heroku allows ${formatCount(ACCOUNT_REQUESTS_PER_HOUR)} an hour per account, shared by every drill of this token and its deploys; within ${share}% (${formatCount(budget.budgetPerHour)} an hour) `,
    ...limit
  ]
  return [
    { kind: 'heading', text: 'Rate limit' },
    { kind: 'para', text }
  ]
}

// ---------------------------------------------------------------- fleet report

export interface FleetLinks {
  /** This workflow run's page; null outside GitHub. */
  runUrl: string | null
  /** This run's jobs (name and page), when the GitHub API could list them. */
  jobs: { name: string; url: string }[]
}

/** A subfolder of the reports folder that held no usable report. */
export interface UnreadableReport {
  artifact: string
  reason: string
}

export function renderFleet(
  judgement: FleetJudgement,
  links: FleetLinks,
  unreadable: UnreadableReport[] = []
): string {
  return toMarkdown(fleetBlocks(judgement, links, unreadable))
}

export function renderFleetText(
  judgement: FleetJudgement,
  links: FleetLinks,
  unreadable: UnreadableReport[] = []
): string {
  return toText(fleetBlocks(judgement, links, unreadable))
}

/** The one line of the verdict: every database passed, or how many failed and are missing. */
export function fleetVerdict(judgement: FleetJudgement): string {
  const { passed, failed, missing } = judgement.counts
  const total = judgement.rows.length
  if (failed === 0 && missing === 0) return `Fleet drill: all ${plural(total, 'database')} passed`
  const parts = [
    failed > 0 ? `${formatCount(failed)} failed` : '',
    missing > 0 ? `${formatCount(missing)} missing` : ''
  ]
  return `Fleet drill: ${parts.filter((p) => p).join(', ')} of ${plural(total, 'database')} (${formatCount(passed)} passed)`
}

function fleetBlocks(
  judgement: FleetJudgement,
  links: FleetLinks,
  unreadable: UnreadableReport[]
): Block[] {
  const { passed, failed, missing } = judgement.counts
  const ok = failed === 0 && missing === 0
  const blocks: Block[] = [
    { kind: 'verdict', outcome: ok ? 'passed' : 'failed', text: fleetVerdict(judgement) },
    {
      kind: 'list',
      items: [
        `Passed: ${formatCount(passed)}`,
        `Failed: ${formatCount(failed)}`,
        `Missing (no report): ${formatCount(missing)}`,
        `Databases in the matrix: ${formatCount(judgement.rows.length)}`
      ]
    },
    { kind: 'heading', text: 'Databases' },
    {
      kind: 'table',
      headers: [
        'app',
        'database',
        'outcome',
        'newest backup',
        'restore',
        'trend',
        'mismatches',
        'job'
      ],
      rows: judgement.rows.map((row) => fleetRow(row, links))
    }
  ]
  const failing = judgement.rows.filter((r) => r.status === 'failed' || r.status === 'error')
  if (failing.length > 0)
    blocks.push(
      { kind: 'heading', text: 'Failed' },
      { kind: 'list', items: failing.map(verdictItem) }
    )
  const absent = judgement.rows.filter((r) => r.status === 'missing')
  if (absent.length > 0)
    blocks.push(
      { kind: 'heading', text: 'Missing' },
      { kind: 'list', items: absent.map(verdictItem) }
    )
  if (judgement.unlisted.length > 0) {
    blocks.push(
      { kind: 'heading', text: 'Reports not in the matrix' },
      {
        kind: 'list',
        items: judgement.unlisted.map((f) => [
          { code: f.artifact },
          `: ${f.report.app} ${f.report.outcome} (not judged)`
        ])
      }
    )
  }
  if (unreadable.length > 0) {
    blocks.push(
      { kind: 'heading', text: 'Unreadable reports' },
      {
        kind: 'list',
        items: unreadable.map((u) => [{ code: u.artifact }, `: ${oneLine(u.reason)}`])
      }
    )
  }
  return blocks
}

function fleetRow(row: FleetRow, links: FleetLinks): Inline[] {
  const backup: Inline = row.newestBackup
    ? [{ code: row.newestBackup.id }, ' ', ageCell(row.newestBackup.ageSeconds)]
    : '—'
  return [
    row.entry.app,
    { code: row.entry.database },
    ICON[row.status],
    backup,
    row.restoreSeconds === null ? '—' : formatDuration(row.restoreSeconds),
    trendCell(row),
    row.mismatches === null ? '—' : formatCount(row.mismatches),
    jobCell(row.entry, links)
  ]
}

function verdictItem(row: FleetRow): Inline {
  return [{ strong: `${row.entry.app} ${row.entry.database}` }, `: ${oneLine(row.verdict)}`]
}

/** The restore time against the median of earlier drills: `first drill`, `+40% vs 12s (5 drills)`. */
export function trendText(restoreSeconds: number | null, trend: FleetRow['trend']): string {
  if (!trend) return '—'
  if (trend.medianSeconds === null || restoreSeconds === null)
    return trend.earlierDrills === 0 ? 'first drill' : '—'
  const median = trend.medianSeconds
  const change = median > 0 ? Math.round(((restoreSeconds - median) / median) * 100) : 0
  const sign = change > 0 ? '+' : ''
  return `${sign}${change}% vs ${formatDuration(median)} (median of ${plural(trend.earlierDrills, 'drill')})`
}

function trendCell(row: FleetRow): Inline {
  return trendText(row.restoreSeconds, row.trend)
}

function jobCell(entry: MatrixEntry, links: FleetLinks): Inline {
  const job = jobFor(entry, links.jobs)
  if (job) return { link: 'job', href: job.url }
  return links.runUrl ? { link: 'run', href: links.runUrl } : '—'
}

/**
 * The matrix job of this database: a job whose name holds the app as a word (the default
 * `drill (app, DATABASE_URL, …)` or a `name:` with `${{ matrix.app }}`), and the database when
 * several do.
 */
export function jobFor(
  entry: MatrixEntry,
  jobs: { name: string; url: string }[]
): { name: string; url: string } | undefined {
  const words = (name: string): string[] => name.split(/[\s,()[\]/:]+/).filter((w) => w)
  const ofApp = jobs.filter((j) => words(j.name).includes(entry.app))
  if (ofApp.length <= 1) return ofApp[0]
  return ofApp.find((j) => words(j.name).includes(entry.database))
}
