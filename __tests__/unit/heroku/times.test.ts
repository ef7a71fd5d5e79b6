// The client reads Heroku's values as they look over time: data-API times like
// `2020-12-13 16:22:40 +0000`, nulls while a transfer runs, Essential info without a version.
import { describe, expect, it } from '@jest/globals'
import { normalizeDatabaseInfo, normalizeTransfer } from '../../../src/heroku/data.js'
import { parseHerokuTime, toIsoTime } from '../../../src/heroku/times.js'
import { transferSeconds, type Transfer } from '../../../src/heroku/types.js'

const running: Transfer = {
  uuid: 'b2a5d3a4-0c8e-4f43-9d1d-1d1f3c0f2a10',
  num: 7,
  from_type: 'pg_dump',
  to_type: 'gof3r',
  from_name: 'DATABASE',
  to_name: 'BACKUP',
  source_bytes: null,
  processed_bytes: 0,
  succeeded: null,
  warnings: 0,
  created_at: '2020-12-13 16:22:40 +0000',
  started_at: null,
  updated_at: null,
  finished_at: null,
  canceled_at: null
}

describe('Heroku times', () => {
  it('parses both formats to the same instant', () => {
    const ms = Date.UTC(2020, 11, 13, 16, 22, 40)
    expect(parseHerokuTime('2020-12-13 16:22:40 +0000')).toBe(ms)
    expect(parseHerokuTime('2020-12-13T16:22:40Z')).toBe(ms)
    expect(parseHerokuTime('2020-12-13 18:22:40 +0200')).toBe(ms)
    expect(parseHerokuTime('yesterday')).toBeNaN()
  })

  it('converts to ISO 8601, keeping null and an unreadable text', () => {
    expect(toIsoTime('2020-12-13 16:22:40 +0000')).toBe('2020-12-13T16:22:40.000Z')
    expect(toIsoTime(null)).toBeNull()
    expect(toIsoTime('soon')).toBe('soon')
  })
})

describe('transfers as the client returns them', () => {
  it('keeps succeeded, started_at and source_bytes null while a transfer runs; times become ISO', () => {
    const t = normalizeTransfer({
      ...running,
      logs: [{ created_at: '2020-12-13 16:22:41 +0000', level: 'info', message: 'x' }]
    })
    expect(t).toMatchObject({
      succeeded: null,
      started_at: null,
      updated_at: null,
      source_bytes: null,
      created_at: '2020-12-13T16:22:40.000Z'
    })
    expect(t.logs?.[0].created_at).toBe('2020-12-13T16:22:41.000Z')
    expect(transferSeconds(t)).toBeNull()
  })

  it('measures a finished transfer from started_at, or from created_at when started_at is null', () => {
    const finished = normalizeTransfer({
      ...running,
      succeeded: true,
      started_at: '2020-12-13 16:22:45 +0000',
      finished_at: '2020-12-13 16:24:45 +0000'
    })
    expect(transferSeconds(finished)).toBe(120)
    expect(transferSeconds({ ...finished, started_at: null })).toBe(125)
    expect(transferSeconds({ ...finished, finished_at: 'garbled' })).toBeNull()
  })
})

describe('database info', () => {
  it('reads the Essential tier’s missing postgres_version from info[] "PG Version"', () => {
    const info = normalizeDatabaseInfo({
      num_bytes: 8000,
      info: [
        { name: 'Plan', values: ['Essential 0'] },
        { name: 'PG Version', values: ['16.4'] }
      ]
    })
    expect(info.postgres_version).toBe('16.4')
    expect(info.num_tables).toBeUndefined()
    expect(normalizeDatabaseInfo({ num_bytes: 1, postgres_version: '15' }).postgres_version).toBe(
      '15'
    )
    expect(normalizeDatabaseInfo({ num_bytes: 1 }).postgres_version).toBeUndefined()
  })
})
