// Test helpers: throwaway databases on the test server, real pg_dump -Fc / pg_restore between them.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { openDatabase } from '../../../src/db.js'
import { quoteIdent } from '../../../src/verify/sql.js'
import type { TransferLogLine, VerifyOptions } from '../../../src/verify/types.js'

export const adminUrl = (): string => {
  const url = process.env.PG_TEST_URL
  if (!url) throw new Error('PG_TEST_URL is not set: run the tests through `npm test`')
  return url
}
const binDir = (): string => process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin'

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl())
  url.pathname = `/${name}`
  return url.toString()
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function createDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`))
  return name
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`))
}

export interface Role {
  name: string
  password: string
}

/** A login role with a random password (the test server checks passwords); dropped with dropRole. */
export async function createRole(prefix: string): Promise<Role> {
  const role = {
    name: `${prefix}_${randomBytes(4).toString('hex')}`,
    password: randomBytes(12).toString('hex')
  }
  // The password is hex: safe inside a literal.
  await admin((c) =>
    c.query(`CREATE ROLE ${quoteIdent(role.name)} LOGIN PASSWORD '${role.password}'`)
  )
  return role
}

export async function dropRole(role: Role): Promise<void> {
  await admin((c) => c.query(`DROP ROLE IF EXISTS ${quoteIdent(role.name)}`))
}

/** The URL of a database, as `role` when given (else as the admin). */
function urlAs(database: string, role?: Role): string {
  const url = new URL(databaseUrl(database))
  if (role) {
    url.username = role.name
    url.password = role.password
  }
  return url.toString()
}

export async function adminSql(text: string): Promise<void> {
  await admin((c) => c.query(text))
}

export function loadSqlFile(database: string, file: string): void {
  execFileSync(
    join(binDir(), 'psql'),
    ['-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl(database), '-f', file],
    {
      stdio: ['ignore', 'ignore', 'pipe']
    }
  )
}

/** pg_dump -Fc of a database into a temporary file; remove it with removeDump. */
export function dumpDatabase(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'verify-dump-')), 'backup.dump')
  execFileSync(join(binDir(), 'pg_dump'), ['-Fc', '-f', file, '-d', databaseUrl(source)], {
    stdio: 'pipe'
  })
  return file
}

export function removeDump(file: string): void {
  rmSync(dirname(file), { recursive: true, force: true })
}

/**
 * pg_restore --verbose of a dump into `target`; returns its log as transfer log lines. As superuser
 * with --no-owner --no-acl by default; `asRole` restores as that role, with owners and grants.
 */
export function restoreDump(file: string, target: string, asRole?: Role): TransferLogLine[] {
  const url = urlAs(target, asRole)
  const restore = spawnSync(
    join(binDir(), 'pg_restore'),
    ['--verbose', ...(asRole ? [] : ['--no-owner', '--no-acl']), '-d', url, file],
    { encoding: 'utf8' }
  )
  return restore.stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((message) => ({ level: 'info', message }))
}

export function dumpAndRestore(source: string, target: string): TransferLogLine[] {
  const file = dumpDatabase(source)
  try {
    return restoreDump(file, target)
  } finally {
    removeDump(file)
  }
}

export function sourcePool(database: string, maxConnections = 3, asRole?: Role): pg.Pool {
  return openDatabase(urlAs(database, asRole), {
    role: 'source',
    maxConnections,
    statementTimeoutMs: 60_000
  })
}

export function restoredPool(database: string, maxConnections = 3, asRole?: Role): pg.Pool {
  return openDatabase(urlAs(database, asRole), {
    role: 'restored',
    maxConnections,
    statementTimeoutMs: 60_000
  })
}

/** Runs SQL as superuser (or `asRole`) on a database (for damage and setup). */
export async function sql(database: string, text: string, asRole?: Role): Promise<void> {
  const client = new pg.Client({ connectionString: urlAs(database, asRole) })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

export function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    backupMode: 'capture',
    checksumTables: [],
    checks: [],
    restoreWarnings: 'triage',
    parallelism: 3,
    statsFlushWaitMs: 0,
    ...overrides
  }
}
