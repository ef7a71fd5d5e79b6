// Shared helpers of the simulator tests: a started simulator and a small JSON client for it.
import { join } from 'node:path'
import pg from 'pg'
import { REPO_ROOT } from '../../../scripts/run-action.js'
import { startSimulator, type Simulator } from '../../../sim/server.js'

export const CHINOOK = join(REPO_ROOT, '__tests__', 'fixtures', 'chinook', 'chinook.sql')

export function adminUrl(): string {
  const url = process.env.PG_TEST_URL
  if (!url) throw new Error('PG_TEST_URL is not set: run the tests through `npm test`')
  return url
}

export async function sim(
  opts: Partial<Parameters<typeof startSimulator>[0]> = {}
): Promise<Simulator> {
  return startSimulator({ adminUrl: adminUrl(), ...opts })
}

/** A unique app name per test (apps live in one simulator, databases in one shared server). */
export function appName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`
}

export interface Reply<T = any> {
  status: number
  body: T
  headers: Headers
}

export function client(s: Simulator, token = s.token) {
  async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ): Promise<Reply<T>> {
    const res = await fetch(s.apiUrl + path, {
      method,
      headers: {
        Accept: 'application/vnd.heroku+json; version=3',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    })
    const text = await res.text()
    let parsed: any = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers }
  }
  return {
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    patch: <T = any>(path: string, body?: unknown) => call<T>('PATCH', path, body),
    del: <T = any>(path: string, body?: unknown) => call<T>('DELETE', path, body)
  }
}

export type Client = ReturnType<typeof client>

/** Polls a transfer until it has finished; returns it with logs. */
export async function waitTransfer(
  c: Client,
  app: string,
  uuid: string,
  timeoutMs = 90_000
): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await c.get(`/client/v11/apps/${app}/transfers/${uuid}?verbose=true`)
    if (r.status !== 200) throw new Error(`transfer GET: ${r.status} ${JSON.stringify(r.body)}`)
    if (r.body.finished_at) return r.body
    if (Date.now() > deadline) throw new Error(`transfer ${uuid} did not finish`)
    await new Promise((res) => setTimeout(res, 100))
  }
}

/** Polls an add-on until it is no longer provisioning. */
export async function waitAddon(
  c: Client,
  app: string,
  addon: string,
  timeoutMs = 30_000
): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await c.get(`/apps/${app}/addons/${addon}`)
    if (r.status === 200 && r.body.state !== 'provisioning') return r.body
    if (Date.now() > deadline) throw new Error(`add-on ${addon} still provisioning`)
    await new Promise((res) => setTimeout(res, 100))
  }
}

/** Polls a destroyed add-on until it is gone (past `deprovisioning`); returns the final status. */
export async function waitAddonGone(
  c: Client,
  app: string,
  addon: string,
  timeoutMs = 30_000
): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await c.get(`/apps/${app}/addons/${addon}`)
    if (r.status !== 200 || r.body.state !== 'deprovisioning') return r.status
    if (Date.now() > deadline) throw new Error(`add-on ${addon} still deprovisioning`)
    await new Promise((res) => setTimeout(res, 100))
  }
}

/** Every user table with its rows, in a stable order, for comparing two databases. */
export async function dumpTables(url: string): Promise<Record<string, unknown[]>> {
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  try {
    const { rows } = await db.query<{ t: string }>(
      `select format('%I.%I', schemaname, tablename) as t from pg_tables
       where schemaname not in ('pg_catalog','information_schema') order by 1`
    )
    const out: Record<string, unknown[]> = {}
    for (const { t } of rows) {
      const r = await db.query(`select * from ${t} order by 1`)
      out[t] = r.rows.map((row) => JSON.stringify(row)).sort()
    }
    return out
  } finally {
    await db.end()
  }
}

export async function query<T extends pg.QueryResultRow = any>(
  url: string,
  sql: string,
  params: unknown[] = []
): Promise<T[]> {
  const db = new pg.Client({ connectionString: url })
  try {
    await db.connect()
    return (await db.query<T>(sql, params)).rows
  } finally {
    await db.end()
  }
}
