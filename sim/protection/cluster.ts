// A PostgreSQL cluster of the simulator's own (initdb'd, started and stopped as the server's user):
// the Continuous-Protection cluster and each recovered copy are one.
import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../pg-server.js'
import { SimPostgres, quoteLiteral } from '../sim-pg.js'

export type ServerUser = { uid: number; gid: number } | undefined

/** Settings every cluster of this module gets: small, and quick rather than durable. */
export const SMALL_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  shared_buffers: '32MB',
  // Above the 120 connections a Standard role may open (sim-catalog.ts connectionLimit).
  max_connections: '130',
  fsync: 'off',
  synchronous_commit: 'off'
}

/** Runs a PostgreSQL server tool without blocking the event loop (as the server's user when root). */
export function runAs(command: string, args: string[], user: ServerUser): Promise<void> {
  const tool = command.split('/').pop()
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { ...(user ?? {}), timeout: 180_000, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) => {
        if (!err) return resolve()
        const detail = (stderr || stdout || err.message).trim().slice(-1500)
        reject(new Error(`${tool} failed: ${detail}`))
      }
    )
  })
}

/** A directory of its own for one cluster, owned by the server's user. */
export function clusterDir(prefix: string, user: ServerUser): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (user) chownSync(dir, user.uid, user.gid)
  return dir
}

/** `name = 'value'` lines for postgresql.auto.conf (later lines win over earlier ones). */
export function confLines(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${quoteLiteral(v)}\n`)
    .join('')
}

/** One running cluster: its directory, port and an admin SimPostgres on it. */
export class Cluster {
  constructor(
    readonly dir: string,
    readonly port: number,
    readonly server: SimPostgres,
    private readonly binDir: string,
    private readonly user: ServerUser
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data')
  }

  get logFile(): string {
    return join(this.dir, 'server.log')
  }

  static async start(
    binDir: string,
    user: ServerUser,
    dir: string,
    adminPassword: string
  ): Promise<Cluster> {
    const port = await freePort()
    const cluster = new Cluster(
      dir,
      port,
      new SimPostgres(`postgres://postgres:${adminPassword}@127.0.0.1:${port}/postgres`, binDir),
      binDir,
      user
    )
    const ctl = join(binDir, 'pg_ctl')
    const options = `-p ${port}`
    try {
      await runAs(
        ctl,
        ['-D', cluster.dataDir, '-l', cluster.logFile, '-o', options, '-w', '-t', '120', 'start'],
        user
      )
    } catch (err) {
      // A server that did not come up in time may still be running: stopped before giving up.
      await runAs(ctl, ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'], user).catch(
        () => {}
      )
      await cluster.server.end()
      throw err
    }
    return cluster
  }

  /** The last FATAL/PANIC line of the server's log (what made a recovery fail), without its prefix. */
  lastFatal(): string | undefined {
    return readFatal(this.logFile)
  }

  async stop(): Promise<void> {
    await this.server.end()
    await runAs(
      join(this.binDir, 'pg_ctl'),
      ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'],
      this.user
    ).catch(() => undefined)
    await rm(this.dir, { recursive: true, force: true })
  }
}

/**
 * The FATAL/PANIC line of a server's log that ended it (what made a recovery fail), without its
 * prefix. A client turned away while the server starts or recovers logs FATAL too: not the reason.
 */
export function readFatal(logFile: string): string | undefined {
  if (!existsSync(logFile)) return undefined
  const fatal = readFileSync(logFile, 'utf8')
    .split('\n')
    .reverse()
    .filter((l) => /\b(FATAL|PANIC):/.test(l))
    .find(
      (l) =>
        !/the database system is (starting up|in recovery mode|shutting down|not yet accepting connections)/.test(
          l
        )
    )
  return fatal?.replace(/^.*?\b(FATAL|PANIC):\s*/, '')
}
