// The outcome and the one-line verdict of a drill, from what it found.
import { describe, expect, test } from '@jest/globals'
import { judgeOutcome, mismatchObjects, type DrillFindings } from '../../src/report/verdict.js'
import type { Verification } from '../../src/verify/types.js'
import { failedReport, passedReport } from '../fakes/report-fixture.js'

const found = (more: Partial<DrillFindings> = {}): DrillFindings => ({
  copy: { label: 'backup b042', method: 'backup' },
  restoreSeconds: 252,
  verification: passedReport().verification as Verification,
  failures: [],
  cleanupProblems: [],
  ...more
})

describe('judgeOutcome', () => {
  test('a verified restore passes, naming the backup, the restore time and what was checked', () => {
    expect(judgeOutcome(found())).toEqual({
      outcome: 'passed',
      verdict:
        'Passed: backup b042 restored in 4m 12s and matched production (4 tables, 15,608 rows)'
    })
  })

  test('a fork or rollback is named as the copy Heroku made, with its time to ready', () => {
    const copy = {
      label: 'rollback of postgresql-x to 2026-12-01T04:00:00Z',
      method: 'rollback' as const
    }
    expect(judgeOutcome(found({ copy })).verdict).toBe(
      'Passed: rollback of postgresql-x to 2026-12-01T04:00:00Z ready in 4m 12s and passed verification against production (4 tables, 15,608 rows)'
    )
    const verification = failedReport().verification as Verification
    expect(judgeOutcome(found({ copy, verification })).verdict).toMatch(
      /^Failed: rollback of postgresql-x to 2026-12-01T04:00:00Z made, but \d+ mismatch/
    )
  })

  test('mismatches fail the drill, naming the objects', () => {
    const verification = failedReport().verification as Verification
    const judged = judgeOutcome(found({ verification }))
    expect(judged.outcome).toBe('failed')
    expect(judged.verdict).toMatch(/^Failed: backup b042 restored, but \d+ mismatch(es)?: /)
    expect(judged.errorLine).toBeUndefined()
  })

  test('a policy failure alone (max-restore-minutes) fails a verified restore', () => {
    const judged = judgeOutcome(found({ failures: ['restore took 4.2 min, longer than 1'] }))
    expect(judged).toEqual({
      outcome: 'failed',
      verdict: 'Failed: backup b042 restored, but restore took 4.2 min, longer than 1'
    })
  })

  test('an error that stopped the drill is its verdict; a policy refusal is failed, not error', () => {
    expect(
      judgeOutcome(found({ error: { message: 'capture b043 failed', outcome: 'error' } }))
    ).toEqual({
      outcome: 'error',
      verdict: 'Error: capture b043 failed',
      errorLine: 'capture b043 failed'
    })
    expect(judgeOutcome(found({ error: { message: 'no schedule', outcome: 'failed' } }))).toEqual({
      outcome: 'failed',
      verdict: 'Failed: no schedule'
    })
  })

  test('a pass that left something behind is an error; a failure stays a failure', () => {
    const leftBehind = { cleanupProblems: ['destroying restore-drill-x failed: 503'] }
    expect(judgeOutcome(found(leftBehind))).toEqual({
      outcome: 'error',
      verdict: 'Error: clean-up failed: destroying restore-drill-x failed: 503',
      errorLine: 'clean-up failed: destroying restore-drill-x failed: 503'
    })
    expect(judgeOutcome(found({ ...leftBehind, failures: ['too slow'] })).outcome).toBe('failed')
  })

  test('no verification and no error (should not happen) is not a pass', () => {
    expect(judgeOutcome(found({ verification: undefined })).outcome).toBe('failed')
  })
})

test('mismatchObjects: shortest names first, at most three', () => {
  const m = (object: string) => ({ object, message: 'differs' })
  expect(mismatchObjects([m('public.track')])).toBe('public.track: differs')
  expect(
    mismatchObjects([
      m('public.track.track_pkey'),
      m('public.track'),
      m('public.invoice_line.fk'),
      m('public.x.y.z')
    ])
  ).toBe('public.track, public.x.y.z, public.invoice_line.fk and 1 more')
})
