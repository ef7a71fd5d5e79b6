// Shared by every e2e test: a simulated Heroku on the test PostgreSQL server, apps loaded with
// Chinook, and `drill()` which runs the bundled action like the runner and ALWAYS runs the leak
// scan (assertNoLeaks) on everything the run left behind.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { postgresForTests, type PostgresServer } from '../../sim/pg-server.js'
import {
  assertNoLeaks,
  REPO_ROOT,
  runAction,
  secretsOf,
  type ActionRun,
  type RunActionOptions
} from '../../scripts/run-action.js'
import {
  startSimulator,
  type AuditEntry,
  type SimApp,
  type Simulator,
  type SimOptions
} from '../../sim/server.js'

export const CHINOOK_SQL = join(REPO_ROOT, '__tests__', 'fixtures', 'chinook', 'chinook.sql')

export const CHINOOK_TABLES = 11
export const CHINOOK_ROWS = 15607

export interface E2E {
  pg: PostgresServer
  sim: Simulator
  close(): Promise<void>
}

export function requireDist(): void {
  if (
    !existsSync(join(REPO_ROOT, 'dist', 'index.js')) ||
    !existsSync(join(REPO_ROOT, 'dist', 'post', 'index.js'))
  ) {
    throw new Error('dist/ is missing: run npm run build before the e2e tests')
  }
}

export async function startE2E(options: Partial<SimOptions> = {}): Promise<E2E> {
  requireDist()
  const server = await postgresForTests()
  const sim = await startSimulator({
    adminUrl: server.adminUrl,
    binDir: process.env.PG_BIN_DIR || server.binDir,
    provisionDelaySeconds: 1,
    captureDelaySeconds: 0.5,
    restoreDelaySeconds: 0.5,
    ...options
  })
  return {
    pg: server,
    sim,
    close: async () => {
      await sim.close()
      await server.stop()
    }
  }
}

let appCounter = 0
/** A fresh app (unique name ≤ 30 chars) with a Chinook DATABASE, schedule and a001 unless told otherwise. */
export async function chinookApp(
  e2e: E2E,
  prefix: string,
  opts: { schedule?: boolean; initialBackup?: boolean; plan?: string } = {}
): Promise<SimApp> {
  appCounter++
  const name = `${prefix}-${process.pid % 1000}-${appCounter}`.toLowerCase().slice(0, 30)
  return e2e.sim.createApp(name, {
    sqlFile: CHINOOK_SQL,
    schedule: opts.schedule ?? true,
    initialBackup: opts.initialBackup ?? opts.schedule ?? true,
    ...(opts.plan ? { plan: opts.plan } : {})
  })
}

export type DrillRun = ActionRun & {
  /** Every request the simulator received during the run (main and post). */
  requests: AuditEntry[]
}

/** Runs the action for `app` and scans every text of the run for the token and database passwords. */
export async function drill(
  e2e: E2E,
  app: SimApp,
  inputs: Record<string, string> = {},
  extra: Omit<RunActionOptions, 'inputs'> = {}
): Promise<DrillRun> {
  const start = e2e.sim.audit().length
  const action = await runAction({
    inputs: { app: app.name, 'heroku-api-key': e2e.sim.token, ...inputs },
    ...extra,
    env: {
      HEROKU_API_URL: e2e.sim.apiUrl,
      HEROKU_DATA_API_URL: e2e.sim.dataApiUrl,
      ...(extra.env ?? {})
    },
    echo: extra.echo ?? process.env.E2E_ECHO === '1',
    // Killed before jest's own timeout, so a hang shows up as a failed run with its transcript.
    timeoutMs: extra.timeoutMs ?? 110_000
  })
  const run: DrillRun = { ...action, requests: e2e.sim.audit().slice(start) }
  // Every database URL the app holds now (a kept add-on's too) besides the source's; the values the
  // action masked itself (::add-mask::) are searched for by assertNoLeaks as well.
  const vars = await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`).catch(
    () => ({})
  )
  const urls = Object.values(vars as Record<string, string>).filter((v) => /^postgres/i.test(v))
  assertNoLeaks(run, secretsOf(e2e.sim.token, [app.databaseUrl, ...urls]))
  return run
}

/** Audit entries of requests that change something (not GETs, not the simulator's own /__sim). */
export function writesOf(audit: AuditEntry[], since = 0): AuditEntry[] {
  return audit
    .slice(since)
    .filter((e) => e.method !== 'GET' && e.method !== 'HEAD' && !e.path.startsWith('/__sim'))
}

/** "METHOD path-pattern" of each write, with ids normalised, for readable assertions. */
export function describeWrites(entries: AuditEntry[]): string[] {
  return entries.map((e) => `${e.method} ${e.path.split('?')[0]} ${e.status}`)
}

export async function api<T>(
  e2e: E2E,
  path: string,
  init: { method?: string; body?: unknown } = {}
): Promise<T> {
  const res = await fetch(`${e2e.sim.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${e2e.sim.token}`,
      Accept: 'application/vnd.heroku+json; version=3',
      'Content-Type': 'application/json'
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body)
  })
  const text = await res.text()
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 200)}`)
  return (text ? JSON.parse(text) : null) as T
}

/** Live add-ons of the app (deprovisioned ones are gone from the listing). */
export async function addonsOf(
  e2e: E2E,
  app: string
): Promise<{ id: string; name: string; state: string }[]> {
  const list = await api<{ id: string; name: string; state: string }[]>(e2e, `/apps/${app}/addons`)
  return list.filter((a) => a.state !== 'deprovisioned')
}

export async function attachmentsOf(
  e2e: E2E,
  app: string
): Promise<{ name: string; addon: { id: string; name: string } }[]> {
  return api(e2e, `/apps/${app}/addon-attachments`)
}

export async function armFault(e2e: E2E, fault: unknown): Promise<void> {
  await api(e2e, '/__sim/faults', { method: 'POST', body: fault })
}

export async function disarmFaults(e2e: E2E): Promise<void> {
  await api(e2e, '/__sim/faults', { method: 'DELETE' })
}

/** Per table: exact count and an order-independent content hash, read directly (not through the action). */
export async function fingerprint(databaseUrl: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
       where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog','information_schema')
       order by 1, 2`
    )
    const out: Record<string, string> = {}
    for (const t of tables.rows) {
      const q = `"${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`
      const r = await client.query<{ n: string; h: string | null }>(
        `select count(*)::text as n, md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as h from ${q} x`
      )
      out[`${t.schema}.${t.name}`] = `${r.rows[0].n}:${r.rows[0].h}`
    }
    return out
  } finally {
    await client.end()
  }
}

export function report(run: ActionRun): Record<string, any> {
  if (!run.reportJson)
    throw new Error(`no report written (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`)
  return JSON.parse(run.reportJson) as Record<string, any>
}

/** Main's output, for assertion messages. */
export function transcript(run: ActionRun): string {
  return `exit ${run.exitCode} signal ${run.exitSignal}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- post\n${run.postStdout}\n${run.postStderr}`
}
