// Damage faults on every ordinary column type, and a damage that cannot be applied fails the
// restore loudly (with its reason) instead of passing as if it had happened.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import { appName, client, query, sim, waitAddon, waitTransfer, type Client } from './helpers.js'

// One table per type: `id` (the key) and `v`, the only column a damage may change.
const TYPES: [string, string, string][] = [
  ['int_array', 'int[]', `'{1,2}', '{}'`],
  ['text_array', 'text[]', `'{a,b}', '{c}'`],
  ['jsonb_col', 'jsonb', `'{"a": 1}', '[]'`],
  ['json_col', 'json', `'{"a": 1}', 'null'`],
  ['enum_col', 'mood', `'happy', 'sad'`],
  ['domain_int', 'positive', `5, 7`],
  ['domain_text', 'short_text', `'abc', 'de'`],
  ['bytea_col', 'bytea', `'\\x0102', ''`],
  ['int_range', 'int4range', `'[1,5)', 'empty'`],
  ['ts_range', 'tstzrange', `'[2024-01-01,2024-02-01)', '(,)'`],
  ['multi_range', 'int4multirange', `'{[1,3)}', '{}'`],
  ['numeric_col', 'numeric(10,2)', `1.50, 0`],
  ['bool_col', 'boolean', `true, false`],
  ['date_col', 'date', `'2024-01-01', '2024-12-31'`],
  ['tstz_col', 'timestamptz', `'2024-01-01 10:00+00', now()`],
  ['uuid_col', 'uuid', `gen_random_uuid(), gen_random_uuid()`],
  ['varchar_col', 'varchar(3)', `'abc', ''`],
  ['char_col', 'char(3)', `'ab', 'xyz'`],
  ['interval_col', 'interval', `'1 day', '0'`],
  ['inet_col', 'inet', `'10.0.0.1', '::1'`],
  ['bit_col', 'bit(4)', `'1010', '0000'`],
  ['tsvector_col', 'tsvector', `'a b', ''`],
  ['point_col', 'point', `'(1,2)', '(0,0)'`],
  ['enum_array', 'mood[]', `'{happy}', '{}'`]
]

const SQL = [
  `create type mood as enum ('happy', 'sad', 'calm');`,
  `create domain positive as int check (value > 0);`,
  `create domain short_text as text check (length(value) < 10);`,
  ...TYPES.map(
    ([t, type, values]) =>
      `create table ${t} (id int primary key, v ${type});` +
      `insert into ${t} (id, v) values ${values
        .split(', ')
        .map((v, i) => `(${i + 1}, ${v})`)
        .join(', ')};`
  ),
  // A generated column is never the one changed: its input is.
  `create table generated_col (id int primary key, a int, g int generated always as (a * 2) stored);`,
  `insert into generated_col (id, a) values (1, 10), (2, 20);`,
  `create table parted (id int, v text) partition by range (id);`,
  `create table parted_1 partition of parted for values from (0) to (10);`,
  `create table parted_2 partition of parted for values from (10) to (20);`,
  `insert into parted values (1, 'a'), (11, 'b');`,
  `create table only_key (id int primary key); insert into only_key values (1);`,
  `create table two_rows (id int primary key, v text); insert into two_rows values (1, 'a'), (2, 'b');`,
  `create sequence unused_seq;`
].join('\n')

describe('damage faults on every column type', () => {
  let s: Simulator
  let c: Client
  let app: SimApp

  beforeAll(async () => {
    s = await sim()
    c = client(s)
    app = await s.createApp(appName('dmg'), { sql: SQL })
  })
  afterAll(async () => {
    await s?.close()
  })

  /** Restores backup a001 onto a fresh add-on; the finished transfer and the restored URL. */
  async function restore(): Promise<{ t: any; url: string }> {
    const add = await c.post(`/apps/${app.name}/addons`, { plan: 'heroku-postgresql:essential-0' })
    await waitAddon(c, app.name, add.body.id)
    const backup = (await c.get(`/client/v11/apps/${app.name}/transfers/1`)).body
    const r = await c.post(`/client/v11/databases/${add.body.id}/restores`, {
      backup_url: backup.to_url
    })
    const t = await waitTransfer(c, app.name, r.body.uuid)
    const vars = (await c.get(`/apps/${app.name}/config-vars`)).body
    return { t, url: vars[add.body.config_vars[0]] }
  }

  const rows = (url: string, table: string, cols = 'v') =>
    query(url, `select id, (${cols})::text as v from ${table} order by id`)

  it('restore-alter-row changes exactly one value of each type; generated columns are left alone', async () => {
    const tables = [...TYPES.map(([t]) => t), 'generated_col']
    s.armFaults(tables.map((table) => ({ kind: 'restore-alter-row' as const, table })))
    const { t, url } = await restore()
    expect(t.succeeded).toBe(true)
    for (const table of TYPES.map(([name]) => name)) {
      const before = await rows(app.databaseUrl, table)
      const after = await rows(url, table)
      const changed = after.filter((r, i) => r.v !== before[i].v)
      expect([table, after.length, changed.length]).toEqual([table, before.length, 1])
    }
    const gen = await rows(url, 'generated_col', `a || ':' || g`)
    expect(gen.filter((r) => !['10:20', '20:40'].includes(r.v))).toHaveLength(1)
    const events = (await c.get('/__sim/faults')).body.events
    expect(events.filter((e: any) => e.error)).toEqual([])
    expect(events.find((e: any) => e.fault.table === 'generated_col').detail).toMatch(
      /changed column a /
    )
  })

  it('restore-delete-rows deletes from a partitioned table exactly the rows asked for', async () => {
    s.armFaults({ kind: 'restore-delete-rows', table: 'parted', count: 1 })
    const { t, url } = await restore()
    expect(t.succeeded).toBe(true)
    expect(await rows(url, 'parted')).toHaveLength(1)
  })

  it('a damage that cannot be applied fails the restore with the reason', async () => {
    s.armFaults([
      { kind: 'restore-alter-row', table: 'only_key' },
      { kind: 'restore-delete-rows', table: 'two_rows', count: 5 },
      { kind: 'restore-reset-sequence', sequence: 'unused_seq' },
      { kind: 'restore-drop-table', table: 'no_such_table' }
    ])
    const { t } = await restore()
    expect(t.succeeded).toBe(false)
    const errors = t.logs.filter((l: any) => l.level === 'error').map((l: any) => l.message)
    expect(errors).toEqual([
      expect.stringMatching(
        /damage fault restore-alter-row could not be applied: only_key has no column outside its unique keys/
      )
    ])
    const events = (await c.get('/__sim/faults')).body.events.slice(-4)
    expect(events.map((e: any) => [e.fault.kind, e.error])).toEqual([
      ['restore-alter-row', true],
      ['restore-delete-rows', true],
      ['restore-reset-sequence', true],
      ['restore-drop-table', true]
    ])
    expect(events[1].detail).toMatch(/two_rows had 2 rows, fewer than the 5 to delete/)
    expect(events[2].detail).toMatch(/still at its start value/)
    expect(events[3].detail).toMatch(/does not exist/)
  })
})
