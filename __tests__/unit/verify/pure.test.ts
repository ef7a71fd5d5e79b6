// Pure parts of the verification engine: quoting, the schema diff, checksum SQL and targets.
import { describe, expect, test } from '@jest/globals'
import { asOneQuery, checkErrorText } from '../../../src/verify/checks/check-sql.js'
import { checksumTargets } from '../../../src/verify/checks/hash-plan.js'
import { checksumSql, recordHashIsStable } from '../../../src/verify/checksum.js'
import { diffSchema, integrityFindings } from '../../../src/verify/compare-schema.js'
import {
  mapLimit,
  nameParts,
  objectName,
  qualifiedName,
  quoteIdent
} from '../../../src/verify/sql.js'
import type { SchemaObject, TableCount } from '../../../src/verify/types.js'

describe('quoteIdent', () => {
  test('always quotes and doubles embedded quotes', () => {
    expect(quoteIdent('users')).toBe('"users"')
    expect(quoteIdent('Mixed Case')).toBe('"Mixed Case"')
    expect(quoteIdent('a"b')).toBe('"a""b"')
    expect(quoteIdent('select')).toBe('"select"')
    expect(quoteIdent('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"')
    expect(qualifiedName('Sales Data', 'a.b')).toBe('"Sales Data"."a.b"')
  })
  test('refuses a NUL byte', () => {
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/)
  })
})

describe('objectName', () => {
  test('ordinary names read as before; a part with a dot or a quote is quoted', () => {
    expect(objectName('public', 'orders')).toBe('public.orders')
    expect(objectName('Sales Data', 'Customer Accounts', 'e-mail')).toBe(
      'Sales Data.Customer Accounts.e-mail'
    )
    expect(objectName('a', 'b.c')).toBe('a."b.c"')
    expect(objectName('a.b', 'c')).toBe('"a.b".c')
    expect(objectName('select', 'a"quote')).toBe('select."a""quote"')
  })
  test('two different objects never share a name, and every name reads back into its parts', () => {
    const hostile = [
      ['a', 'b.c'],
      ['a.b', 'c'],
      ['a', 'b', 'c'],
      ['"a', 'b'],
      ['a"', '.b'],
      ['"a.b"', 'c'],
      ['', 'x'],
      ['a', '"."']
    ]
    const names = hostile.map((parts) => objectName(...parts))
    expect(new Set(names).size).toBe(hostile.length)
    for (const [i, name] of names.entries()) expect(nameParts(name)).toEqual(hostile[i])
  })
  test('nameParts refuses what objectName never writes', () => {
    expect(nameParts('a"b.c')).toBeNull()
    expect(nameParts('"a.b')).toBeNull()
    expect(nameParts('"a"b.c')).toBeNull()
  })
})

describe('a custom check', () => {
  const pgError = (message: string, more: Record<string, string> = {}) =>
    Object.assign(new Error(message), { code: '22P02', ...more })
  test('is sent as one query with the extended protocol, a trailing semicolon dropped', () => {
    expect(asOneQuery('select true ; \n')).toEqual({
      text: 'SELECT * FROM (\nselect true\n) AS check_result',
      rowMode: 'array',
      queryMode: 'extended'
    })
  })
  test('its error keeps the names its SQL wrote and loses every other quoted value', () => {
    const sql = 'select "Code"::int > 0 from public.orders'
    expect(checkErrorText(pgError('invalid input syntax for type integer: "SW1A 1AA"'), sql)).toBe(
      'invalid input syntax for type integer: "…"'
    )
    // A value holding quotes is cut to the message's last quote, not at its own first one.
    expect(checkErrorText(pgError('column "Code" of "x" has "O"Brien" "Jr""'), sql)).toBe(
      'column "Code" of "…"'
    )
    expect(checkErrorText(pgError('unterminated "SW1A'), sql)).toBe('unterminated "…')
    // A name is a whole word of the SQL, not a piece of one.
    expect(checkErrorText(pgError('relation "order" does not exist'), sql)).toBe(
      'relation "…" does not exist'
    )
    expect(checkErrorText(pgError('relation "public.orders" does not exist'), sql)).toBe(
      'relation "public.orders" does not exist'
    )
  })
  test('its error raised by code in the database is named by SQLSTATE, its text and DETAIL never shown', () => {
    const raised = pgError('bad code SW1A', {
      code: 'P0001',
      where: 'PL/pgSQL function f() line 1 at RAISE',
      detail: 'Key (code)=(SW1A)'
    })
    expect(checkErrorText(raised, 'select f()')).toBe(
      "raised an error in the database's own code (SQLSTATE P0001); its text is not shown, as it may quote rows"
    )
  })
})

describe('mapLimit', () => {
  test('keeps order and never exceeds the limit', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((r) => setTimeout(r, n * 3))
      inFlight--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30])
    expect(most).toBe(2)
  })
})

const obj = (kind: string, name: string, definition = '', valid?: boolean): SchemaObject =>
  valid === undefined ? { kind, name, definition } : { kind, name, definition, valid }

describe('diffSchema', () => {
  const source = [
    obj('table', 'public.a', 'table'),
    obj('column', 'public.a.id', 'integer NOT NULL'),
    obj('constraint', 'public.a.a_pkey', 'PRIMARY KEY (id)', true),
    obj('index', 'public.a_pkey', 'CREATE UNIQUE INDEX a_pkey ON public.a USING btree (id)', true),
    obj('table', 'public.b', 'table'),
    obj('column', 'public.b.x', 'text'),
    obj('index', 'public.b_broken', 'CREATE INDEX b_broken ON public.b (x)', false),
    obj('extension', 'plpgsql')
  ]

  test('identical schemas: no findings', () => {
    expect(
      diffSchema(
        source.filter((o) => o.valid !== false),
        source.filter((o) => o.valid !== false)
      )
    ).toEqual([])
  })

  test('a missing table is one finding, not one per column; a changed definition names the object', () => {
    const restored = [
      obj('table', 'public.a', 'table'),
      obj('column', 'public.a.id', 'bigint NOT NULL'),
      obj('constraint', 'public.a.a_pkey', 'PRIMARY KEY (id)', true),
      obj(
        'index',
        'public.a_pkey',
        'CREATE UNIQUE INDEX a_pkey ON public.a USING btree (id)',
        true
      ),
      obj('extension', 'plpgsql'),
      obj('extension', 'pg_stat_statements'),
      obj('view', 'public.extra', 'SELECT 1')
    ]
    const findings = diffSchema(source, restored)
    expect(findings.map((f) => `${f.severity} ${f.object}: ${f.message}`)).toEqual([
      'mismatch public.a.id: column differs: source `integer NOT NULL`, restored `bigint NOT NULL`',
      'mismatch public.b: table missing from the restore',
      'warning public.b_broken: index is invalid in the source and so not in the backup (pg_dump leaves out invalid indexes)',
      'info pg_stat_statements: extension in the restore but not in the source',
      'mismatch public.extra: view in the restore but not in the source'
    ])
  })

  test('another extension version in the restore is a warning naming both versions', () => {
    const withVersion = (v: string) => [obj('extension', 'postgis', `version ${v}`)]
    expect(diffSchema(withVersion('3.1.4'), withVersion('3.1.4'))).toEqual([])
    expect(diffSchema(withVersion('3.1.4'), withVersion('3.4.2'))).toEqual([
      {
        check: 'schema',
        object: 'postgis',
        message:
          'extension version 3.1.4 in the source, version 3.4.2 in the restore (a fresh database installs the version it offers now): test the app against it before relying on a restore',
        severity: 'warning'
      }
    ])
    expect(diffSchema(withVersion('3.1.4'), [])[0].severity).toBe('mismatch')
  })

  test('validity is not part of the diff; the integrity check reports it', () => {
    const restored = source.map((o) => (o.kind === 'constraint' ? { ...o, valid: false } : o))
    expect(diffSchema(source, restored)).toEqual([])
    expect(integrityFindings(source, restored)).toEqual([
      {
        check: 'integrity',
        object: 'public.a.a_pkey',
        message: 'constraint is not validated (NOT VALID) in the restore',
        severity: 'mismatch'
      },
      {
        check: 'integrity',
        object: 'public.b_broken',
        message: 'index is not valid in the restore, as in the source',
        severity: 'warning'
      }
    ])
  })
})

describe('checksumSql', () => {
  test('hashes the columns in name order, quoted, from ONLY the table unless asked', () => {
    const text = checksumSql('Sales Data', 'T"1', ['b', 'a"x', 'A'], true)
    expect(text).toContain('ROW(r."A", r."a""x", r."b")::text')
    expect(text).toContain('FROM ONLY "Sales Data"."T""1" AS r')
    expect(text).toMatch(/sum\(\('x' \|\| substr\(h, 1, 16\)\)::bit\(64\)::bigint\)/)
    expect(text).toMatch(/substr\(h, 17, 16\)/)
    expect(checksumSql('s', 't', ['a'], false)).toContain('FROM "s"."t" AS r')
  })
})

describe('record hashing', () => {
  test('hashes the row with hash_record_extended, summed by sum(bigint) without a numeric cast', () => {
    const text = checksumSql('s', 't', ['b', 'a'], true, 'record')
    expect(text).toContain('sum(pg_catalog.hash_record_extended(ROW(r."a", r."b"), 0))')
    expect(text).toContain('FROM ONLY "s"."t" AS r')
  })

  const column = (typname: string, more: Record<string, unknown> = {}) => ({
    attname: 'c',
    nspname: 'pg_catalog',
    typname,
    typtype: 'b',
    deterministic: true,
    ...more
  })
  test('is used only when every column hashes the same on any server', () => {
    expect(recordHashIsStable([column('int8'), column('text'), column('jsonb')])).toBe(true)
    expect(recordHashIsStable([column('int4range', { typtype: 'r' })])).toBe(true)
    // enums and OID-based types hash by OID, which a restore changes
    expect(recordHashIsStable([column('mood', { typtype: 'e', nspname: 'public' })])).toBe(false)
    expect(recordHashIsStable([column('regclass')])).toBe(false)
    expect(recordHashIsStable([column('oid')])).toBe(false)
    // user-defined types and nondeterministic collations
    expect(recordHashIsStable([column('pair', { typtype: 'c', nspname: 'public' })])).toBe(false)
    expect(recordHashIsStable([column('citext', { nspname: 'public' })])).toBe(false)
    expect(recordHashIsStable([column('text', { deterministic: false })])).toBe(false)
  })
})

describe('checksumTargets', () => {
  const counted = [
    { table: 'public.users', schema: 'public', name: 'users' },
    { table: 'Sales Data.Orders', schema: 'Sales Data', name: 'Orders' },
    { table: 'public.ev_2024', schema: 'public', name: 'ev_2024' }
  ].map((t) => ({ ...t, rows: 0, inserted: 0, deleted: 0 })) as TableCount[]

  test("'*' is every counted table", () => {
    expect(checksumTargets(['*'], counted, []).targets.map((t) => t.table)).toEqual(
      counted.map((t) => t.table)
    )
  })

  test('names with and without schema, partitioned parents, and unknown names', () => {
    const { targets, unknown } = checksumTargets(
      ['users', 'Sales Data.Orders', 'public.ev', 'nope'],
      counted,
      [{ schema: 'public', name: 'ev' }]
    )
    expect(targets.map((t) => [t.table, t.only])).toEqual([
      ['public.users', true],
      ['Sales Data.Orders', true],
      ['public.ev', false]
    ])
    expect(unknown).toEqual(['nope'])
  })
})
