// pg_restore on the runner, for an exit drill: its version, the dump's listing (which pg_dump made
// it), and the restore itself into the drill's database on the target. The connection is handed
// to pg_restore in its environment (PGPASSWORD), never on its command line, where any process on
// the runner could read it.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { TransferLogLine } from '../verify/types.js'

const POSTGRES_LIB = '/usr/lib/postgresql'

/** The newest pg_restore installed side by side (Debian/Ubuntu), else the one on PATH. */
export function findPgRestore(root = POSTGRES_LIB): string {
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    for (const major of majors) {
      const bin = join(root, major, 'bin', 'pg_restore')
      if (existsSync(bin)) return bin
    }
  }
  return 'pg_restore'
}

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

function run(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  signal?: AbortSignal
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {})
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', (err) =>
      reject(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(
              `${bin} not found: install the PostgreSQL client on the runner, e.g. sudo apt-get install -y postgresql-client`
            )
          : err
      )
    )
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export async function pgRestoreVersion(bin: string): Promise<string> {
  const ran = await run(bin, ['--version'])
  return ran.stdout.trim()
}

/** `pg_restore -l`: the archive's header and table of contents; null when this client cannot read it. */
export async function listDump(bin: string, file: string): Promise<string | null> {
  const ran = await run(bin, ['-l', file])
  return ran.code === 0 ? ran.stdout : null
}

/** libpq's environment for `url`: the password never on a command line. */
export function libpqEnv(url: string, clientMajor: number): NodeJS.ProcessEnv {
  const parsed = new URL(url)
  const sslmode = parsed.searchParams.get('sslmode')
  const env: NodeJS.ProcessEnv = {
    PGHOST: parsed.hostname.replace(/^\[|\]$/g, ''),
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
    PGAPPNAME: 'restore-drill',
    PGCONNECT_TIMEOUT: '30'
  }
  if (sslmode) env.PGSSLMODE = sslmode
  const rootCert = parsed.searchParams.get('sslrootcert')
  if (rootCert) env.PGSSLROOTCERT = rootCert
  // libpq 16+ can verify against the system's CAs; older clients read ~/.postgresql/root.crt.
  else if (sslmode?.startsWith('verify') && clientMajor >= 16) env.PGSSLROOTCERT = 'system'
  return env
}

export interface PgRestoreRun {
  seconds: number
  /** pg_restore's messages (errors and warnings), for the restore-warnings triage. */
  logs: TransferLogLine[]
  /** pg_restore stopped on its own error (not errors it ignored and counted). */
  failed: boolean
}

export async function restoreDump(
  bin: string,
  file: string,
  into: { url: string; clientMajor: number; jobs: number },
  signal: AbortSignal
): Promise<PgRestoreRun> {
  const startMs = Date.now()
  const env = libpqEnv(into.url, into.clientMajor)
  // The database's name only (not secret); host, user and password come from the environment.
  const args = [
    '--no-owner',
    '--no-acl',
    '-j',
    String(into.jobs),
    `--dbname=${env.PGDATABASE}`,
    file
  ]
  const ran = await run(bin, args, env, signal)
  const seconds = (Date.now() - startMs) / 1000
  const logs = ran.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((message) => ({ level: /\berror\b/i.test(message) ? 'error' : 'warning', message }))
  // Exit 1 with "errors ignored on restore: N" is a finished restore with counted errors (triaged
  // like Heroku's); any other failure stopped it.
  const counted = logs.some((l) => /errors ignored on restore/i.test(l.message))
  return { seconds, logs, failed: ran.code !== 0 && !counted }
}
