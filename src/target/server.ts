// The target server of an exit drill (target-url): a PostgreSQL outside Heroku. The drill reads
// its version, creates one database of its own there and drops only that one; nothing else on the
// server is read or written. Connections take TLS as the URL says (db.ts), and a URL without
// sslmode to a non-loopback host verifies the server's certificate.
import pg from 'pg'
import { connectionConfig, LOOPBACK_HOSTS } from '../db.js'
import { DrillError } from '../errors.js'
import { EXIT_DATABASE_PATTERN } from '../safety.js'
import { nameParts, qualifiedName } from '../verify/sql.js'

export interface TargetInfo {
  /** The server's host as the URL names it (never the URL, user or password). */
  host: string
  /** `server_version` as the server reports it, e.g. 17.4. */
  serverVersion: string
  serverVersionNum: number
  /** Whether target-url's user may CREATE DATABASE (CREATEDB or superuser). */
  canCreateDatabases: boolean
}

export interface TargetServer {
  probe(): Promise<TargetInfo>
  /** CREATE DATABASE; a name that already exists is an error (never reused). */
  createDatabase(name: string): Promise<void>
  /** DROP DATABASE of a name of ours only (EXIT_DATABASE_PATTERN); its sessions are ended first. */
  dropDatabase(name: string): Promise<'dropped' | 'already-gone'>
  /** The URL of database `name` on this server (a secret, like the target's). */
  urlOf(name: string): string
  /** Test only (a simulator switch): one row of `table` deleted in the drill's copy `name`. */
  damageForTest(name: string, table: string): Promise<void>
}

/** The target URL with verified TLS unless it says otherwise (sslmode) or the host is loopback. */
export function targetUrlWithTls(targetUrl: string): string {
  const url = new URL(targetUrl)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const loopback = LOOPBACK_HOSTS.has(host) || host.startsWith('127.')
  if (!loopback && !url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'verify-full')
  return url.toString()
}

export function connectTarget(targetUrl: string, timeoutMs = 30_000): TargetServer {
  const adminUrl = targetUrlWithTls(targetUrl)
  const urlOf = (name: string): string => {
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return url.toString()
  }
  const withClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({
      ...connectionConfig(adminUrl),
      connectionTimeoutMillis: timeoutMs,
      application_name: 'restore-drill'
    })
    client.on('error', () => {})
    await client.connect()
    try {
      return await work(client)
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return {
    probe: () =>
      withClient(async (client) => {
        const res = await client.query<{ version: string; num: string; createdb: boolean }>(
          `SELECT current_setting('server_version') AS version,
                  current_setting('server_version_num') AS num,
                  (SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user) AS createdb`
        )
        return {
          host: new URL(adminUrl).hostname,
          serverVersion: res.rows[0].version,
          serverVersionNum: Number(res.rows[0].num),
          canCreateDatabases: res.rows[0].createdb === true
        }
      }),
    createDatabase: (name) => withClient((client) => createDatabase(client, name)),
    dropDatabase: (name) => withClient((client) => dropDatabase(client, name)),
    urlOf,
    damageForTest: (name, table) => damageCopy(urlOf(name), name, table)
  }
}

function assertOurs(name: string): void {
  if (!EXIT_DATABASE_PATTERN.test(name))
    throw new DrillError(
      `database ${JSON.stringify(name)} on the target is not one of the drill's: not touching it`
    )
}

async function createDatabase(client: pg.Client, name: string): Promise<void> {
  assertOurs(name)
  try {
    // The name matches the pattern (lowercase letters, digits, underscores): safe unquoted.
    await client.query(`CREATE DATABASE ${name}`)
  } catch (err) {
    if ((err as { code?: string }).code === '42P04')
      throw new DrillError(
        `database ${name} already exists on the target server: the drill never reuses or drops a database it did not create; remove it yourself or run the drill again`
      )
    throw new DrillError(
      `creating database ${name} on the target server failed: ${(err as Error).message} (target-url must be a user that can CREATE DATABASE)`
    )
  }
}

async function dropDatabase(client: pg.Client, name: string): Promise<'dropped' | 'already-gone'> {
  assertOurs(name)
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
  if (exists.rowCount === 0) return 'already-gone'
  const num = Number(
    (await client.query<{ n: string }>("SELECT current_setting('server_version_num') AS n")).rows[0]
      .n
  )
  if (num >= 130000) {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  } else {
    // Before 13 there is no FORCE: end the sessions on that one database, then drop it.
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name]
    )
    await client.query(`DROP DATABASE IF EXISTS ${name}`)
  }
  return 'dropped'
}

/** A damaged restore, made on purpose in the drill's own copy only: verification must catch it. */
async function damageCopy(url: string, name: string, table: string): Promise<void> {
  assertOurs(name)
  const parts = nameParts(table)
  if (!parts || parts.length !== 2)
    throw new DrillError(`test-only damage: ${table} is not schema.table`)
  const client = new pg.Client(connectionConfig(url))
  await client.connect()
  try {
    const target = qualifiedName(parts[0], parts[1])
    await client.query(`DELETE FROM ${target} WHERE ctid = (SELECT ctid FROM ${target} LIMIT 1)`)
  } finally {
    await client.end().catch(() => undefined)
  }
}
