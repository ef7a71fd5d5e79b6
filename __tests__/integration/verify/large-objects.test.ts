// Large objects and materialized views on real PostgreSQL: a restore that loses a large object or
// changes its content is caught; a materialized view's rows are counted, one created WITH NO DATA
// is noted, never an error.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { countTables, snapshotSource } from '../../../src/verify/snapshot.js'
import type { Verification } from '../../../src/verify/types.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import {
  createDatabase,
  dropDatabase,
  dumpAndRestore,
  options,
  restoredPool,
  sourcePool,
  sql
} from './helpers.js'

// One object larger than a 1 MiB slice, one empty, one small; a view populated, one not.
const SETUP = `
  CREATE TABLE documents (id int PRIMARY KEY, body oid);
  INSERT INTO documents VALUES
    (1, lo_from_bytea(0, convert_to(repeat('page ', 300000), 'UTF8'))),
    (2, lo_from_bytea(0, ''::bytea)),
    (3, lo_from_bytea(0, '\\x00ff10'::bytea));
  CREATE MATERIALIZED VIEW document_ids AS SELECT id FROM documents;
  CREATE MATERIALIZED VIEW later_report AS SELECT id FROM documents WITH NO DATA;
`

let sourceName: string
const created: string[] = []

beforeAll(async () => {
  sourceName = await createDatabase('verify_lo_src')
  await sql(sourceName, SETUP)
})

afterAll(async () => {
  for (const name of [sourceName, ...created]) if (name) await dropDatabase(name)
})

async function drill(damage: string | null): Promise<Verification> {
  const source = sourcePool(sourceName)
  const target = await createDatabase('verify_lo_dst')
  created.push(target)
  try {
    const before = await snapshotSource(source, { parallelism: 2 })
    const logs = dumpAndRestore(sourceName, target)
    if (damage) await sql(target, damage)
    const after = await countTables(source, { parallelism: 2 })
    const restored = restoredPool(target)
    try {
      return await verifyRestore({
        source,
        restored,
        before,
        after,
        restoreLogs: logs,
        options: options()
      })
    } finally {
      await restored.end()
    }
  } finally {
    await source.end()
  }
}

const check = (v: Verification, id: string) => v.checks.find((c) => c.id === id)

describe('large objects and materialized views', () => {
  test('a faithful restore passes: large objects match, views counted, the unpopulated one noted', async () => {
    const v = await drill(null)
    expect(v.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(v.passed).toBe(true)
    expect(check(v, 'large-objects')).toMatchObject({
      status: 'passed',
      detail: '3 large objects, content matches'
    })
    expect(check(v, 'matviews')?.detail).toBe(
      '1 populated materialized view counted, counts match; 1 not populated in the source'
    )
    expect(v.findings).toContainEqual(
      expect.objectContaining({
        check: 'matviews',
        object: 'public.later_report',
        severity: 'info'
      })
    )
  })

  test('a large object lost in the restore is caught', async () => {
    const v = await drill('SELECT lo_unlink(body) FROM documents WHERE id = 3')
    expect(v.passed).toBe(false)
    expect(v.findings.filter((f) => f.severity === 'mismatch')).toEqual([
      expect.objectContaining({
        check: 'large-objects',
        message: expect.stringMatching(/source 3, restored 2/)
      })
    ])
  })

  test('one byte changed deep inside a large object (past the first slice) is caught', async () => {
    const v = await drill(
      `SELECT lo_put(body, 1200000, '\\x21'::bytea) FROM documents WHERE id = 1`
    )
    expect(v.passed).toBe(false)
    expect(v.findings.filter((f) => f.severity === 'mismatch')).toEqual([
      expect.objectContaining({
        check: 'large-objects',
        message: expect.stringMatching(/same count, different content/)
      })
    ])
  })

  test('large objects written on the source since the snapshot: a difference is drift, not a loss', async () => {
    const source = sourcePool(sourceName)
    const target = await createDatabase('verify_lo_dst')
    created.push(target)
    try {
      const before = await snapshotSource(source, { parallelism: 2 })
      const logs = dumpAndRestore(sourceName, target)
      await sql(sourceName, `INSERT INTO documents VALUES (4, lo_from_bytea(0, 'new'::bytea))`)
      const after = await countTables(source, { parallelism: 2 })
      const restored = restoredPool(target)
      try {
        const v = await verifyRestore({
          source,
          restored,
          before,
          after,
          restoreLogs: logs,
          options: options()
        })
        expect(v.findings.find((f) => f.check === 'large-objects')?.severity).toBe('warning')
      } finally {
        await restored.end()
      }
    } finally {
      await sql(
        sourceName,
        'SELECT lo_unlink(body) FROM documents WHERE id = 4; DELETE FROM documents WHERE id = 4'
      )
      await source.end()
    }
  })

  test('a populated view left unpopulated by the restore is a mismatch', async () => {
    // As when the view's REFRESH fails during pg_restore.
    const v = await drill('REFRESH MATERIALIZED VIEW document_ids WITH NO DATA')
    expect(v.findings).toContainEqual(
      expect.objectContaining({
        check: 'matviews',
        object: 'public.document_ids',
        severity: 'mismatch'
      })
    )
  })
})
