// A restore that takes 70 s (the simulator's restore delay): max-restore-minutes 1 fails the drill
// clearly, and timeout-minutes 1 stops it at the deadline with everything it created destroyed.
// Inputs are whole minutes, so these two tests are honest only with a restore over a minute.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { addonsOf, chinookApp, drill, report, startE2E, type E2E } from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E({ restoreDelaySeconds: 70 })
})
afterAll(async () => {
  await e2e?.close()
})

describe('slow restore', () => {
  test('max-restore-minutes exceeded: outcome failed with a clear line', async () => {
    const app = await chinookApp(e2e, 'rto')
    const run = await drill(
      e2e,
      app,
      { backup: 'latest', 'max-restore-minutes': '1' },
      { timeoutMs: 220_000 }
    )
    expect({ exit: run.exitCode, outcome: run.outputs.outcome }).toEqual({
      exit: 1,
      outcome: 'failed'
    })
    expect(Number(run.outputs['restore-seconds'])).toBeGreaterThanOrEqual(61)
    const line = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''
    expect(line).toMatch(/restore took .* longer than max-restore-minutes 1/)
    // While the restore ran, a progress line came at least once a minute.
    expect(run.stdout).toMatch(/waiting for restore of \S+ onto \S+: 1m 0s so far, state \w+/)
    // The data itself verified fine: only the recovery-time objective failed.
    expect(report(run).verification.passed).toBe(true)
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  }, 240_000)

  test('timeout-minutes reached mid-restore: outcome error, the add-on destroyed by main itself', async () => {
    const app = await chinookApp(e2e, 'deadline')
    const run = await drill(
      e2e,
      app,
      { backup: 'latest', 'timeout-minutes': '1' },
      { timeoutMs: 220_000 }
    )
    expect({ exit: run.exitCode, outcome: run.outputs.outcome }).toEqual({
      exit: 1,
      outcome: 'error'
    })
    expect(run.stdout).toMatch(/did not finish within timeout-minutes 1/)
    const r = report(run)
    expect(r.cleanup.destroyed).toEqual([r.restore.addonName])
    expect(run.postStdout).toMatch(/nothing to clean up/)
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  }, 240_000)
})
