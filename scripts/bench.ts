// `npm run bench`: the performance figures of the drill, measured side by side in one run against the
// simulated Heroku on a throwaway PostgreSQL. Not part of the test suite; prints ratios, not verdicts
// of a timed test.
//
// 1. The waiting part of a drill with simulated delays provision 8 s, capture 8 s, restore 4 s, as a
//    ratio to the 12 s critical path (provision overlaps the capture), and the API requests it made.
// 2. Verifying a production database of about 3 million rows: the drill's verify phase (counts only,
//    and the default checksum-tables auto, which hashes every table of this quiet source) as a ratio
//    to a naive sequential count(*) of every table in both copies, and auto's as a ratio to one hash
//    pass over the restored copy's tables in one session, measured on the same databases right after.
// 3. The action's peak memory (max RSS of the main step) during the checksum drill.
// 0. (first, instant) The polling cost of waiting on Heroku: the drill's own waitFor and poll policy
//    run on a fake clock over a 1-hour restore, counting the status requests it sends.
//
// 4. verify-budget on 2,000 tables (bench-budget.ts): verify time against the budget, rows per second
//    hashed, the coverage line, and the job summary's and the report's sizes.
//
// 5. "could we leave?" (bench-exit.ts): the same database drilled on the Heroku path and as an exit
//    drill (target-url, a second PostgreSQL server), phase by phase, and the ratio of the two.
//
// `npm run bench -- --polling` prints section 0 only; `-- --budget` sections 0 and 4; `-- --exit`
// sections 0 and 5 (BENCH_EXIT_ROWS rows, 1,000,000 by default).
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { DrillReport, PhaseRecord } from '../src/report/model.js'
import { checksumTable } from '../src/verify/checksum.js'
import { quoteIdent } from '../src/verify/sql.js'
import { stillWaiting, waitFor } from '../src/heroku/wait.js'
import { startPostgres, type PostgresServer } from '../sim/pg-server.js'
import { REPO_ROOT, reportOf, runAction } from './run-action.js'
import { startSimulator, type Simulator } from '../sim/server.js'
import { budgetAtScale } from './bench-budget.js'
import { exitAtScale } from './bench-exit.js'

const DELAYS = { provision: 8, capture: 8, restore: 4 }
const CRITICAL_PATH_SECONDS = Math.max(DELAYS.provision, DELAYS.capture) + DELAYS.restore
const SEQUENTIAL_SECONDS = DELAYS.provision + DELAYS.capture + DELAYS.restore
const TOTAL_ROWS = Number(process.env.BENCH_ROWS ?? 3_000_000)
const EXIT_ROWS = Number(process.env.BENCH_EXIT_ROWS ?? 1_000_000)

function say(line: string): void {
  process.stdout.write(line + '\n')
}

/** A production database of TOTAL_ROWS rows in four tables of different shapes. */
function scaleSql(total: number): string {
  const n = (share: number) => Math.round(total * share)
  return `
create table accounts (id bigint generated always as identity primary key, email text not null unique,
  plan text not null, created_at timestamptz not null);
insert into accounts (email, plan, created_at)
  select 'user' || g || '@example.com', (array['free','team','enterprise'])[1 + g % 3],
         timestamptz '2020-01-01' + g * interval '1 minute'
  from generate_series(1, ${n(0.1)}) g;
create table events (id bigint generated always as identity primary key, account_id bigint not null,
  kind text not null, payload jsonb, created_at timestamptz not null);
insert into events (account_id, kind, payload, created_at)
  select 1 + g % ${n(0.1)}, (array['view','click','buy'])[1 + g % 3],
         jsonb_build_object('n', g, 'tag', md5(g::text)), timestamptz '2024-01-01' + g * interval '1 second'
  from generate_series(1, ${n(0.55)}) g;
create table line_items (id serial primary key, order_ref uuid not null, sku text not null,
  quantity int not null, amount numeric(12,2) not null);
insert into line_items (order_ref, sku, quantity, amount)
  select md5((g / 3)::text)::uuid, 'SKU-' || (g % 9973), 1 + g % 7, (g % 100000) / 100.0
  from generate_series(1, ${n(0.3)}) g;
create table audit_log (at timestamptz not null, actor text, action text, detail bytea);
insert into audit_log
  select timestamptz '2025-01-01' + g * interval '1 second', 'actor' || (g % 50), 'update',
         decode(md5(g::text), 'hex')
  from generate_series(1, ${n(0.05)}) g;
analyze;
`
}

async function api<T>(sim: Simulator, method: string, path: string): Promise<T> {
  const res = await fetch(sim.apiUrl + path, {
    method,
    headers: {
      Authorization: `Bearer ${sim.token}`,
      Accept: 'application/vnd.heroku+json; version=3'
    }
  })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`)
  return (await res.json()) as T
}

function apiRequests(sim: Simulator, from: number): number {
  return sim
    .audit()
    .slice(from)
    .filter((e) => !e.path.startsWith('/__sim')).length
}

/** From the first of capture/provision starting to the restore ending. */
function waitingSeconds(timeline: PhaseRecord[]): number {
  const at = (p: string) => timeline.find((r) => r.phase === p)
  const starts = ['capture', 'provision'].map((p) => at(p)).filter((r): r is PhaseRecord => !!r)
  const restore = at('restore')
  if (starts.length === 0 || !restore) throw new Error('timeline lacks capture/provision/restore')
  const start = Math.min(...starts.map((r) => Date.parse(r.startedAt)))
  const end = Date.parse(restore.startedAt) + restore.seconds * 1000
  return (end - start) / 1000
}

/** A preload that writes the process's max RSS (kB) to a file on exit: the action's peak memory. */
function rssPreload(dir: string): { env: Record<string, string>; read: () => number } {
  const preload = join(dir, 'rss.cjs')
  const out = join(dir, 'rss.txt')
  writeFileSync(
    preload,
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)))\n`
  )
  return {
    env: { NODE_OPTIONS: `--require ${preload}` },
    read: () => (existsSync(out) ? Number(readFileSync(out, 'utf8')) : NaN)
  }
}

async function userTableParts(url: string): Promise<{ schema: string; name: string }[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const { rows } = await c.query<{ schema: string; name: string }>(
      `select schemaname as schema, relname as name from pg_stat_user_tables
       where schemaname not in ('restore_drill') order by 1, 2`
    )
    return rows
  } finally {
    await c.end()
  }
}

async function userTables(url: string): Promise<string[]> {
  return (await userTableParts(url)).map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`)
}

/** The naive check: one connection per copy, count(*) of every table, one after another. */
async function naiveCountSeconds(urls: string[]): Promise<number> {
  const start = performance.now()
  for (const url of urls) {
    const tables = await userTables(url)
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    for (const t of tables) await c.query(`select count(*) from ${t}`)
    await c.end()
  }
  return (performance.now() - start) / 1000
}

/**
 * One hash pass over every table of the copy at `url`, one table after another in one session:
 * the least any content comparison of that copy can cost (each table read once).
 */
async function hashPassSeconds(url: string): Promise<number> {
  const tables = await userTableParts(url)
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  const start = performance.now()
  for (const t of tables) await checksumTable(c, t.schema, t.name)
  const seconds = (performance.now() - start) / 1000
  await c.end()
  return seconds
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function ratioLine(label: string, value: number, goal: number, extra = ''): string {
  const verdict = value <= goal ? 'meets goal' : 'MISSES goal'
  return `${label}: ${value.toFixed(2)} (goal <= ${goal.toFixed(2)}, ${verdict})${extra}`
}

/** Status requests one waitFor sends (with the per-minute progress line on) for an operation of `seconds`. */
async function pollsFor(seconds: number): Promise<{ polls: number; lateSeconds: number }> {
  let nowMs = 0
  let polls = 0
  await waitFor(
    async () => {
      polls++
      return nowMs >= seconds * 1000 ? true : stillWaiting({ state: 'running' })
    },
    {
      what: 'a restore',
      deadline: new Date(seconds * 1000 + 3600_000),
      now: () => nowMs,
      sleep: async (ms) => {
        nowMs += ms
      },
      onProgress: () => undefined
    }
  )
  return { polls, lateSeconds: nowMs / 1000 - seconds }
}

async function pollingCost(): Promise<void> {
  say("\n0. polling cost of waiting on Heroku (the drill's waitFor on a fake clock)")
  const hour = await pollsFor(3600)
  say(
    `   requests per hour of waiting (one wait: a 1-hour restore): ${hour.polls} ` +
      `(goal <= 100, ${hour.polls <= 100 ? 'meets goal' : 'MISSES goal'})`
  )
  for (const seconds of [10, 70, 600, 4 * 3600]) {
    const r = await pollsFor(seconds)
    say(
      `   a ${seconds} s wait: ${r.polls} requests, the end noticed ${r.lateSeconds.toFixed(1)} s after it came`
    )
  }
  say(
    '   counted per wait: a drill waits on the capture and the provisioning at the same time (each at this\n' +
      '   rate, so up to twice it while both run), then on the restore alone; the provisioning is two waits\n' +
      '   one after the other (the add-on state, then the database itself)'
  )
}

/** 1. The critical path: a drill with slow simulated steps, its waiting part against the path. */
async function criticalPath(server: PostgresServer, sims: Simulator[]): Promise<void> {
  // 1. Critical path.
  const slow = await startSimulator({
    adminUrl: server.adminUrl,
    binDir: server.binDir,
    provisionDelaySeconds: DELAYS.provision,
    captureDelaySeconds: DELAYS.capture,
    restoreDelaySeconds: DELAYS.restore
  })
  sims.push(slow)
  await slow.createApp('bench-wait', {
    sqlFile: join(REPO_ROOT, '__tests__/fixtures/chinook/chinook.sql')
  })
  const before = slow.audit().length
  const waitRun = await runAction({
    inputs: { app: 'bench-wait', 'heroku-api-key': slow.token },
    env: { HEROKU_API_URL: slow.apiUrl, HEROKU_DATA_API_URL: slow.dataApiUrl }
  })
  const waitReport = reportOf(waitRun)
  if (waitReport.outcome !== 'passed') throw new Error(`critical-path drill: ${waitReport.verdict}`)
  const waiting = waitingSeconds(waitReport.timeline)
  say(
    `\n1. critical path (simulated delays: provision ${DELAYS.provision} s, capture ${DELAYS.capture} s, restore ${DELAYS.restore} s)`
  )
  say(
    `   waiting part of the drill: ${waiting.toFixed(2)} s for a ${CRITICAL_PATH_SECONDS} s critical path`
  )
  say(
    '   ' +
      ratioLine(
        'ratio',
        waiting / CRITICAL_PATH_SECONDS,
        1.1,
        `; one step after another would be ${(SEQUENTIAL_SECONDS / CRITICAL_PATH_SECONDS).toFixed(2)}`
      )
  )
  say(`   API requests for the whole drill (main + post step): ${apiRequests(slow, before)}`)
  say(`   whole drill: ${waitReport.timings.drillSeconds.toFixed(1)} s`)
}

/** 2 and 3. Verification at scale against a naive count and one hash pass, and peak memory. */
async function verificationAtScale(server: PostgresServer, sims: Simulator[]): Promise<void> {
  // 2 and 3. Verification at scale, and peak memory.
  const fast = await startSimulator({ adminUrl: server.adminUrl, binDir: server.binDir })
  sims.push(fast)
  const loadStart = performance.now()
  const app = await fast.createApp('bench-scale', { sql: scaleSql(TOTAL_ROWS) })
  say(
    `\n2. verification of ${TOTAL_ROWS.toLocaleString('en-US')} rows in 4 tables (loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s)`
  )
  const dir = mkdtempSync(join(tmpdir(), 'restore-drill-bench-'))
  const rss = rssPreload(dir)
  const env = { HEROKU_API_URL: fast.apiUrl, HEROKU_DATA_API_URL: fast.dataApiUrl }

  const fullRun = await runAction({
    inputs: {
      app: 'bench-scale',
      'heroku-api-key': fast.token,
      'checksum-tables': 'auto',
      'keep-database': 'true',
      // The kept copy is then attached to bench-scale, where its URL is read below.
      'drill-app': 'same'
    },
    env: { ...env, ...rss.env },
    timeoutMs: 30 * 60_000
  })
  const peakKb = rss.read()
  const full = reportOf(fullRun)
  if (full.outcome !== 'passed') throw new Error(`checksum drill: ${full.verdict}`)

  // The kept copy and the source, counted the naive way (three times, median).
  const vars = await api<Record<string, string>>(fast, 'GET', '/apps/bench-scale/config-vars')
  const restoredUrl = vars.RESTORE_DRILL_URL
  if (!restoredUrl) throw new Error('the kept add-on has no RESTORE_DRILL_URL')
  const naiveRuns: number[] = []
  for (let i = 0; i < 3; i++)
    naiveRuns.push(await naiveCountSeconds([app.databaseUrl, restoredUrl]))
  const naive = median(naiveRuns)
  const hashRuns: number[] = []
  for (let i = 0; i < 3; i++) hashRuns.push(await hashPassSeconds(restoredUrl))
  const hashPass = median(hashRuns)
  const kept = (
    await api<{ id: string; name: string }[]>(fast, 'GET', '/apps/bench-scale/addons')
  ).filter((a) => a.name.startsWith('restore-drill-'))
  for (const a of kept) await api(fast, 'DELETE', `/apps/bench-scale/addons/${a.id}`)

  const countsRun = await runAction({
    inputs: { app: 'bench-scale', 'heroku-api-key': fast.token, 'checksum-tables': 'none' },
    env,
    timeoutMs: 30 * 60_000
  })
  const counts = reportOf(countsRun)
  if (counts.outcome !== 'passed') throw new Error(`counts drill: ${counts.verdict}`)
  sayScale({ full, counts, naive, hashPass, peakKb })
}

/** The lines of parts 2 and 3. */
function sayScale(m: {
  full: DrillReport
  counts: DrillReport
  naive: number
  hashPass: number
  peakKb: number
}): void {
  const { full, counts, naive, hashPass, peakKb } = m
  const verifyFull = full.timings.verifySeconds ?? NaN
  const verifyCounts = counts.timings.verifySeconds ?? NaN
  say(
    `   naive sequential count(*) of every table in both copies: ${naive.toFixed(2)} s (median of 3)`
  )
  say(
    `   drill verify phase, counts only: ${verifyCounts.toFixed(2)} s (rows checked ${counts.verification?.rowsChecked.toLocaleString('en-US')})`
  )
  say('   ' + ratioLine('ratio, counts only', verifyCounts / naive, 1.0))
  say(
    `   one hash pass over every table of the restored copy, one session: ${hashPass.toFixed(2)} s (median of 3)`
  )
  say(`   drill verify phase, checksum-tables auto (the default): ${verifyFull.toFixed(2)} s`)
  say('   ' + ratioLine('ratio, auto to one hash pass', verifyFull / hashPass, 1.25))
  say('   ' + ratioLine('ratio, auto to naive counts', verifyFull / naive, 2.0))
  const byCheck = (r: DrillReport) =>
    (r.verification?.checks ?? [])
      .filter((c) => c.seconds !== undefined)
      .map((c) => `${c.id} ${c.seconds?.toFixed(2)}`)
      .join(', ')
  say(`   verify time by check, counts only: ${byCheck(counts)}`)
  say(`   verify time by check, with checksums: ${byCheck(full)}`)
  say(
    `   (source snapshots, outside the verify phase: ${(full.timings.snapshotSeconds ?? NaN).toFixed(2)} s; restore ${(full.timings.restoreSeconds ?? NaN).toFixed(1)} s)`
  )
  // The source is hashed while the restore runs (on Heroku, another server): not in the ratio.
  const checksumDetail = full.verification?.checks.find((c) => c.id === 'checksums')?.detail
  say(`   checksums: ${checksumDetail ?? 'no detail'}`)
  const peakMb = peakKb / 1024
  say(`\n3. peak memory of the action's main step during the checksum drill`)
  say(
    `   max RSS ${peakMb.toFixed(0)} MB (goal <= 150 MB, ${peakMb <= 150 ? 'meets goal' : 'MISSES goal'})`
  )
}

async function main(): Promise<void> {
  say(`machine: ${cpus().length} cores, Node ${process.version}`)
  await pollingCost()
  if (process.argv.includes('--polling')) return
  const server = await startPostgres()
  const sims: Simulator[] = []
  const only = (flag: string) => process.argv.includes(flag)
  try {
    if (!only('--budget') && !only('--exit')) {
      await criticalPath(server, sims)
      await verificationAtScale(server, sims)
    }
    if (!only('--exit')) await budgetAtScale(server, sims, say)
    if (!only('--budget'))
      await exitAtScale(server, sims, say, { sql: scaleSql(EXIT_ROWS), rows: EXIT_ROWS, rounds: 3 })
  } finally {
    for (const sim of sims.reverse()) await sim.close().catch(() => undefined)
    await server.stop()
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.message}\n`)
    process.exit(1)
  }
)
