// method fork / rollback are refused before anything is created when they cannot work: no
// Continuous Protection, a target in the future, beyond the plan's window or before the earliest
// time the database info shows.
import { describe, expect, it } from '@jest/globals'
import type { RollbackTarget } from '../../src/config.js'
import { DrillError } from '../../src/errors.js'
import {
  earliestRecoveryTime,
  planRecovery,
  rollbackWindowSeconds
} from '../../src/rules/recovery-plan.js'
import { drillConfig } from '../fakes/fake-heroku.js'

const NOW = new Date('2026-12-02T12:00:00Z')
const STANDARD = { addonName: 'postgresql-shop-1', plan: 'heroku-postgresql:standard-0' }
const info = (earliest: string, cp = 'On') => ({
  num_bytes: 1,
  info: [
    { name: 'Continuous Protection', values: [cp] },
    { name: 'Rollback', values: [`earliest from ${earliest}`] }
  ]
})
const rollback = (rollbackTo: RollbackTarget) => drillConfig({ method: 'rollback', rollbackTo })

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(DrillError)
    expect((err as Error).message).not.toMatch(/\n/)
    return (err as Error).message
  }
  throw new Error('not refused')
}

describe('planRecovery', () => {
  it('is null for method backup, whatever the plan', () => {
    expect(planRecovery(drillConfig(), { ...STANDARD, plan: 'essential-0' }, null, NOW)).toBeNull()
  })

  it('plans a fork of a Standard database, with the earliest time the info shows', () => {
    const plan = planRecovery(
      drillConfig({ method: 'fork' }),
      STANDARD,
      info('2026-12-01 09:30 UTC'),
      NOW
    )
    expect(plan).toEqual({
      method: 'fork',
      targetTime: null,
      earliest: new Date('2026-12-01T09:30:00Z'),
      windowSeconds: 4 * 86400
    })
  })

  it('resolves rollback-to as a duration before now, or a given UTC time', () => {
    const ago = planRecovery(
      rollback({ mode: 'ago', seconds: 7200, text: '2h' }),
      STANDARD,
      info('2026-12-01 09:30 UTC'),
      NOW
    )
    expect(ago?.targetTime).toEqual(new Date('2026-12-02T10:00:00Z'))
    const at = new Date('2026-12-02T11:15:00Z')
    expect(
      planRecovery(rollback({ mode: 'at', time: at }), STANDARD, null, NOW)?.targetTime
    ).toEqual(at)
  })

  it('refuses an Essential source: it has no Continuous Protection', () => {
    const essential = { ...STANDARD, plan: 'heroku-postgresql:essential-0' }
    expect(
      refusal(() => planRecovery(drillConfig({ method: 'fork' }), essential, null, NOW))
    ).toMatch(/method: fork needs Continuous Protection.*essential-0.*method: backup/)
    // The database info has the last word when it says Continuous Protection is off.
    expect(
      refusal(() =>
        planRecovery(
          drillConfig({ method: 'fork' }),
          STANDARD,
          info('2026-12-01 09:30 UTC', 'Off'),
          NOW
        )
      )
    ).toMatch(/Continuous Protection: Off/)
  })

  it('refuses a copy on a plan without Continuous Protection', () => {
    const config = drillConfig({ method: 'fork', plan: 'essential-1' })
    expect(refusal(() => planRecovery(config, STANDARD, null, NOW))).toMatch(
      /plan essential-1 cannot hold a fork/
    )
  })

  it('refuses a target in the future, beyond the window, or before the earliest time', () => {
    const future = rollback({ mode: 'at', time: new Date('2026-12-02T12:05:00Z') })
    expect(refusal(() => planRecovery(future, STANDARD, null, NOW))).toMatch(/is in the future/)
    const tooFar = rollback({ mode: 'ago', seconds: 5 * 86400, text: '5d' })
    expect(refusal(() => planRecovery(tooFar, STANDARD, null, NOW))).toMatch(
      /5d 0h back, beyond the 4d that standard-0 keeps/
    )
    // Premium keeps a week.
    expect(
      planRecovery(tooFar, { ...STANDARD, plan: 'heroku-postgresql:premium-0' }, null, NOW)
    ).not.toBeNull()
    const early = rollback({ mode: 'at', time: new Date('2026-12-02T09:00:30Z') })
    expect(refusal(() => planRecovery(early, STANDARD, info('2026-12-02 09:00 UTC'), NOW))).toMatch(
      /before the earliest time Heroku can roll postgresql-shop-1 back to \(2026-12-02T09:00 UTC/
    )
    const justAfter = rollback({ mode: 'at', time: new Date('2026-12-02T09:01:00Z') })
    expect(planRecovery(justAfter, STANDARD, info('2026-12-02 09:00 UTC'), NOW)).not.toBeNull()
  })
})

describe('the rollback window and its earliest time', () => {
  it('is 4 days on Standard, a week on Premium, Private and Shield, none elsewhere', () => {
    expect(rollbackWindowSeconds('heroku-postgresql:standard-2')).toBe(4 * 86400)
    for (const plan of ['premium-0', 'private-4', 'shield-9'])
      expect(rollbackWindowSeconds(plan)).toBe(7 * 86400)
    for (const plan of ['essential-0', 'mini', 'basic', 'hobby-dev'])
      expect(rollbackWindowSeconds(plan)).toBeNull()
  })

  it('reads the Rollback line as pg:info shows it, old and new forms', () => {
    expect(earliestRecoveryTime(info('2025-12-19 13:59 UTC'))).toEqual(
      new Date('2025-12-19T13:59:00Z')
    )
    expect(
      earliestRecoveryTime({
        num_bytes: 0,
        info: [{ name: 'Rollback', values: ['from 2013-10-18 20:00 UTC'] }]
      })
    ).toEqual(new Date('2013-10-18T20:00:00Z'))
    expect(
      earliestRecoveryTime({ num_bytes: 0, info: [{ name: 'Rollback', values: ['Unsupported'] }] })
    ).toBeNull()
    expect(earliestRecoveryTime(null)).toBeNull()
  })
})
