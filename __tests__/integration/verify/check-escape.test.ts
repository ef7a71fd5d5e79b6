// A custom check runs the user's SQL on the restored copy, read-only, and judges one value. Attacks
// on that promise, against a real server: statements after a COMMIT in the same check, statements
// that read-only transactions let through (COPY TO PROGRAM, large-object writes), and errors that
// would carry a row's value into the summary and the report.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import { runCustomCheck } from '../../../src/verify/checks/custom.js'
import { countTables, snapshotSource } from '../../../src/verify/snapshot.js'
import { verifyRestore } from '../../../src/verify/verify.js'
import { createDatabase, dropDatabase, options, restoredPool, sql } from './helpers.js'

// One customer row whose values must never leave the database.
const SETUP = `
  CREATE TABLE item (id int PRIMARY KEY, postcode text, city text, phone text);
  CREATE SEQUENCE s;
  CREATE FUNCTION raise_code() RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'bad postcode %', (SELECT postcode FROM item); END $$;
  CREATE FUNCTION raise_as_message() RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION USING MESSAGE = (SELECT city FROM item); END $$;
  CREATE FUNCTION raise_duplicate() RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN RAISE unique_violation USING
         MESSAGE = format('duplicate key value violates unique constraint "item_postcode_key" (%s)', (SELECT postcode FROM item)),
         DETAIL = format('Key (postcode)=(%s) already exists.', (SELECT postcode FROM item)); END $$;
  CREATE PROCEDURE commit_inside() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;`
const ROW_VALUES = ['SW1A', '1AA', 'estminster', '4420794600000']

let name: string
let pool: pg.Pool
let largeObject: number
let outside: string

beforeAll(async () => {
  name = await createDatabase('check_escape')
  await sql(name, SETUP)
  pool = restoredPool(name, 1)
  const { rows } = await pool.query<{ oid: number }>(`SELECT lo_from_bytea(0, 'abc') AS oid`)
  largeObject = rows[0].oid
  // A directory the server's own user may write to: a program or a COPY writing there would show.
  outside = mkdtempSync(join(tmpdir(), 'check-escape-'))
  chmodSync(outside, 0o777)
})

// Each test starts from the one row, whatever an earlier test (or the code before a fix) did to it.
beforeEach(async () => {
  await sql(
    name,
    `INSERT INTO item VALUES (1, 'SW1A 1AA', 'Westminster', '4420794600000') ON CONFLICT DO NOTHING`
  )
})

afterAll(async () => {
  await pool?.end()
  if (name) await dropDatabase(name)
  if (outside) rmSync(outside, { recursive: true, force: true })
})

const check = (sqlText: string) => runCustomCheck(pool, { name: 'c', sql: sqlText })

async function itemState(): Promise<string> {
  const { rows } = await pool.query<{ state: string }>(
    `SELECT (SELECT string_agg(id || ':' || postcode, ',') FROM item)
            || ' seq ' || (SELECT last_value FROM s)
            || ' lo ' || (SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_largeobject_metadata)
            || ' ' || encode(lo_get(${largeObject}), 'escape') AS state`
  )
  return rows[0].state
}

describe('a check cannot write', () => {
  test('statements after a COMMIT in the same check are refused by the server, not run', async () => {
    const unchanged = await itemState()
    for (const escape of [
      'select true; COMMIT; DELETE FROM item',
      'select true) s; COMMIT; DELETE FROM item; select (1',
      `select true; COMMIT; SELECT lo_unlink(${largeObject}) = 1`
    ]) {
      expect(await check(escape)).toMatch(/^failed: /)
    }
    expect(await itemState()).toBe(unchanged)
  })

  test('a check is one query: COPY TO PROGRAM, COPY TO a file, CALL and DO never run', async () => {
    const program = join(outside, 'program-ran')
    const copied = join(outside, 'copied')
    for (const statement of [
      `COPY (SELECT postcode FROM item) TO PROGRAM 'touch ${program}'`,
      `COPY (SELECT postcode FROM item) TO '${copied}'`,
      'CALL commit_inside()',
      'DO $$ BEGIN PERFORM lo_create(0); END $$'
    ]) {
      expect(await check(statement)).toMatch(/^failed: .*a check is one query/)
    }
    expect(existsSync(program)).toBe(false)
    expect(existsSync(copied)).toBe(false)
  })

  test('large-object writes, which a read-only transaction lets through, are rolled back', async () => {
    const unchanged = await itemState()
    // Each of these writes inside the check's READ ONLY transaction on PostgreSQL 15.
    for (const write of [
      'select lo_create(0) is not null',
      `select lo_from_bytea(0, 'x') is not null`,
      `select lo_import('/etc/hostname') is not null`,
      `select lo_unlink(${largeObject}) = 1`,
      `select lowrite(lo_open(${largeObject}, 131072), 'zzz') = 3`,
      `select count(*) = 1 from (select lo_put(${largeObject}, 0, 'yy')) p`
    ]) {
      expect(await check(write)).toBeNull()
    }
    expect(await itemState()).toBe(unchanged)
  })

  test('writes a read-only transaction refuses stay refused, and change nothing', async () => {
    const unchanged = await itemState()
    for (const write of [
      'CREATE TABLE x (id int)',
      `UPDATE item SET postcode = 'x' RETURNING true`,
      `select nextval('s') > 0`,
      `select setval('s', 99) > 0`,
      'with d as (delete from item returning 1) select count(*) = 0 from d',
      'select true from item for update'
    ]) {
      expect(await check(write)).toMatch(/^failed: /)
    }
    expect(await itemState()).toBe(unchanged)
  })

  test('ordinary queries still pass: a trailing semicolon, comments, VALUES, WITH', async () => {
    for (const query of [
      'select count(*) = 1 from item;',
      'select true -- a comment at the end',
      '/* first */ select exists (select 1 from item) ; ',
      'values (true)',
      'with n as (select count(*) as c from item) select c = 1 from n'
    ]) {
      expect(await check(query)).toBeNull()
    }
  })
})

describe("a check's error carries no row value", () => {
  test.each([
    ['a cast of a row value', 'select postcode::int > 0 from item'],
    ['a date cast', `select (postcode || '-01')::date is null from item`],
    ['a value out of range', 'select phone::int > 0 from item'],
    ['JSON (the value is in DETAIL and CONTEXT)', 'select postcode::json is not null from item'],
    ['a row value used as a table name', 'select city::regclass is null from item'],
    ['RAISE with the value in the text', 'select raise_code()'],
    ['RAISE USING MESSAGE = the value', 'select raise_as_message()'],
    ['a unique violation raised with DETAIL', 'select raise_duplicate()']
  ])('%s', async (_label, sqlText) => {
    const problem = await check(sqlText)
    expect(problem).toMatch(/^failed: /)
    for (const value of ROW_VALUES) expect(problem).not.toContain(value)
  })

  test('a raised error says so, with its SQLSTATE, and withholds the text', async () => {
    expect(await check('select raise_duplicate()')).toMatch(/SQLSTATE 23505/)
    expect(await check('select raise_code()')).toMatch(/raised .*SQLSTATE P0001/)
  })

  test("names the check's own SQL wrote stay readable", async () => {
    expect(await check('select count(*) > 0 from no_such_table')).toMatch(
      /relation "no_such_table" does not exist/
    )
    expect(await check('select postcode::int > 0 from item')).toMatch(
      /invalid input syntax for type integer: "…"/
    )
  })

  test('the summary and the report hold none of them', async () => {
    const before = await snapshotSource(pool, { parallelism: 1 })
    const verification = await verifyRestore({
      source: pool,
      restored: pool,
      before,
      after: await countTables(pool),
      restoreLogs: [],
      options: options({
        checks: [
          { name: 'cast', sql: 'select postcode::int > 0 from item' },
          { name: 'json', sql: 'select postcode::json is not null from item' },
          { name: 'raise', sql: 'select raise_as_message()' }
        ]
      })
    })
    expect(verification.findings.filter((f) => f.check === 'custom')).toHaveLength(3)
    const serialised = JSON.stringify(verification)
    for (const value of ROW_VALUES) expect(serialised).not.toContain(value)
  })
})
