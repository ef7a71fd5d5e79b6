/**
 * Issue 25 #7: a capture never pushes out one of the team's manual backups: on every plan
 * (Essential's limit is read from Heroku's num_keep), counting captures still running (two drills
 * started together), and refusing when the limit cannot be known.
 */
import { describe, expect, test } from '@jest/globals'
import { refuseCaptureThatEvicts } from '../../src/rules/backup-slots.js'
import type { Transfer } from '../../src/heroku/types.js'

function manual(num: number, extra: Partial<Transfer> = {}): Transfer {
  const at = new Date(Date.parse('2026-12-01T00:00:00Z') + num * 60_000).toISOString()
  return {
    uuid: `u-${num}`,
    num,
    from_type: 'pg_dump',
    to_type: 'gof3r',
    from_name: 'DATABASE',
    to_name: 'BACKUP',
    schedule: null,
    source_bytes: 1,
    processed_bytes: 1,
    succeeded: true,
    warnings: 0,
    num_keep: 5,
    created_at: at,
    started_at: at,
    finished_at: at,
    canceled_at: null,
    ...extra
  }
}
const running = (num: number) => manual(num, { finished_at: null, succeeded: null })
const refusal = (plan: string, backups: Transfer[]) => {
  try {
    refuseCaptureThatEvicts('shop', plan, backups)
    return null
  } catch (err) {
    return (err as Error).message
  }
}

describe('refuseCaptureThatEvicts', () => {
  test('Essential at its num_keep limit is refused, naming the backup that would go', () => {
    const five = [1, 2, 3, 4, 5].map((n) => manual(n))
    expect(refusal('heroku-postgresql:essential-0', five)).toMatch(
      /a capture would expire backup b001 .*keeps 5 manual backups on essential-0 and has 5/
    )
    expect(refusal('heroku-postgresql:essential-0', five.slice(1))).toBeNull()
  })

  test('a capture still running (another drill) takes a slot: refused at limit less one', () => {
    const backups = [...[1, 2, 3, 4].map((n) => manual(n)), running(5)]
    expect(refusal('heroku-postgresql:essential-0', backups)).toMatch(
      /keeps 5 manual backups .* has 4 and 1 capture running/
    )
    const standard = [...Array.from({ length: 24 }, (_, i) => manual(i + 1)), running(25)]
    expect(refusal('heroku-postgresql:standard-0', standard)).toMatch(/keeps 25 manual backups/)
  })

  test('manual backups and no known limit: refused (it cannot know the capture is safe); none: allowed', () => {
    const unknown = [manual(1, { num_keep: undefined })]
    expect(refusal('heroku-postgresql:essential-0', unknown)).toMatch(
      /how many manual backups essential-0 keeps is not known/
    )
    expect(refusal('heroku-postgresql:essential-0', [])).toBeNull()
  })
})
