// The simulator's real PostgreSQL work: one database and login role per add-on, loading SQL with psql,
// pg_dump/pg_restore as child processes (never blocking the event loop), and the damage faults.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
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

const quoteIdent = (name: string): string => '"' + name.replace(/"/g, '""') + '"'
const quoteLiteral = (value: string): string => "'" + value.replace(/'/g, "''") + "'"

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
    const suffix = randomBytes(7).toString('hex')
    const user = `u${suffix}`
    const database = `d${suffix}`
    const password = randomBytes(24).toString('base64url')
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
    const args = ['-v', 'ON_ERROR_STOP=1', '-q', '-X']
    if (source.file) args.push('-f', source.file)
    else args.push('-c', source.sql ?? '')
    const { done } = this.runTool('psql', args, c)
    const result = await done
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
      for (const entry of extensions) {
        const dot = entry.indexOf('.')
        const name = dot < 0 ? entry : entry.slice(dot + 1)
        const schema = dot < 0 ? '' : entry.slice(0, dot)
        if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
        await client.query(
          `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)}${schema ? ` SCHEMA ${quoteIdent(schema)}` : ''}`
        )
      }
    })
  }

  async end(): Promise<void> {
    await this.admin.end().catch(() => {})
  }
}

export type DamageFault =
  | { kind: 'restore-drop-table'; table: string }
  | { kind: 'restore-delete-rows'; table: string; count?: number }
  | { kind: 'restore-alter-row'; table: string }
  | { kind: 'restore-reset-sequence'; sequence: string }
  | { kind: 'restore-drop-index'; index: string }

/** Damage done to a restored database right after the restore succeeded; returns what was done. */
export async function applyDamage(client: pg.Client, fault: DamageFault): Promise<string> {
  switch (fault.kind) {
    case 'restore-drop-table':
      await client.query(`DROP TABLE ${qualifiedName(fault.table)} CASCADE`)
      return `dropped table ${fault.table}`
    case 'restore-delete-rows': {
      const t = qualifiedName(fault.table)
      const n = Math.max(1, fault.count ?? 1)
      // Triggers (foreign keys) off for this session only, so the rows really go.
      await client.query(`SET session_replication_role = replica`)
      const r = await client.query(
        `DELETE FROM ${t} WHERE ctid IN (SELECT ctid FROM ${t} LIMIT ${n})`
      )
      await client.query(`SET session_replication_role = origin`)
      return `deleted ${r.rowCount} rows from ${fault.table}`
    }
    case 'restore-alter-row':
      return alterOneRow(client, fault.table)
    case 'restore-reset-sequence': {
      const { rows } = await client.query<{ min: string }>(
        `select seqmin::text as min from pg_sequence where seqrelid = $1::regclass`,
        [qualifiedName(fault.sequence)]
      )
      if (rows.length === 0) throw new Error(`sequence ${fault.sequence} not found`)
      await client.query(`select setval($1::regclass, $2::bigint, false)`, [
        qualifiedName(fault.sequence),
        rows[0].min
      ])
      return `reset sequence ${fault.sequence} to ${rows[0].min}`
    }
    case 'restore-drop-index': {
      const idx = qualifiedName(fault.index)
      const { rows } = await client.query<{ conname: string; tbl: string }>(
        `select quote_ident(c.conname) as conname, c.conrelid::regclass::text as tbl
         from pg_constraint c where c.conindid = $1::regclass and c.contype in ('p','u','x')`,
        [idx]
      )
      if (rows.length > 0) {
        await client.query(`ALTER TABLE ${rows[0].tbl} DROP CONSTRAINT ${rows[0].conname} CASCADE`)
        return `dropped constraint ${rows[0].conname} and its index ${fault.index}`
      }
      await client.query(`DROP INDEX ${idx}`)
      return `dropped index ${fault.index}`
    }
  }
}

/** Changes one value in one row (row count unchanged), in a column no key or constraint uses. */
async function alterOneRow(client: pg.Client, table: string): Promise<string> {
  const t = qualifiedName(table)
  // Columns no key, constraint or index uses first; then any column outside unique keys.
  const { rows } = await client.query<{ attname: string; typ: string; free: boolean }>(
    `select a.attname, format_type(a.atttypid, a.atttypmod) as typ,
            not exists (select 1 from pg_constraint c where c.conrelid = a.attrelid
                        and a.attnum = any(c.conkey))
            and not exists (select 1 from pg_index i where i.indrelid = a.attrelid
                            and a.attnum = any(i.indkey::int2[])) as free
     from pg_attribute a
     where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
       and not exists (select 1 from pg_constraint c where c.conrelid = a.attrelid
                       and a.attnum = any(c.conkey) and c.contype in ('p','u','x'))
       and not exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indisunique
                       and a.attnum = any(i.indkey::int2[]))
     order by 3 desc, a.attnum`,
    [t]
  )
  const expressionFor = (typ: string, col: string): string | undefined => {
    if (/^(character varying|character|text|varchar)/.test(typ))
      return `CASE WHEN length(${col}) > 0 THEN left(${col}, length(${col}) - 1) || CASE WHEN right(${col}, 1) = 'x' THEN 'y' ELSE 'x' END ELSE 'x' END`
    if (/^(integer|bigint|smallint|numeric|real|double precision)/.test(typ)) return `${col} + 1`
    if (/^boolean/.test(typ)) return `NOT ${col}`
    if (/^(date|timestamp)/.test(typ)) return `${col} + interval '1 day'`
    return undefined
  }
  for (const { attname, typ } of rows) {
    const col = quoteIdent(attname)
    const expr = expressionFor(typ, col)
    if (!expr) continue
    await client.query(`SET session_replication_role = replica`)
    const r = await client.query(
      `UPDATE ${t} SET ${col} = ${expr} WHERE ctid = (SELECT ctid FROM ${t} WHERE ${col} IS NOT NULL LIMIT 1)`
    )
    await client.query(`SET session_replication_role = origin`)
    if ((r.rowCount ?? 0) > 0) return `changed column ${attname} in one row of ${table}`
  }
  throw new Error(`no row of ${table} has a changeable value`)
}
