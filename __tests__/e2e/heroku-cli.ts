// The official Heroku CLI (npm `heroku`, used by __tests__/integration/sim/heroku-cli.test.ts too), installed on
// demand into node_modules/.cache/heroku-cli (or HEROKU_CLI_CACHE_DIR) and pointed at the simulator
// with HEROKU_HOST / HEROKU_DATA_HOST, for tests that run what the summary tells a user to run.
import { execFile } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Simulator } from '../../sim/server.js'

const run = promisify(execFile)
export const HEROKU_VERSION = '11.10.0'
const CACHE = resolve(process.env.HEROKU_CLI_CACHE_DIR ?? 'node_modules/.cache/heroku-cli')
export const BIN = join(CACHE, 'node_modules', '.bin', 'heroku')

/**
 * 'installed', or 'unreachable' when the npm registry cannot be reached (the caller skips, loudly).
 * Jest runs the integration and e2e suites that need the CLI at the same time: one installs (it
 * holds a lock directory) while the other waits for it, and the tree is staged in a directory of
 * its own and renamed into place, so no suite ever sees a half-installed one.
 */
export async function installHerokuCli(): Promise<'installed' | 'unreachable'> {
  mkdirSync(dirname(CACHE), { recursive: true })
  const lock = `${CACHE}.lock`
  for (;;) {
    if (installedVersion() === HEROKU_VERSION) return 'installed'
    if (takeLock(lock)) break
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
  try {
    if (installedVersion() === HEROKU_VERSION) return 'installed'
    try {
      await run('npm', ['view', `heroku@${HEROKU_VERSION}`, 'version'], { timeout: 30_000 })
    } catch {
      return 'unreachable'
    }
    await installStaged()
    return 'installed'
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** mkdir is atomic: whoever makes the directory installs. A lock older than the install's timeout was left by a killed run. */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock)
    return true
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > 320_000)
        rmSync(lock, { recursive: true, force: true })
    } catch {
      // gone in between: the next round takes it
    }
    return false
  }
}

async function installStaged(): Promise<void> {
  const staging = mkdtempSync(`${CACHE}.installing-`)
  try {
    const args = [
      'install',
      '--prefix',
      staging,
      `heroku@${HEROKU_VERSION}`,
      '--no-audit',
      '--no-fund'
    ]
    await run('npm', [...args, '--loglevel=error'], { timeout: 280_000 })
    rmSync(CACHE, { recursive: true, force: true }) // an older pin's tree, or a broken one
    renameSync(staging, CACHE)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

function installedVersion(): string | undefined {
  const pkg = join(CACHE, 'node_modules', 'heroku', 'package.json')
  if (!existsSync(BIN) || !existsSync(pkg)) return undefined
  return JSON.parse(readFileSync(pkg, 'utf8')).version
}

/**
 * Runs `heroku ARGS` against the simulator with a throwaway HOME outside any git repository.
 * Resolves with the output; rejects with the command and its output when it fails.
 */
export async function herokuCli(s: Simulator, home: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(BIN, args, {
      timeout: 240_000,
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        XDG_CACHE_HOME: join(home, '.cache'),
        XDG_CONFIG_HOME: join(home, '.config'),
        XDG_DATA_HOME: join(home, '.local'),
        HEROKU_API_KEY: s.token,
        HEROKU_HOST: s.apiUrl,
        HEROKU_DATA_HOST: new URL(s.dataApiUrl).hostname,
        HEROKU_SKIP_ANALYTICS: '1',
        HEROKU_DISABLE_AUTOUPDATE: '1',
        NO_COLOR: '1',
        CI: '1'
      }
    })
    return stdout + stderr
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string }
    throw new Error(
      `heroku ${args.join(' ')} failed (${String(e.code)}):\n${e.stdout ?? ''}${e.stderr ?? ''}`
    )
  }
}

/** A runbook line as the shell would split it (single quotes group; no other shell syntax is used). */
export function shellWords(line: string): string[] {
  const words: string[] = []
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2])
  return words
}
