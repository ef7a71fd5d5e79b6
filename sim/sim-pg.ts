// The simulator's real PostgreSQL work: one database and login role per add-on, loading SQL with psql,
// pg_dump/pg_restore as child processes (never blocking the event loop), and the damage faults.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import pg from 'pg'

export interface DatabaseCredentials {
  host: string
  port: number
  user: string
  password: string
  database: string
}

export function databaseUrl(c: DatabaseCredentials): string {
  return `postgres://${c.user}:${c.password}@${c.host}:${c.port}/${c.database}`
}

export const quoteIdent = (name: string): string => '"' + name.replace(/"/g, '""') + '"'
export const quoteLiteral = (value: string): string => "'" + value.replace(/'/g, "''") + "'"

/** `schema.name` or `name` (public) as a quoted SQL identifier. */
export function qualifiedName(name: string): string {
  const dot = name.indexOf('.')
  return dot < 0
    ? `public.${quoteIdent(name)}`
    : `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`
}

export interface ProcessResult {
  code: number | null
  signal: NodeJS.Signals | null
  stderrLines: string[]
}

export interface RunningProcess {
  child: ChildProcess
  done: Promise<ProcessResult>
}

/** A fresh role name, database name and password, formed like Heroku's (u…, d…). */
export function newDatabaseNames(): { user: string; database: string; password: string } {
  const suffix = randomBytes(7).toString('hex')
  return {
    user: `u${suffix}`,
    database: `d${suffix}`,
    password: randomBytes(24).toString('base64url')
  }
}

export class SimPostgres {
  readonly host: string
  readonly port: number
  private readonly admin: pg.Pool
  private readonly adminCreds: DatabaseCredentials

  constructor(
    readonly adminUrl: string,
    readonly binDir: string
  ) {
    const u = new URL(adminUrl)
    this.host = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname
    this.port = Number(u.port || 5432)
    this.adminCreds = {
      host: this.host,
      port: this.port,
      user: decodeURIComponent(u.username || 'postgres'),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.slice(1) || 'postgres')
    }
    this.admin = new pg.Pool({ connectionString: adminUrl, max: 4 })
    // An idle client's error (e.g. the server stopped) must not crash the simulator.
    this.admin.on('error', () => {})
  }

  adminCredentials(): DatabaseCredentials {
    return { ...this.adminCreds }
  }

  /** A fresh login role owning a fresh database (names like Heroku's: u…, d…). */
  async createDatabase(opts: { connectionLimit?: number } = {}): Promise<DatabaseCredentials> {
    const { user, database, password } = newDatabaseNames()
    const limit = opts.connectionLimit
      ? ` CONNECTION LIMIT ${Math.floor(opts.connectionLimit)}`
      : ''
    await this.admin.query(
      `CREATE ROLE ${quoteIdent(user)} LOGIN PASSWORD ${quoteLiteral(password)}${limit}`
    )
    await this.admin.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(user)}`)
    // As on Heroku, other roles cannot connect to this database.
    await this.admin.query(`REVOKE ALL ON DATABASE ${quoteIdent(database)} FROM PUBLIC`)
    return { host: this.host, port: this.port, user, password, database }
  }

  async dropDatabase(c: DatabaseCredentials): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(c.database)} WITH (FORCE)`)
    await this.admin.query(`DROP ROLE IF EXISTS ${quoteIdent(c.user)}`)
  }

  /** Runs a query as the superuser inside database `database`. */
  async withAdminClient<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ ...this.adminCreds, database })
    client.on('error', () => {})
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end().catch(() => {})
    }
  }

  async databaseStats(
    database: string
  ): Promise<{ bytes: number; tables: number; connections: number; version: string }> {
    const { rows } = await this.admin.query<{
      bytes: string
      connections: string
      version: string
    }>(
      `select pg_database_size($1) as bytes,
              (select count(*) from pg_stat_activity where datname = $1) as connections,
              current_setting('server_version') as version`,
      [database]
    )
    const tables = await this.withAdminClient(database, async (c) => {
      const r = await c.query<{ n: string }>(
        `select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relkind in ('r','p') and n.nspname not in ('pg_catalog','information_schema')
           and n.nspname not like 'pg_toast%'`
      )
      return Number(r.rows[0].n)
    })
    return {
      bytes: Number(rows[0].bytes),
      tables,
      connections: Number(rows[0].connections),
      version: rows[0].version
    }
  }

  /** Runs a PostgreSQL client tool asynchronously; the password goes through the environment. */
  runTool(
    tool: 'psql' | 'pg_dump' | 'pg_restore',
    args: string[],
    c: DatabaseCredentials,
    onLine?: (line: string) => void
  ): RunningProcess {
    const child = spawn(
      join(this.binDir, tool),
      ['-h', c.host, '-p', String(c.port), '-U', c.user, '-d', c.database, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          PGPASSWORD: c.password,
          PGCONNECT_TIMEOUT: '10',
          PGAPPNAME: `heroku-sim-${tool}`
        },
        stdio: ['ignore', 'ignore', 'pipe']
      }
    )
    const stderrLines: string[] = []
    let partial = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) {
        stderrLines.push(line)
        onLine?.(line)
      }
    })
    const done = new Promise<ProcessResult>((resolve) => {
      child.on('error', (err) => {
        stderrLines.push(`${tool}: error: ${err.message}`)
        resolve({ code: -1, signal: null, stderrLines })
      })
      child.on('close', (code, signal) => {
        if (partial) {
          stderrLines.push(partial)
          onLine?.(partial)
        }
        resolve({ code, signal, stderrLines })
      })
    })
    return { child, done }
  }

  /** Loads SQL into a database as its own role, so the role owns what it creates (as on Heroku). */
  async loadSql(c: DatabaseCredentials, source: { file?: string; sql?: string }): Promise<void> {
    // Inline SQL goes through a file too: one argument over 128 KiB fails the spawn (E2BIG).
    const dir = source.file ? null : mkdtempSync(join(tmpdir(), 'sim-sql-'))
    const file = source.file ?? join(dir!, 'load.sql')
    if (dir) writeFileSync(file, source.sql ?? '')
    const args = ['-v', 'ON_ERROR_STOP=1', '-q', '-X', '-f', file]
    const { done } = this.runTool('psql', args, c)
    const result = await done.finally(() => {
      if (dir) rmSync(dir, { recursive: true, force: true })
    })
    if (result.code !== 0) {
      const detail = result.stderrLines
        .filter((l) => l.trim() !== '')
        .slice(-5)
        .join(' | ')
      throw new Error(`loading SQL into ${c.database} failed (psql exit ${result.code}): ${detail}`)
    }
  }

  /** Empties a database before a restore (as Heroku does) and creates the requested extensions. */
  async prepareRestoreTarget(c: DatabaseCredentials, extensions: string[]): Promise<void> {
    await this.withAdminClient(c.database, async (client) => {
      const { rows } = await client.query<{ nspname: string }>(
        `select nspname from pg_namespace
         where nspname not in ('pg_catalog','information_schema','public')
           and nspname not like 'pg_toast%' and nspname not like 'pg_temp%'`
      )
      for (const { nspname } of rows)
        await client.query(`DROP SCHEMA ${quoteIdent(nspname)} CASCADE`)
      const ext = await client.query<{ extname: string }>(
        `select extname from pg_extension where extname <> 'plpgsql'`
      )
      for (const { extname } of ext.rows)
        await client.query(`DROP EXTENSION IF EXISTS ${quoteIdent(extname)} CASCADE`)
      await client.query('DROP SCHEMA IF EXISTS public CASCADE')
      await client.query('CREATE SCHEMA public AUTHORIZATION pg_database_owner')
      await client.query('GRANT USAGE ON SCHEMA public TO PUBLIC')
      // Bare names go into `public`, `schema.ext` into that schema (heroku-api.md §19.2).
      for (const entry of extensions) {
        const dot = entry.indexOf('.')
        const name = dot < 0 ? entry : entry.slice(dot + 1)
        const schema = dot < 0 ? 'public' : entry.slice(0, dot)
        // A schema made for the extension belongs to the database's role, so the dump's objects in it restore.
        await client.query(
          `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)} AUTHORIZATION ${quoteIdent(c.user)}`
        )
        await client.query(
          `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)} SCHEMA ${quoteIdent(schema)}`
        )
      }
    })
  }

  async end(): Promise<void> {
    await this.admin.end().catch(() => {})
  }
}
