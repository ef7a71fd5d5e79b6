// alignAcrossMajors (pure): what is representation across majors is taken out; nothing else is.
import { describe, expect, it } from '@jest/globals'
import { alignAcrossMajors, diffSchema } from '../../../src/verify/compare-schema.js'
import type { SchemaObject } from '../../../src/verify/types.js'

const column = (name: string, definition: string): SchemaObject => ({
  kind: 'column',
  name,
  definition
})
const notNullRow = (name: string): SchemaObject => ({
  kind: 'constraint',
  name,
  definition: 'NOT NULL id',
  valid: true,
  columnNotNull: true
})

describe('alignAcrossMajors', () => {
  const source15 = [column('s.t.id', 'integer NOT NULL')]
  const copy18 = [column('s.t.id', 'integer NOT NULL'), notNullRow('s.t.t_id_not_null')]

  it("leaves PostgreSQL 18's NOT NULL constraint rows to the column's NOT NULL", () => {
    const aligned = alignAcrossMajors(source15, copy18)
    expect(diffSchema(aligned.source, aligned.restored)).toEqual([])
    expect(aligned.notNullConstraints).toBe(1)
    // On one major the same rows are compared as today: an extra row is a mismatch.
    expect(diffSchema(source15, copy18).map((f) => f.severity)).toEqual(['mismatch'])
  })

  it('still sees a NOT NULL dropped on the copy', () => {
    const aligned = alignAcrossMajors(source15, [column('s.t.id', 'integer')])
    expect(diffSchema(aligned.source, aligned.restored).map((f) => f.object)).toEqual(['s.t.id'])
  })

  it('judges equal a definition whose form is equal, or a view the copy said means the same', () => {
    const domain = (definition: string, form?: string): SchemaObject => ({
      kind: 'domain',
      name: 's.d',
      definition,
      ...(form ? { form } : {})
    })
    const view = (definition: string): SchemaObject => ({ kind: 'view', name: 's.v', definition })
    const aligned = alignAcrossMajors(
      [domain('integer NOT NULL'), view('SELECT t.id FROM s.t;')],
      [
        domain('integer NOT NULL CONSTRAINT d_not_null NOT NULL', 'integer NOT NULL'),
        view('SELECT id FROM s.t;')
      ],
      new Set(['view\u0000s.v'])
    )
    expect(diffSchema(aligned.source, aligned.restored)).toEqual([])
    expect(aligned.judgedEqual).toEqual(['domain s.d', 'view s.v'])
  })

  it('does not judge equal a view the copy did not vouch for', () => {
    const view = (definition: string): SchemaObject => ({ kind: 'view', name: 's.v', definition })
    const aligned = alignAcrossMajors([view('SELECT t.id FROM s.t;')], [view('SELECT 1;')])
    expect(diffSchema(aligned.source, aligned.restored).map((f) => f.severity)).toEqual([
      'mismatch'
    ])
    expect(aligned.judgedEqual).toEqual([])
  })
})
