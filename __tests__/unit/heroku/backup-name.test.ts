import { describe, expect, it } from '@jest/globals'
import { backupName, type Transfer } from '../../../src/heroku/types.js'

const t = (over: Partial<Transfer>): Transfer => ({
  uuid: 'u',
  num: 1,
  from_type: 'pg_dump',
  to_type: 'gof3r',
  from_name: 'DATABASE',
  to_name: 'BACKUP',
  source_bytes: 0,
  processed_bytes: 0,
  succeeded: true,
  warnings: 0,
  created_at: '',
  started_at: null,
  finished_at: null,
  canceled_at: null,
  ...over
})

describe('backupName (the Heroku CLI rules: a scheduled, b manual, c copy, r restore)', () => {
  it('a = scheduled backup, b = manual backup, c = copy, r = restore; num padded to 3 digits', () => {
    expect(backupName(t({ num: 1, schedule: { uuid: 's' } }))).toBe('a001')
    expect(backupName(t({ num: 42 }))).toBe('b042')
    expect(backupName(t({ num: 42, schedule: null }))).toBe('b042')
    expect(backupName(t({ num: 7, to_type: 'pg_restore' }))).toBe('c007')
    expect(backupName(t({ num: 3, from_type: 'gof3r', to_type: 'pg_restore' }))).toBe('r003')
    expect(backupName(t({ num: 1234 }))).toBe('b1234')
  })
})
