// The checklist against in-memory fakes of Heroku and the databases (no bundle, no PostgreSQL):
// the order of the steps, what each does on failure, at the deadline and on cancel.
import { describe, expect, test } from '@jest/globals'
import { both } from '../../src/concurrency.js'
import { runDrill } from '../../src/drill/run.js'
import { CancelledError } from '../../src/errors.js'
import { buildReport } from '../../src/report/build.js'
import { AbortError } from '../../src/heroku/wait.js'
import {
  drillConfig,
  fakeRuntime,
  passedVerification,
  type FakeOptions
} from '../fakes/fake-heroku.js'
import type { DrillConfig } from '../../src/config.js'

async function drill(over: Partial<DrillConfig> = {}, options: FakeOptions = {}) {
  const run = fakeRuntime(drillConfig(over), options)
  const facts = await runDrill(run.runtime)
  const report = buildReport(run.runtime.config, facts, (t) => run.runtime.secrets.redact(t))
  return { ...run, facts, report }
}

/** Position of the first call named `name`; fails the test when it was never made. */
function at(calls: string[], name: string): number {
  const index = calls.indexOf(name)
  if (index < 0) throw new Error(`${name} was never called: ${calls.join(', ')}`)
  return index
}

describe('the checklist, in order', () => {
  test('preflight, then provision and capture, restore, verify, clean up: a pass', async () => {
    const { heroku, report } = await drill()
    const calls = heroku.calls
    expect(report.outcome).toBe('passed')
    expect(at(calls, 'listTransfers')).toBeLessThan(at(calls, 'createAddon'))
    expect(at(calls, 'snapshot')).toBeLessThan(at(calls, 'captureBackup'))
    expect(at(calls, 'captureBackup')).toBeLessThan(at(calls, 'restoreBackup'))
    expect(at(calls, 'waitStatus')).toBeLessThan(at(calls, 'restoreBackup'))
    expect(at(calls, 'restoreBackup')).toBeLessThan(at(calls, 'verifyRestored'))
    expect(at(calls, 'countTables')).toBeLessThan(at(calls, 'verifyRestored'))
    expect(at(calls, 'verifyRestored')).toBeLessThan(at(calls, 'deleteApp'))
    expect(calls.lastIndexOf('closeAll')).toBeLessThan(at(calls, 'deleteApp'))
    expect(report.cleanup.destroyed).toEqual([report.restore?.addonName])
    expect(heroku.addons.map((a) => a.id)).toEqual(['prod-id'])
    expect([...heroku.apps.keys()]).toEqual([])
    expect(report.timeline.map((p) => p.phase)).toEqual([
      'preflight',
      'provision',
      'snapshot',
      'capture',
      'snapshot',
      'restore',
      'verify',
      'cleanup'
    ])
  })

  test('maintenance: on before the snapshot and the capture, off once the closing counts are in', async () => {
    const { heroku, report } = await drill({ maintenance: true })
    const calls = heroku.calls
    expect(at(calls, 'maintenanceOn')).toBeLessThan(at(calls, 'snapshot'))
    expect(at(calls, 'captureBackup')).toBeLessThan(at(calls, 'countTables'))
    expect(at(calls, 'countTables')).toBeLessThan(at(calls, 'maintenanceOff'))
    expect(at(calls, 'maintenanceOff')).toBeLessThan(at(calls, 'verifyRestored'))
    expect(calls.filter((c) => c === 'maintenanceOff')).toHaveLength(1)
    expect(heroku.maintenance).toBe(false)
    expect(report.outcome).toBe('passed')
  })

  test('the canary is written before the snapshot and the capture', async () => {
    const { heroku } = await drill({ canary: true })
    expect(at(heroku.calls, 'writeCanary')).toBeLessThan(at(heroku.calls, 'snapshot'))
    expect(at(heroku.calls, 'writeCanary')).toBeLessThan(at(heroku.calls, 'captureBackup'))
  })

  test('the add-on name is saved to state before the create request, its id after', async () => {
    const run = fakeRuntime(drillConfig())
    const seen: unknown[] = []
    const create = run.runtime.platform.createAddon
    run.runtime.platform.createAddon = async (app, req) => {
      seen.push({ ...run.saved().created })
      return create(app, req)
    }
    await runDrill(run.runtime)
    expect(seen).toEqual([
      { name: expect.stringMatching(/^restore-drill-shop-42-1-/), app: run.saved().drillApp?.name }
    ])
    expect(run.saved().drillApp).toEqual({
      name: expect.stringMatching(/^restore-drill-shop-/),
      created: true
    })
    expect(run.saved().created?.id).toMatch(/^new-restore-drill-shop-42-1-/)
    expect(run.saved().destroyed).toBe(true)
  })
})

describe('where the copy lives (drill-app)', () => {
  test('auto: an app is created for the drill, the add-on lives there, the app is deleted; production is not written to', async () => {
    const { heroku, report } = await drill()
    const drillApp = report.drillApp?.name as string
    expect(drillApp).toMatch(/^restore-drill-shop-[0-9a-f]{6}$/)
    expect(at(heroku.calls, 'createApp')).toBeLessThan(at(heroku.calls, 'createAddon'))
    expect(heroku.calls).not.toContain('deleteAddon')
    expect(report.cleanup.appDeleted).toBe(drillApp)
    expect(report.notes.join(' ')).toMatch(/shop got no release and no restart/)
  })

  test('same: the add-on lives on the production app, is destroyed, and the summary says shop restarted twice', async () => {
    const { heroku, report } = await drill({ drillApp: { mode: 'same' } })
    expect(heroku.calls).not.toContain('createApp')
    expect(report.drillApp?.name).toBe('shop')
    expect(report.cleanup.destroyed).toEqual([report.restore?.addonName])
    expect(report.notes.join(' ')).toMatch(/dynos restarted twice/)
  })

  test('a named app that does not exist: refused in preflight, before anything is created', async () => {
    const { heroku, report } = await drill({ drillApp: { mode: 'named', name: 'nope' } })
    expect(report.verdict).toMatch(/drill-app nope not found or not visible to this token/)
    for (const write of ['createApp', 'createAddon', 'captureBackup'])
      expect(heroku.calls).not.toContain(write)
  })

  test('a team where the token is a collaborator: refused in preflight, naming the way out', async () => {
    const run = fakeRuntime(drillConfig())
    run.heroku.productionTeam = 'acme'
    run.heroku.teamRole = 'collaborator'
    const report = buildReport(run.runtime.config, await runDrill(run.runtime), (t) => t)
    expect(report.verdict).toMatch(/cannot create apps in team acme .*drill-app: NAME/)
    expect(run.heroku.calls).not.toContain('createApp')
  })

  test('the capture is deleted at the end unless keep-backup', async () => {
    const deleted = await drill()
    expect(deleted.heroku.deletedBackups).toEqual([2])
    expect(deleted.report.cleanup.backupDeleted).toBe('b002')
    const kept = await drill({ keepBackup: true })
    expect(kept.heroku.deletedBackups).toEqual([])
  })
})

describe('a step that fails', () => {
  test('provisioning refused: no capture is sent, nothing is left to destroy', async () => {
    const { heroku, report } = await drill({}, { fail: 'createAddon' })
    expect(heroku.calls).not.toContain('captureBackup')
    expect(heroku.calls).not.toContain('restoreBackup')
    expect(heroku.calls).not.toContain('deleteAddon')
    expect(report.outcome).toBe('error')
    expect(report.verdict).toMatch(/createAddon refused/)
    expect(report.timeline.find((p) => p.phase === 'provision')?.status).toBe('failed')
  })

  test('provisioning refused with maintenance and canary: production is not touched at all', async () => {
    const { heroku } = await drill({ maintenance: true, canary: true }, { fail: 'createAddon' })
    for (const write of ['maintenanceOn', 'writeCanary', 'captureBackup'])
      expect(heroku.calls).not.toContain(write)
  })

  test('the capture fails: no restore, the fresh add-on is destroyed', async () => {
    const { heroku, report } = await drill({}, { fail: 'captureBackup' })
    expect(heroku.calls).not.toContain('restoreBackup')
    expect(report.outcome).toBe('error')
    expect(report.cleanup.destroyed).toHaveLength(1)
    expect(heroku.addons.map((a) => a.id)).toEqual(['prod-id'])
  })

  test('the restore fails: no verify, the add-on is destroyed, maintenance is off', async () => {
    const { heroku, report } = await drill({ maintenance: true }, { fail: 'restoreBackup' })
    expect(heroku.calls).not.toContain('verifyRestored')
    expect(report.outcome).toBe('error')
    expect(heroku.maintenance).toBe(false)
    expect(heroku.addons.map((a) => a.id)).toEqual(['prod-id'])
  })

  test('verification fails: outcome failed, the promote drill is skipped, the add-on destroyed', async () => {
    const verification = {
      ...passedVerification(),
      passed: false,
      findings: [
        {
          check: 'counts',
          object: 'public.track',
          message: '5 rows, restored 4',
          severity: 'mismatch' as const
        }
      ]
    }
    const { heroku, report } = await drill(
      { promote: true, maintenance: true, drillApp: { mode: 'same' } },
      { verification }
    )
    expect(report.outcome).toBe('failed')
    expect(report.verdict).toMatch(/public\.track/)
    expect(heroku.calls.some((c) => c.startsWith('attach'))).toBe(false)
    expect(report.notes).toContain(
      'The promote drill was skipped: the restore did not pass verification.'
    )
    expect(heroku.addons.map((a) => a.id)).toEqual(['prod-id'])
  })

  test('promote: a check failing through DATABASE_URL fails the drill; the original is promoted back', async () => {
    const checkRuns = [{ name: 'one', problem: 'returned a number value, expected true' }]
    const { heroku, report } = await drill(
      {
        promote: true,
        maintenance: true,
        drillApp: { mode: 'same' },
        checks: [{ name: 'one', sql: 'select 1' }]
      },
      { checkRuns }
    )
    expect(at(heroku.calls, 'attach ' + report.restore?.addonName)).toBeLessThan(
      at(heroku.calls, 'runChecks')
    )
    expect(at(heroku.calls, 'runChecks')).toBeLessThan(at(heroku.calls, 'attach postgresql-prod-1'))
    expect(report.outcome).toBe('failed')
    expect(report.verification?.checks.map((c) => c.status)).toContain('failed')
  })
})

describe('the deadline and cancel', () => {
  test('deadline while the restore runs: the drill stops, says why, and still cleans up', async () => {
    const run = fakeRuntime(drillConfig({ timeoutMinutes: 5 }), { never: 'getTransfer restore' })
    const drilling = runDrill(run.runtime)
    await waitUntil(() => run.heroku.calls.includes('getTransfer restore'))
    run.abort('deadline')
    const facts = await drilling
    const report = buildReport(run.runtime.config, facts, (t) => t)
    expect(report.outcome).toBe('error')
    // What clean-up did, from its result, not a sentence written before it ran.
    expect(report.verdict).toMatch(
      /did not finish within timeout-minutes 5; clean-up (destroyed add-on restore-drill-\S+, )?deleted drill app restore-drill-\S+, deleted the drill's backup b\d+$/
    )
    expect(run.heroku.calls).not.toContain('verifyRestored')
    expect(run.heroku.addons.map((a) => a.id)).toEqual(['prod-id'])
  })

  test('cancel while the restore runs: main throws CancelledError and leaves the clean-up to post', async () => {
    const run = fakeRuntime(drillConfig({ maintenance: true }), { never: 'getTransfer restore' })
    const drilling = runDrill(run.runtime)
    await waitUntil(() => run.heroku.calls.includes('getTransfer restore'))
    run.abort('cancel')
    await expect(drilling).rejects.toBeInstanceOf(CancelledError)
    expect(run.heroku.calls).not.toContain('deleteAddon')
    // What the post step needs is saved: the add-on by name and id.
    expect(run.saved().created?.id).toMatch(/^new-restore-drill-/)
    expect(run.saved().destroyed).toBeUndefined()
  })
})

describe('both', () => {
  test('a failure stops the other step and is thrown, not the abort it caused', async () => {
    let otherAborted = false
    const never = (signal: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => {
          otherAborted = true
          reject(new AbortError())
        })
      )
    await expect(
      both(new AbortController().signal, never, async () => {
        throw new Error('provisioning failed')
      })
    ).rejects.toThrow('provisioning failed')
    expect(otherAborted).toBe(true)
  })

  test('both results, in order', async () => {
    const signal = new AbortController().signal
    await expect(
      both(
        signal,
        async () => 1,
        async () => 'two'
      )
    ).resolves.toEqual([1, 'two'])
  })
})

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!condition()) throw new Error('condition never held')
}

describe('method fork / rollback: Heroku makes the copy', () => {
  const STANDARD = {
    sourcePlan: 'heroku-postgresql:standard-0',
    databaseInfo: [
      { name: 'Continuous Protection', values: ['On'] },
      {
        name: 'Rollback',
        values: [
          `earliest from ${new Date(Date.now() - 86400_000).toISOString().slice(0, 16).replace('T', ' ')} UTC`
        ]
      }
    ]
  }

  test('fork: snapshot, then the fork is asked for, then the closing counts; no capture, no restore transfer', async () => {
    const { heroku, report } = await drill({ method: 'fork' }, STANDARD)
    const calls = heroku.calls
    expect(report.outcome).toBe('passed')
    expect(calls).not.toContain('captureBackup')
    expect(calls).not.toContain('restoreBackup')
    expect(at(calls, 'snapshot')).toBeLessThan(at(calls, 'createAddon'))
    expect(at(calls, 'createAddon')).toBeLessThan(at(calls, 'countTables'))
    expect(at(calls, 'waitStatus')).toBeLessThan(at(calls, 'verifyRestored'))
    expect([...heroku.addonConfigs.values()]).toEqual([{ fork: 'shop::DATABASE_URL' }])
    expect(report.method).toBe('fork')
    expect(report.backup).toBeNull()
    expect(report.recovery).toMatchObject({
      method: 'fork',
      targetTime: null,
      sourceAddon: 'postgresql-prod-1'
    })
    expect(report.timeline.map((p) => p.phase)).toEqual([
      'preflight',
      'provision',
      'snapshot',
      'restore',
      'snapshot',
      'verify',
      'cleanup'
    ])
    expect(report.timings.restoreSeconds).toBeDefined()
    expect(report.verdict).toMatch(/^Passed: fork of postgresql-prod-1 ready in /)
    expect(heroku.addons.map((a) => a.id)).toEqual(['prod-id'])
  })

  test('rollback: the copy is asked for with the target time; no closing counts are waited for', async () => {
    const before = Date.now()
    const { heroku, report } = await drill(
      { method: 'rollback', rollbackTo: { mode: 'ago', seconds: 1800, text: '30m' } },
      STANDARD
    )
    expect(report.outcome).toBe('passed')
    const [config] = [...heroku.addonConfigs.values()]
    expect(config?.rollback).toBe('shop::DATABASE_URL')
    const to = Date.parse(config?.to ?? '')
    expect(Math.abs(to - (before - 1800_000))).toBeLessThan(5000)
    expect(report.recovery?.targetTime).toBe(config?.to)
    expect(report.verdict).toMatch(/^Passed: rollback of postgresql-prod-1 to \S+Z ready in /)
  })

  test('an Essential source is refused in preflight: nothing is created or written', async () => {
    const { heroku, report } = await drill({ method: 'fork' })
    expect(report.outcome).toBe('error')
    expect(report.error).toMatch(/needs Continuous Protection/)
    for (const write of [
      'createApp',
      'createAddon',
      'maintenanceOn',
      'writeCanary',
      'captureBackup'
    ])
      expect(heroku.calls).not.toContain(write)
  })

  test('the fork is refused by Heroku: maintenance goes off again, nothing is left', async () => {
    const { heroku, report } = await drill(
      { method: 'fork', maintenance: true },
      { ...STANDARD, fail: 'createAddon' }
    )
    expect(report.outcome).toBe('error')
    expect(heroku.maintenance).toBe(false)
    expect(heroku.addons.map((a) => a.id)).toEqual(['prod-id'])
    expect([...heroku.apps.keys()]).toEqual([])
  })
})
