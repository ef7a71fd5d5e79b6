// Damaged restores (faults the simulator applies right after a successful restore) end with
// outcome=failed, an annotation and a failure line naming the object: table, rows, one altered
// value (caught by the default checksum-tables: auto too), sequence, index; likewise a failing custom check and strict warnings.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  addonsOf,
  armFault,
  chinookApp,
  disarmFaults,
  drill,
  startE2E,
  transcript,
  type E2E
} from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E()
})
afterAll(async () => {
  await e2e?.close()
})

describe('damaged restores fail naming the object', () => {
  const cases: [string, unknown, Record<string, string>, RegExp][] = [
    ['a dropped table', { kind: 'restore-drop-table', table: 'public.track' }, {}, /public\.track/],
    [
      'deleted rows',
      { kind: 'restore-delete-rows', table: 'public.invoice_line', count: 5 },
      {},
      /public\.invoice_line/
    ],
    // With every table hashed, the counts come from the hashes: the same damage is still caught.
    [
      'a dropped table, every table hashed',
      { kind: 'restore-drop-table', table: 'public.track' },
      { 'checksum-tables': '*' },
      /public\.track/
    ],
    [
      'deleted rows, every table hashed',
      { kind: 'restore-delete-rows', table: 'public.invoice_line', count: 5 },
      { 'checksum-tables': '*' },
      /public\.invoice_line/
    ],
    [
      'an altered row',
      { kind: 'restore-alter-row', table: 'public.album' },
      { 'checksum-tables': 'public.album' },
      /public\.album/
    ],
    // No checksum input: auto hashes every table without writes in the window (all of them here).
    [
      'an altered row, default checksum-tables',
      { kind: 'restore-alter-row', table: 'public.track' },
      {},
      /public\.track/
    ],
    [
      'a reset sequence',
      { kind: 'restore-reset-sequence', sequence: 'public.invoice_invoice_id_seq' },
      {},
      /invoice_invoice_id_seq/
    ],
    [
      'a dropped index',
      { kind: 'restore-drop-index', index: 'public.track_album_id_idx' },
      {},
      /track_album_id_idx/
    ]
  ]
  test.each(cases)(
    '%s',
    async (_label, fault, inputs, object) => {
      const app = await chinookApp(e2e, 'damage')
      await armFault(e2e, fault)
      try {
        const run = await drill(e2e, app, inputs)
        expect({
          exit: run.exitCode,
          outcome: run.outputs.outcome,
          log: run.outputs.outcome === 'failed' ? '' : transcript(run)
        }).toEqual({ exit: 1, outcome: 'failed', log: '' })
        expect(Number(run.outputs.mismatches)).toBeGreaterThan(0)
        const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error'))
        // One annotation per mismatch names the object, and the failure line does too.
        expect(errors.some((l) => l.startsWith('::error title=') && object.test(l))).toBe(true)
        expect(errors.some((l) => l.startsWith('::error::Failed') && object.test(l))).toBe(true)
        expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
        // The summary never hands out the commands to restore the backup that just failed.
        expect(run.summary).toContain('What to do instead')
        expect(run.summary).not.toMatch(/pg:backups:restore|pg:promote/)
      } finally {
        await disarmFaults(e2e)
      }
    },
    120_000
  )
})

describe('custom checks and strict warnings', () => {
  test('a failing check fails the drill naming the check; a passing one passes', async () => {
    const app = await chinookApp(e2e, 'checks')
    const run = await drill(e2e, app, {
      backup: 'latest',
      checks:
        'tracks present: select count(*) > 3000 from track\nno free albums: select count(*) = 0 from album'
    })
    expect(run.outputs.outcome).toBe('failed')
    const failLine = run.stdout.split('\n').find((l) => l.startsWith('::error::Failed')) ?? ''
    expect(failLine).toMatch(/no free albums/)
    expect(failLine).not.toMatch(/tracks present/)
  }, 120_000)

  test('restore-warnings: strict fails even on harmless warnings', async () => {
    const app = await chinookApp(e2e, 'strict')
    await armFault(e2e, { kind: 'transfer-warnings', transfer: 'restore', count: 1, benign: true })
    try {
      const run = await drill(e2e, app, { backup: 'latest', 'restore-warnings': 'strict' })
      expect(run.outputs.outcome).toBe('failed')
    } finally {
      await disarmFaults(e2e)
    }
  }, 120_000)
})
