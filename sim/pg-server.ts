// A throwaway PostgreSQL server for tests, the demo and the simulator: its own data directory,
// a free loopback port, password auth on TCP, stopped and removed by stop().
import { spawnSync, execFileSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PostgresServer {
  /** Admin connection URL (superuser, loopback, with its password). */
  adminUrl: string
  /** Directory holding postgres, pg_dump and pg_restore of the same version. */
  binDir: string
  stop(): Promise<void>
}

const INSTALL_HINT =
  'PostgreSQL server binaries (13 or newer) not found on PATH or under /usr/lib/postgresql/*/bin: ' +
  'install them with `sudo apt-get install -y postgresql` (Debian/Ubuntu), or set PG_TEST_URL to an admin connection URL.'

function majorVersion(binDir: string): number {
  const out = execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' })
  const match = /(\d+)(?:\.\d+)?/.exec(out)
  return match ? Number(match[1]) : 0
}

function hasServerTools(dir: string): boolean {
  return ['postgres', 'initdb', 'pg_ctl', 'pg_dump', 'pg_restore'].every((b) =>
    existsSync(join(dir, b))
  )
}

/** Finds a directory with postgres, initdb, pg_dump and pg_restore (13+), newest first. */
export function findPgBinDir(): string {
  const candidates: string[] = []
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => join(root, v, 'bin')))
  }
  candidates.push(...(process.env.PATH ?? '').split(':').filter(Boolean))
  for (const dir of candidates) {
    if (hasServerTools(dir) && majorVersion(dir) >= 13) return dir
  }
  throw new Error(INSTALL_HINT)
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** PostgreSQL refuses to run as root, so as root the server runs as the `postgres` (or `nobody`) user. */
export function serverUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  for (const name of ['postgres', 'nobody']) {
    const res = spawnSync('id', ['-u', name], { encoding: 'utf8' })
    if (res.status === 0) {
      const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' })
      return { uid: Number(res.stdout.trim()), gid: Number(gid.stdout.trim()) }
    }
  }
  throw new Error(
    'running as root, but no unprivileged user (postgres or nobody) exists to run PostgreSQL'
  )
}

function run(
  binDir: string,
  tool: string,
  args: string[],
  user?: { uid: number; gid: number }
): void {
  const res = spawnSync(join(binDir, tool), args, { encoding: 'utf8', ...(user ?? {}) })
  if (res.status !== 0) {
    throw new Error(
      `${tool} failed (exit ${res.status}): ${(res.stderr || res.stdout).trim().slice(0, 2000)}`
    )
  }
}

/**
 * Starts a throwaway server. `serverBinDir` picks the server binaries (postgres, initdb, pg_ctl) of
 * another major; default: the newest found on this machine, with its client tools.
 */
export async function startPostgres(opts: { serverBinDir?: string } = {}): Promise<PostgresServer> {
  const binDir = opts.serverBinDir ?? findPgBinDir()
  const user = serverUser()
  const baseDir = mkdtempSync(join(tmpdir(), 'restore-drill-pg-'))
  const dataDir = join(baseDir, 'data')
  if (user) {
    chownSync(baseDir, user.uid, user.gid)
    chmodSync(baseDir, 0o700)
  }
  // Passwords are checked on TCP (as on Heroku), so a role's URL only works with its own password.
  const adminPassword = randomBytes(18).toString('base64url')
  const pwFile = join(baseDir, 'pwfile')
  writeFileSync(pwFile, adminPassword + '\n', { mode: 0o600 })
  if (user) chownSync(pwFile, user.uid, user.gid)
  run(
    binDir,
    'initdb',
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${pwFile}`
    ].concat(['-E', 'UTF8', '--no-sync', '--locale=C']),
    user
  )
  rmSync(pwFile)
  const port = await freePort()
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${baseDir}'`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
    '-c shared_buffers=256MB'
  ].join(' ')
  const logFile = join(baseDir, 'server.log')
  run(
    binDir,
    'pg_ctl',
    ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start'],
    user
  )
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    spawnSync(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], {
      ...(user ?? {})
    })
    rmSync(baseDir, { recursive: true, force: true })
  }
  return {
    adminUrl: `postgres://postgres:${adminPassword}@127.0.0.1:${port}/postgres`,
    binDir,
    stop
  }
}

/** Uses PG_TEST_URL when set (its owner keeps it running), otherwise a throwaway server. */
export async function postgresForTests(): Promise<PostgresServer> {
  const given = process.env.PG_TEST_URL
  if (given) return { adminUrl: given, binDir: findPgBinDir(), stop: async () => {} }
  return startPostgres()
}
