// Database connections. The raw URL never reaches pg: its ssl* parameters would silently replace
// our TLS settings (pg lets sslmode in a connection string override the ssl option), and a URL
// must never end up in an error message.
import pg from 'pg'
import { parse } from 'pg-connection-string'

export type DatabaseRole = 'source' | 'restored'

export interface DatabaseOptions {
  role: DatabaseRole
  /** Pool size; the source is kept to a few connections so production is not loaded. */
  maxConnections: number
  /** Per-statement limit in milliseconds (0 = none). */
  statementTimeoutMs: number
}

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** Connection settings from a postgres:// URL: TLS for every host but loopback (the simulator). */
export function connectionConfig(url: string): pg.ClientConfig {
  const parsed = parse(url)
  const host = parsed.host ?? 'localhost'
  const isLoopback = LOOPBACK_HOSTS.has(host) || host.startsWith('127.') || host.startsWith('/')
  return {
    host,
    port: parsed.port ? Number(parsed.port) : 5432,
    user: parsed.user ?? undefined,
    password: parsed.password ?? undefined,
    database: parsed.database ?? undefined,
    // Heroku's certificates do not chain to a public CA, so they are verified only when the URL
    // asks (sslmode=verify-ca / verify-full). Channel binding (SCRAM-SHA-256-PLUS, used whenever the
    // server offers it) ties the password exchange to this TLS session: a man in the middle with
    // a certificate of its own fails the login instead of reading the database.
    ssl: isLoopback
      ? false
      : { rejectUnauthorized: verifiesCertificate(String(parsed.sslmode ?? '')) },
    enableChannelBinding: !isLoopback
  } as pg.ClientConfig
}

function verifiesCertificate(sslmode: string): boolean {
  return sslmode === 'verify-ca' || sslmode === 'verify-full'
}

/**
 * A pool for one database. Every connection on the source is read-only by default
 * (`default_transaction_read_only`), so no query of the action can write to production;
 * the only source writes (the opt-in canary) must say so explicitly with `SET TRANSACTION READ WRITE`.
 */
export function openDatabase(url: string, options: DatabaseOptions): pg.Pool {
  const settings: string[] = []
  if (options.statementTimeoutMs > 0)
    settings.push(`-c statement_timeout=${options.statementTimeoutMs}`)
  if (options.role === 'source') {
    settings.push('-c default_transaction_read_only=on')
    // No parallel workers on production: each connection is then one backend, so
    // verify-connections bounds the CPU the drill takes from it. The restored copy is ours: it
    // keeps the server's parallel query.
    settings.push('-c max_parallel_workers_per_gather=0')
  }
  settings.push('-c application_name=restore-drill')
  const pool = new pg.Pool({
    ...connectionConfig(url),
    max: options.maxConnections,
    options: settings.join(' '),
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 30_000
  })
  // An idle client's error (e.g. the server went away) must not crash the action.
  pool.on('error', () => {})
  return pool
}

/** Ends a pool, giving up after 5 s: a connection stuck in a long query must not hold the drill. */
export async function closePool(pool: pg.Pool): Promise<void> {
  await Promise.race([pool.end().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))])
}
