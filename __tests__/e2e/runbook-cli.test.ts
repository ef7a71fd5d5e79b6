// What the engineer on call runs at 3 am: every Heroku command of the report's runbook, in order,
// run with the official Heroku CLI against the simulator after the drill ended, must work; after
// each promote, production's DATABASE_URL must serve the verified copy's data. Four drills: a
// passing capture (its capture deleted: the runbook names the newest backup still listed), a
// failing one (its capture kept to look at), a copy kept on the drill app from backup: latest (the
// incident example's inputs), and a kept rollback. The summary puts what to do before the details.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { SimApp } from '../../sim/server.js'
import { herokuCli, installHerokuCli, shellWords, HEROKU_VERSION } from './heroku-cli.js'
import {
  api,
  armFault,
  chinookApp,
  drill,
  fingerprint,
  report,
  startE2E,
  transcript,
  type DrillRun,
  type E2E
} from './helpers.js'

const cliStatus = await installHerokuCli()
if (cliStatus !== 'installed') {
  console.warn(
    `\n\n*** SKIPPED: the npm registry is unreachable, so the official Heroku CLI ${HEROKU_VERSION} could not be installed.\n` +
      '*** The runbook commands were NOT run in this run.\n\n'
  )
}
const itWithCli = cliStatus === 'installed' ? it : it.skip

let e2e: E2E
let home: string
beforeAll(async () => {
  e2e = await startE2E({ provisionDelaySeconds: 1 })
  home = mkdtempSync(join(tmpdir(), 'runbook-cli-home-'))
}, 120_000)
afterAll(async () => {
  await e2e?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

function expectOutcome(run: DrillRun, outcome: string): void {
  if (run.outputs.outcome !== outcome)
    throw new Error(`outcome ${run.outputs.outcome}, wanted ${outcome}\n${transcript(run)}`)
}

/** The commands of the report's runbook, without its comment lines. */
function runbookOf(run: DrillRun): string[] {
  return (report(run).runbook.commands as string[]).filter((line) => !line.startsWith('#'))
}

/**
 * Runs every command in order with the CLI; after each promote, the app's DATABASE_URL must hold
 * `expected` (table by table: exact count and content hash). Returns how many promotes ran.
 */
async function runRunbook(app: string, commands: string[], expected: Record<string, string>) {
  let promotes = 0
  for (const line of commands) {
    const [heroku, ...args] = shellWords(line)
    expect(heroku).toBe('heroku')
    await herokuCli(e2e.sim, home, args)
    if (args[0] !== 'pg:promote') continue
    promotes++
    const vars = await api<Record<string, string>>(e2e, `/apps/${app}/config-vars`)
    expect(await fingerprint(vars.DATABASE_URL)).toEqual(expected)
  }
  return promotes
}

/** Where a line containing `text` starts in the Markdown; -1 when absent. */
const at = (md: string, text: string) => md.indexOf(text)

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

describe(`the runbook, run with the official Heroku CLI ${HEROKU_VERSION}`, () => {
  itWithCli(
    'a passing capture drill: the capture is deleted, so the runbook restores the newest backup still listed',
    async () => {
      const app = await chinookApp(e2e, 'rb-pass')
      const data = await fingerprint(app.databaseUrl)
      const run = await drill(e2e, app)
      expectOutcome(run, 'passed')
      const r = report(run)
      const captured = r.backup.id as string
      expect(r.cleanup.backupDeleted).toBe(captured)
      const commands = runbookOf(run)
      expect(commands.join('\n')).not.toContain(captured)
      expect(commands).toContain(
        `heroku pg:backups:restore ${app.name}::a001 DATABASE_URL --app ${app.name} --confirm ${app.name}`
      )
      expect(run.summary).toContain(`This drill proved ${captured}`)
      // The runbook comes before the folded details.
      expect(at(run.summary, '### Emergency runbook')).toBeGreaterThan(0)
      expect(at(run.summary, '### Emergency runbook')).toBeLessThan(
        at(run.summary, '<summary>Timeline:')
      )
      expect(await runRunbook(app.name, commands, data)).toBe(1)
    },
    300_000
  )

  itWithCli(
    'a failing drill keeps its capture and says so; the findings come before the timeline',
    async () => {
      const app = await chinookApp(e2e, 'rb-fail')
      await armFault(e2e, { kind: 'restore-delete-rows', table: 'public.invoice_line', count: 5 })
      const run = await drill(e2e, app)
      expectOutcome(run, 'failed')
      const r = report(run)
      const captured = r.backup.id as string
      expect(r.cleanup.backupDeleted ?? null).toBeNull()
      expect(r.notes.join('\n')).toContain(`The captured backup ${captured} is kept`)
      const md = run.summary
      expect(at(md, '### Findings')).toBeGreaterThan(0)
      expect(at(md, '| `public.invoice_line` | mismatch |')).toBeGreaterThan(at(md, '### Findings'))
      expect(at(md, '### Findings')).toBeLessThan(at(md, '### What to do instead'))
      expect(at(md, '### What to do instead')).toBeLessThan(at(md, '<summary>Timeline:'))
      const commands = runbookOf(run)
      expect(commands).toContain(`heroku pg:backups:info ${captured} --app ${app.name}`)
      expect(commands.join('\n')).not.toMatch(/pg:backups:restore|pg:promote/)
      expect(await runRunbook(app.name, commands, {})).toBe(0)
    },
    300_000
  )

  itWithCli(
    "a copy kept on the drill app (the incident example's inputs): attached to production, promoted, and one command stops its billing",
    async () => {
      const app = await chinookApp(e2e, 'rb-kept')
      const data = await fingerprint(app.databaseUrl)
      const run = await drill(e2e, app, {
        backup: 'latest',
        'keep-database': 'true',
        'require-schedule': 'false',
        'max-backup-age': '30d'
      })
      expectOutcome(run, 'passed')
      const r = report(run)
      const drillApp = r.drillApp.name as string
      expect(drillApp).not.toBe(app.name)
      const kept = r.cleanup.kept.addonName as string
      const commands = runbookOf(run)
      expect(commands.slice(0, 2)).toEqual([
        `heroku addons:attach ${kept} --app ${app.name} --as VERIFIED_RESTORE`,
        `heroku maintenance:on --app ${app.name}`
      ])
      const destroys = commands.filter((c) => /destroy/.test(c))
      expect(destroys).toEqual([`heroku apps:destroy ${drillApp} --confirm ${drillApp}`])
      expect(await runRunbook(app.name, commands, data)).toBe(2)
      expect((await fetch(`${e2e.sim.apiUrl}/apps/${drillApp}`, { headers: auth() })).status).toBe(
        404
      )
    },
    300_000
  )

  itWithCli(
    "a kept rollback: promoted, then a fresh rollback to the drill's own time, both serving the data as it was then",
    async () => {
      const app: SimApp = await chinookApp(e2e, 'rb-roll', { plan: 'standard-0' })
      await sql(app.databaseUrl, 'create table public.marks (id int primary key)')
      // The earliest recoverable time shows to the minute: a target must be after it.
      await sleep(62_000)
      await sql(app.databaseUrl, 'insert into public.marks values (1)')
      const then = await fingerprint(app.databaseUrl)
      await sleep(1000 - (Date.now() % 1000) + 300)
      const target = new Date(Math.floor(Date.now() / 1000) * 1000)
        .toISOString()
        .replace('.000Z', 'Z')
      await sleep(1200)
      await sql(app.databaseUrl, 'insert into public.marks values (2)')
      const run = await drill(e2e, app, {
        method: 'rollback',
        'rollback-to': target,
        'keep-database': 'true',
        history: 'none'
      })
      expectOutcome(run, 'passed')
      const commands = runbookOf(run)
      expect(commands.join('\n')).toContain(`--to ${target}`)
      expect(await runRunbook(app.name, commands, then)).toBe(2)
    },
    400_000
  )
})

function auth(): Record<string, string> {
  return {
    Authorization: `Bearer ${e2e.sim.token}`,
    Accept: 'application/vnd.heroku+json; version=3'
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
