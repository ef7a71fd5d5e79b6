// A first run on a real account (issue 23), against the in-memory fakes: no GET /account, no
// restore extensions, Private/Shield/Advanced refused before any write, the copy on the source's
// major, the source's connections kept, the dry run.
import { describe, expect, test } from '@jest/globals'
import { runDrill } from '../../src/drill/run.js'
import { buildReport } from '../../src/report/build.js'
import { renderSummary } from '../../src/report/summary.js'
import { applyBackupPolicies } from '../../src/rules/backups.js'
import type { DrillConfig } from '../../src/config.js'
import { drillConfig, fakeRuntime, type FakeOptions } from '../fakes/fake-heroku.js'

/** Every call of the fakes that changes something on Heroku or in the source. */
const WRITES =
  /^(createApp|deleteApp|createAddon|deleteAddon|maintenanceOn|maintenanceOff|attach .*|captureBackup|restoreBackup|cancelTransfer|deleteBackup|writeCanary)$/

async function drill(over: Partial<DrillConfig> = {}, options: FakeOptions = {}) {
  const run = fakeRuntime(drillConfig(over), options)
  const facts = await runDrill(run.runtime)
  const report = buildReport(run.runtime.config, facts, (t) => run.runtime.secrets.redact(t))
  return { ...run, facts, report, writes: run.heroku.calls.filter((c) => WRITES.test(c)) }
}

describe('the token', () => {
  test('the first call is the app (never the account), and the report shows the scopes', async () => {
    const { heroku, report } = await drill({}, { tokenScopes: 'write-protected' })
    expect(heroku.calls[0]).toBe('getApp')
    expect(report.outcome).toBe('passed')
    expect(report.tokenScopes).toBe('write-protected')
    expect(renderSummary(report)).toContain(
      "Token's scopes, as Heroku reports them: `write-protected`"
    )
  })
})

describe('the restore', () => {
  test('sends no extensions, as the CLI does by default', async () => {
    const { heroku, report } = await drill()
    expect(report.outcome).toBe('passed')
    expect(heroku.restoreRequests).toHaveLength(1)
    expect(heroku.restoreRequests[0].extensions).toEqual([])
  })
})

describe('sources a runner cannot drill: refused in preflight, nothing written', () => {
  test.each([
    [
      'private-0',
      {},
      /accepts connections only from inside its Private space: run the drill on a self-hosted runner inside the space with private-network: true$/
    ],
    [
      'shield-0',
      {},
      /Shield space: .*private-network: true and method: fork or rollback \(PGBackups do not work with Shield\)$/
    ],
    ['shield-0', { privateNetwork: true }, /PGBackups do not work: use method: fork or rollback$/],
    ['advanced', {}, /Postgres Advanced database/],
    ['performance-l', {}, /Postgres Advanced database/]
  ])('%s %j', async (plan, over, message) => {
    const { report, writes, heroku } = await drill(over, {
      sourcePlan: `heroku-postgresql:${plan}`
    })
    expect(report.outcome).toBe('error')
    expect(report.error).toMatch(message)
    expect(report.error).not.toMatch(/\n/)
    expect(writes).toEqual([])
    expect(heroku.calls).not.toContain('probe')
  })

  test('a Private source with private-network: true is drilled', async () => {
    const { report } = await drill(
      { privateNetwork: true },
      { sourcePlan: 'heroku-postgresql:private-0' }
    )
    expect(report.outcome).toBe('passed')
  })
})

describe("the copy's PostgreSQL major", () => {
  test("the source's major from SELECT 1 goes into the add-on's config; the report names both", async () => {
    const { heroku, report } = await drill({}, { serverVersionNum: 150007 })
    expect(at(heroku.calls, 'probe')).toBeLessThan(at(heroku.calls, 'createApp'))
    expect([...heroku.addonConfigs.values()]).toEqual([{ version: '15' }])
    expect(report.versions).toEqual({ source: 15, copy: 15 })
    expect(renderSummary(report)).toContain('PostgreSQL: source 15, copy 15')
  })

  test("the database info's PG Version wins; postgres-version: 17 makes an upgrade rehearsal", async () => {
    const { heroku, report } = await drill(
      { postgresVersion: 17 },
      { databaseInfo: [{ name: 'PG Version', values: ['16.4'] }], serverVersionNum: 999999 }
    )
    expect([...heroku.addonConfigs.values()]).toEqual([{ version: '17' }])
    expect(report.versions).toEqual({ source: 16, copy: 17 })
  })

  test('a postgres-version lower than the source is refused before any write', async () => {
    const { report, writes } = await drill({ postgresVersion: 14 }, { serverVersionNum: 160004 })
    expect(report.error).toMatch(/^postgres-version 14 is lower than the source's PostgreSQL 16/)
    expect(writes).toEqual([])
  })
})

describe("the source's connections", () => {
  test('17 of 20 in use: one connection for the drill, two left for the app', async () => {
    const { heroku, report } = await drill(
      { verifyConnections: 3 },
      { databaseInfo: [{ name: 'Connections', values: ['17/20'] }] }
    )
    expect(report.outcome).toBe('passed')
    expect(heroku.sourcePoolSize).toBe(1)
    expect(report.sourceConnections).toEqual({ peak: 1, max: 1, before: { used: 17, limit: 20 } })
    expect(renderSummary(report)).toContain(
      'Connections on the source: the drill used 1 at most (its limit 1, keeping 2 free for the app; 17/20 were in use before it)'
    )
  })

  test('18 of 20 in use: refused before any write, in one line', async () => {
    const { report, writes } = await drill(
      {},
      { databaseInfo: [{ name: 'Connections', values: ['18/20'] }] }
    )
    expect(report.error).toBe(
      'source postgresql-prod-1 has 18 of 20 connections in use: the drill needs one and keeps 2 free for the app; run it when the app uses fewer, or on a larger plan'
    )
    expect(writes).toEqual([])
  })
})

describe('logical-backup policies with fork and rollback', () => {
  const source = { configVar: 'DATABASE_URL' } as never
  const noSchedule = { scheduled: false, schedule: null, newestBackup: null, recentBackups: [] }
  test('warn with method fork', () => {
    const warnings = applyBackupPolicies(drillConfig({ method: 'fork' }), source, noSchedule)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(
      /^app shop has no automatic backup schedule for DATABASE_URL .*\(a warning with method: fork, which does not use logical backups\)$/
    )
  })
  test('fail with method backup', () => {
    expect(() => applyBackupPolicies(drillConfig(), source, noSchedule)).toThrow(
      /has no automatic backup schedule/
    )
  })
})

describe('dry run', () => {
  test('reads, runs SELECT 1, writes nothing, passes, and lists what a drill would do', async () => {
    const run = fakeRuntime(drillConfig({ dryRun: true }))
    const old = new Date(Date.now() - 3 * 86400_000).toISOString()
    run.heroku.addons.push({
      ...run.heroku.addons[0],
      id: 'stale-id',
      name: 'restore-drill-old-1',
      created_at: old
    })
    const facts = await runDrill(run.runtime)
    const report = buildReport(run.runtime.config, facts, (t) => t)
    expect(run.heroku.calls.filter((c) => WRITES.test(c))).toEqual([])
    expect(run.heroku.calls).toContain('probe')
    expect(report.outcome).toBe('passed')
    expect(report.verdict).toMatch(/^Passed \(dry run\)/)
    expect(report.dryRun?.wouldCreate).toEqual([
      expect.stringMatching(
        /^app restore-drill-shop-[0-9a-f]{6} \(drill-app: auto\) in the token's own account, which is billed for it/
      ),
      'a manual backup of postgresql-prod-1 on shop, deleted at the end',
      expect.stringMatching(
        /^add-on heroku-postgresql:essential-0, PostgreSQL 16 on app restore-drill-shop-\w+ as RESTORE_DRILL, the backup restored onto it; destroyed at the end$/
      )
    ])
    expect(report.dryRun?.wouldDelete).toEqual([
      `stale add-on restore-drill-old-1 on shop (an earlier drill's, created ${old})`
    ])
    const summary = renderSummary(report)
    expect(summary).toContain('Dry run: what a real drill would do')
    expect(summary).toContain('**Backups automated:** yes')
  })
})

function at(calls: string[], name: string): number {
  const index = calls.indexOf(name)
  if (index < 0) throw new Error(`${name} was never called: ${calls.join(', ')}`)
  return index
}
