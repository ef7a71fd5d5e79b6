// Every input is validated before anything happens; a bad one is refused with one line naming it.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { InputError, readConfig, settingsOf } from '../../src/inputs.js'

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean }>
}
const TOKEN = 'hrku-secret-token-0123456789abcdef'

/** Inputs as the runner gives them: action.yml defaults, then the workflow's values. */
function inputs(values: Record<string, string> = {}): (name: string) => string {
  const all: Record<string, string> = { app: 'my-app', 'heroku-api-key': TOKEN }
  for (const [name, input] of Object.entries(action.inputs)) {
    if (!(name in all)) all[name] = input.default ?? ''
  }
  Object.assign(all, values)
  return (name) => {
    if (!(name in action.inputs)) throw new Error(`readConfig asked for undeclared input ${name}`)
    return all[name] ?? ''
  }
}

function refusal(values: Record<string, string>): InputError {
  try {
    readConfig(inputs(values))
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error(`accepted ${JSON.stringify(values)}`)
}

/** The message is one line, names the input first, gives an example, and never shows the token. */
function expectRefused(
  values: Record<string, string>,
  input: string,
  ...fragments: (string | RegExp)[]
) {
  const error = refusal(values)
  expect(error.input).toBe(input)
  expect(error.message).not.toMatch(/[\r\n]/)
  expect(error.message.startsWith(`Input "${input}" `)).toBe(true)
  expect(error.message).toMatch(/e\.g\. | like /)
  expect(error.message).not.toContain(TOKEN)
  for (const fragment of fragments) expect(error.message).toMatch(fragment)
  return error.message
}

describe('readConfig: defaults', () => {
  it('parses the action.yml defaults into a DrillConfig', () => {
    expect(readConfig(inputs())).toEqual({
      app: 'my-app',
      apiKey: TOKEN,
      database: 'DATABASE_URL',
      backup: { mode: 'capture' },
      plan: 'same',
      maintenance: false,
      canary: false,
      checks: [],
      checksumTables: ['auto'],
      drillApp: { mode: 'auto' },
      method: 'backup',
      rollbackTo: null,
      promote: false,
      keepDatabase: false,
      keepBackup: false,
      maxBackupAgeSeconds: 26 * 3600,
      requireSchedule: true,
      restoreWarnings: 'triage',
      maxRestoreMinutes: null,
      heartbeatUrl: null,
      timeoutMinutes: 120,
      verifyBudgetSeconds: null,
      sourceStatementTimeoutSeconds: 600,
      selfTest: true,
      reportName: 'restore-drill-my-app',
      verifyConnections: 3,
      history: { mode: 'artifacts' },
      maxRowDrop: null,
      githubToken: '',
      dryRun: false,
      privateNetwork: false,
      postgresVersion: 'same',
      targetUrl: null
    })
  })

  it('reads dry-run, private-network and postgres-version', () => {
    const config = readConfig(
      inputs({ 'dry-run': 'true', 'private-network': 'true', 'postgres-version': '17' })
    )
    expect([config.dryRun, config.privateNetwork, config.postgresVersion]).toEqual([true, true, 17])
  })

  it('refuses a postgres-version that is not a supported major, and any with fork', () => {
    expect(expectRefused({ 'postgres-version': '9' }, 'postgres-version')).toBe(
      'Input "postgres-version" must be same or a supported PostgreSQL major (14, 15, 16, 17, 18), e.g. same or 17 (got "9").'
    )
    expectRefused({ 'postgres-version': 'latest' }, 'postgres-version', /must be same/)
    expectRefused(
      { 'postgres-version': '17', method: 'fork' },
      'postgres-version',
      /cannot change the major \(17\)/
    )
  })

  it('reads every input of action.yml, and only those', () => {
    const asked = new Set<string>()
    const get = inputs()
    readConfig((name) => {
      asked.add(name)
      return get(name)
    })
    expect([...asked].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it('applies the defaults itself when a harness passes empty strings', () => {
    const config = readConfig((name) => ({ app: 'my-app', 'heroku-api-key': TOKEN })[name] ?? '')
    expect(config.database).toBe('DATABASE_URL')
    expect(config.backup).toEqual({ mode: 'capture' })
    expect(config.requireSchedule).toBe(true)
    expect(config.timeoutMinutes).toBe(120)
    expect(config.verifyConnections).toBe(3)
    expect(config.maxBackupAgeSeconds).toBeNull() // empty means no limit
  })

  it('trims whitespace around values', () => {
    const config = readConfig(
      inputs({ app: '  my-app \n', backup: ' latest ', 'timeout-minutes': ' 30 ' })
    )
    expect(config.app).toBe('my-app')
    expect(config.backup).toEqual({ mode: 'latest' })
    expect(config.timeoutMinutes).toBe(30)
  })
})

describe('readConfig: good values', () => {
  it.each([
    ['DATABASE_URL'],
    ['HEROKU_POSTGRESQL_CYAN_URL'],
    ['CYAN'],
    ['postgresql-shaped-12345']
  ])('database %s', (database) => {
    expect(readConfig(inputs({ database })).database).toBe(database)
  })

  it.each([
    ['capture', { mode: 'capture' }],
    ['latest', { mode: 'latest' }],
    ['Latest', { mode: 'latest' }],
    ['b042', { mode: 'id', id: 'b042' }],
    ['a008', { mode: 'id', id: 'a008' }],
    ['b1234', { mode: 'id', id: 'b1234' }],
    ['B042', { mode: 'id', id: 'b042' }]
  ])('backup %s', (backup, expected) => {
    expect(readConfig(inputs({ backup })).backup).toEqual(expected)
  })

  it.each([
    ['same', 'same'],
    ['essential-0', 'essential-0'],
    ['standard-0', 'standard-0'],
    ['premium-2', 'premium-2'],
    ['private-4', 'private-4'],
    ['shield-0', 'shield-0'],
    ['hobby-dev', 'hobby-dev'],
    ['mini', 'mini'],
    ['heroku-postgresql:standard-0', 'standard-0']
  ])('plan %s', (plan, expected) => {
    expect(readConfig(inputs({ plan })).plan).toBe(expected)
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false]
  ])('boolean %s (YAML 1.2 core schema, like getBooleanInput)', (value, expected) => {
    const config = readConfig(
      inputs({
        maintenance: value,
        canary: value,
        'keep-database': value,
        'require-schedule': value
      })
    )
    expect([
      config.maintenance,
      config.canary,
      config.keepDatabase,
      config.requireSchedule
    ]).toEqual([expected, expected, expected, expected])
  })

  it.each([
    ['90m', 5400],
    ['26h', 93600],
    ['3d', 259200],
    ['', null]
  ])('max-backup-age %s', (value, seconds) => {
    expect(readConfig(inputs({ 'max-backup-age': value })).maxBackupAgeSeconds).toBe(seconds)
  })

  it('numbers at the ends of their ranges', () => {
    expect(readConfig(inputs({ 'timeout-minutes': '1' })).timeoutMinutes).toBe(1)
    expect(readConfig(inputs({ 'timeout-minutes': '360' })).timeoutMinutes).toBe(360)
    expect(readConfig(inputs({ 'max-restore-minutes': '1440' })).maxRestoreMinutes).toBe(1440)
    expect(readConfig(inputs({ 'max-restore-minutes': '30' })).maxRestoreMinutes).toBe(30)
    expect(readConfig(inputs({ 'verify-connections': '1' })).verifyConnections).toBe(1)
    expect(readConfig(inputs({ 'verify-connections': '8' })).verifyConnections).toBe(8)
  })

  it('restore-warnings', () => {
    for (const mode of ['triage', 'strict', 'allow'] as const) {
      expect(readConfig(inputs({ 'restore-warnings': mode })).restoreWarnings).toBe(mode)
    }
  })

  it('checks: one per line, blank lines ignored, SQL may hold colons', () => {
    const checks = readConfig(
      inputs({
        checks: [
          'orders present: select count(*) > 0 from orders',
          '',
          '   ',
          '  recent invoice_1.x-y : select max(created_at)::date >= current_date - 1 from invoices  ',
          "Time check: select now() > '2020-01-01 00:00:00'::timestamptz"
        ].join('\n')
      })
    ).checks
    expect(checks).toEqual([
      { name: 'orders present', sql: 'select count(*) > 0 from orders' },
      {
        name: 'recent invoice_1.x-y',
        sql: 'select max(created_at)::date >= current_date - 1 from invoices'
      },
      { name: 'Time check', sql: "select now() > '2020-01-01 00:00:00'::timestamptz" }
    ])
  })

  it('checks: CRLF line ends', () => {
    expect(readConfig(inputs({ checks: 'a: select 1\r\nb: select 2\r\n' })).checks).toEqual([
      { name: 'a', sql: 'select 1' },
      { name: 'b', sql: 'select 2' }
    ])
  })

  it('checksum-tables: comma or newline separated, public assumed, unquoted names fold to lowercase', () => {
    expect(
      readConfig(
        inputs({
          'checksum-tables': 'Orders, sales.line_items\n  public.orders\n\nbilling.Invoice'
        })
      ).checksumTables
    ).toEqual(['public.orders', 'sales.line_items', 'billing.invoice'])
  })

  it('checksum-tables: quoted identifiers keep case, spaces, commas, dots and doubled quotes (a part holding a dot or a quote stays quoted)', () => {
    expect(
      readConfig(
        inputs({ 'checksum-tables': '"My Schema"."Odd Table", "a,b".t, "Say ""hi""", "x.y"' })
      ).checksumTables
    ).toEqual(['My Schema.Odd Table', 'a,b.t', 'public."Say ""hi"""', 'public."x.y"'])
  })

  it('checksum-tables: * means every table', () => {
    expect(readConfig(inputs({ 'checksum-tables': '*' })).checksumTables).toEqual(['*'])
    expect(readConfig(inputs({ 'checksum-tables': 'orders, *' })).checksumTables).toEqual(['*'])
  })

  it('drill-app: auto, same, or an app name; not the production app itself', () => {
    expect(readConfig(inputs({})).drillApp).toEqual({ mode: 'auto' })
    expect(readConfig(inputs({ 'drill-app': 'same' })).drillApp).toEqual({ mode: 'same' })
    expect(readConfig(inputs({ 'drill-app': 'shop-drills' })).drillApp).toEqual({
      mode: 'named',
      name: 'shop-drills'
    })
    expectRefused(
      { 'drill-app': 'Not An App' },
      'drill-app',
      /auto, same, or the name of an existing Heroku app/
    )
    expectRefused(
      { 'drill-app': readConfig(inputs({})).app },
      'drill-app',
      /names the production app itself/
    )
    expectRefused({ promote: 'true', maintenance: 'true' }, 'promote', /needs drill-app: same/)
  })

  it('checksum-tables: with maintenance on for a capture, every table is hashed, and the settings say so', () => {
    const quiet = readConfig(inputs({ maintenance: 'true' }))
    expect(quiet.checksumTables).toEqual(['*'])
    expect(settingsOf(quiet).checksumTables).toEqual(['*'])
    expect(
      readConfig(inputs({ maintenance: 'true', 'checksum-tables': 'orders' })).checksumTables
    ).toEqual(['public.orders'])
    expect(
      readConfig(inputs({ maintenance: 'true', 'checksum-tables': 'none' })).checksumTables
    ).toEqual([])
  })

  it('checksum-tables: auto by default, none turns hashing off, a quoted "auto" is a table', () => {
    expect(readConfig(inputs({})).checksumTables).toEqual(['auto'])
    expect(readConfig(inputs({ 'checksum-tables': ' AUTO ' })).checksumTables).toEqual(['auto'])
    expect(readConfig(inputs({ 'checksum-tables': 'none' })).checksumTables).toEqual([])
    expect(readConfig(inputs({ 'checksum-tables': '"auto"' })).checksumTables).toEqual([
      'public.auto'
    ])
    // Without a capture no window is watched: no table can be shown quiet.
    expect(readConfig(inputs({ backup: 'latest' })).checksumTables).toEqual([])
  })

  it('heartbeat-url: https anywhere, http only to localhost', () => {
    for (const url of [
      'https://hc-ping.com/5f3c0c1a-0000-4000-8000-000000000000',
      'http://localhost:8080/ping',
      'http://127.0.0.1:9999/hb?x=1'
    ]) {
      expect(readConfig(inputs({ 'heartbeat-url': url })).heartbeatUrl).toBe(url)
    }
  })

  it('report-name', () => {
    expect(readConfig(inputs({ 'report-name': 'drill report (nightly)' })).reportName).toBe(
      'drill report (nightly)'
    )
  })

  it('promote with maintenance and a fresh capture', () => {
    const config = readConfig(inputs({ promote: 'true', maintenance: 'true', 'drill-app': 'same' }))
    expect([config.promote, config.maintenance]).toEqual([true, true])
  })

  it('incident use: a chosen backup, kept', () => {
    const config = readConfig(inputs({ backup: 'b042', 'keep-database': 'true' }))
    expect(config.backup).toEqual({ mode: 'id', id: 'b042' })
    expect(config.keepDatabase).toBe(true)
  })
})

describe('readConfig: bad values, one line each', () => {
  it('app', () => {
    expectRefused({ app: '' }, 'app', /required/, /my-app-production/)
    for (const app of ['My_App', '1app', 'a', 'x'.repeat(31), 'my app', 'my.app']) {
      expectRefused(
        { app },
        'app',
        /Heroku app name/,
        /e\.g\. my-app-production/,
        JSON.stringify(app)
      )
    }
  })

  it('heroku-api-key: required, no whitespace, the value never shown', () => {
    const missing = expectRefused({ 'heroku-api-key': '' }, 'heroku-api-key', /required/)
    expect(missing).toContain('secrets.HEROKU_RESTORE_DRILL_TOKEN') // the secret name the README uses
    const spaced = 'abc def-secret-part'
    const message = expectRefused(
      { 'heroku-api-key': spaced },
      'heroku-api-key',
      /no spaces/,
      /not shown/
    )
    expect(message).not.toContain('def-secret-part')
    expect(message).not.toContain('abc')
    expectRefused({ 'heroku-api-key': 'abc\ndef' }, 'heroku-api-key', /line breaks/)
  })

  it('a token pasted into another input is not echoed', () => {
    const message = expectRefused({ database: `x ${TOKEN}` }, 'database')
    expect(message).not.toContain(TOKEN)
  })

  it('database', () => {
    for (const database of [
      'database_url',
      'Database-Url',
      'my db',
      'app::DATABASE_URL',
      '_X',
      '-x'
    ]) {
      expectRefused(
        { database },
        'database',
        /DATABASE_URL/,
        /postgresql-shaped-12345/,
        JSON.stringify(database)
      )
    }
  })

  it("database: the drill's own add-on is never a source", () => {
    for (const database of [
      'RESTORE_DRILL',
      'RESTORE_DRILL_URL',
      'restore-drill-my-app-1-1-abcd'
    ]) {
      expectRefused({ database }, 'database', /own restored add-on/)
    }
  })

  it('backup', () => {
    expectRefused(
      { backup: 'yesterday' },
      'backup',
      /must be capture, latest or a backup ID/,
      /b042/,
      '"yesterday"'
    )
    expectRefused({ backup: 'r007' }, 'backup', /names a restore/, /pg:backups/)
    expectRefused({ backup: 'c007' }, 'backup', /copy/)
    expectRefused({ backup: 'ob12' }, 'backup', /legacy/)
    expectRefused({ backup: 'b42' }, 'backup', /at least 3 digits \(b042\)/)
    expectRefused({ backup: '042' }, 'backup', /with its letter/)
    expectRefused({ backup: 'b04x' }, 'backup', /capture, latest or a backup ID/)
  })

  it('plan', () => {
    for (const plan of [
      'Standard-0',
      'heroku-redis:mini',
      'standard_0',
      'standard-',
      '-0',
      'standard 0'
    ]) {
      expectRefused(
        { plan },
        'plan',
        /heroku-postgresql plan name/,
        /essential-0/,
        JSON.stringify(plan)
      )
    }
  })

  it.each(['maintenance', 'canary', 'promote', 'keep-database', 'require-schedule'])(
    'boolean %s',
    (name) => {
      for (const value of ['yes', '1', 'on', 'tRue']) {
        expectRefused(
          { [name]: value },
          name,
          /must be true or false/,
          `e.g. ${name}: true`,
          JSON.stringify(value)
        )
      }
    }
  )

  it('max-backup-age: the example from the brief, word for word', () => {
    expect(refusal({ 'max-backup-age': 'tomorrow' }).message).toBe(
      'Input "max-backup-age" must be a duration like 26h, 3d or 90m, or empty for no limit (got "tomorrow").'
    )
  })

  it('max-backup-age', () => {
    for (const value of ['26', '26 h', '1w', '26H', '-1h', '1.5h', 'h']) {
      expectRefused(
        { 'max-backup-age': value },
        'max-backup-age',
        /duration like 26h/,
        JSON.stringify(value)
      )
    }
    expectRefused({ 'max-backup-age': '0h' }, 'max-backup-age', /more than 0/)
    expectRefused({ 'max-backup-age': '400d' }, 'max-backup-age', /at most 366d/)
  })

  it('numbers', () => {
    const cases: [string, string[], RegExp][] = [
      ['timeout-minutes', ['0', '361', 'ten', '1.5', '-5', '1e3'], /from 1 to 360/],
      ['max-restore-minutes', ['0', '1441', '30m', 'abc'], /from 1 to 1440 or empty for no limit/],
      ['verify-connections', ['0', '9', 'three', '100000000000'], /from 1 to 8/]
    ]
    for (const [name, values, range] of cases) {
      for (const value of values) expectRefused({ [name]: value }, name, range, `e.g. ${name}: `)
    }
  })

  it('restore-warnings', () => {
    expectRefused({ 'restore-warnings': 'ignore' }, 'restore-warnings', /triage, strict or allow/)
  })

  it('checks: the line, what is wrong, an example', () => {
    expectRefused(
      { checks: 'ok: select 1\nselect 2' },
      'checks',
      /line 2 must be "name: SQL"/,
      /orders present/
    )
    expectRefused({ checks: 'bad/name: select 1' }, 'checks', /line 1 needs a name/)
    expectRefused({ checks: ': select 1' }, 'checks', /line 1 needs a name/)
    expectRefused({ checks: 'empty:   ' }, 'checks', /line 1 has no SQL after "empty:"/)
    expectRefused(
      { checks: 'a: select 1\n\nb: select 2\na: select 3' },
      'checks',
      /"a" is on lines 1 and 4/
    )
  })

  it('checks: long lines are shortened in the message', () => {
    const message = expectRefused({ checks: 'x'.repeat(500) }, 'checks')
    expect(message.length).toBeLessThan(300)
  })

  it('checksum-tables', () => {
    for (const value of [
      'db.public.orders',
      'public.',
      '.orders',
      'public.*',
      '1table',
      'my table',
      '"open'
    ]) {
      expectRefused({ 'checksum-tables': value }, 'checksum-tables', /"/)
    }
    expectRefused({ 'checksum-tables': '"open' }, 'checksum-tables', /unclosed double quote/)
    expectRefused(
      { 'checksum-tables': 'a.b.c' },
      'checksum-tables',
      /schema\.table or table/,
      /"a\.b\.c"/
    )
  })

  it('heartbeat-url: only scheme and host are shown (the path may hold a monitor key)', () => {
    const message = expectRefused(
      { 'heartbeat-url': 'http://hc-ping.com/secret-check-uuid' },
      'heartbeat-url',
      /https:\/\//,
      /got http:\/\/hc-ping\.com\/…/
    )
    expect(message).not.toContain('secret-check-uuid')
    expectRefused({ 'heartbeat-url': 'ftp://localhost/x' }, 'heartbeat-url')
    expectRefused({ 'heartbeat-url': 'not a url' }, 'heartbeat-url', /not a URL/)
    expectRefused(
      { 'heartbeat-url': 'https://user:pw@example.com/x' },
      'heartbeat-url',
      /without credentials/
    )
  })

  it('report-name', () => {
    for (const name of ['a/b', 'a:b', 'a"b', 'a<b', 'a>b', 'a|b', 'a*b', 'a?b', 'a\\b', 'a\nb']) {
      expectRefused(
        { 'report-name': name },
        'report-name',
        /artifact name/,
        /e\.g\. restore-drill-my-app-nightly/
      )
    }
  })
})

describe('readConfig: combinations', () => {
  it('promote without maintenance', () => {
    expectRefused({ promote: 'true', 'drill-app': 'same' }, 'promote', /needs maintenance: true/)
  })

  it('promote with keep-database', () => {
    expectRefused(
      { promote: 'true', maintenance: 'true', 'drill-app': 'same', 'keep-database': 'true' },
      'promote',
      /keep-database/
    )
  })

  it('promote with an older backup', () => {
    expectRefused(
      { promote: 'true', maintenance: 'true', 'drill-app': 'same', backup: 'latest' },
      'promote',
      /backup: capture/,
      /"latest"/
    )
    expectRefused(
      { promote: 'true', maintenance: 'true', 'drill-app': 'same', backup: 'b042' },
      'promote',
      /stale data/,
      /"b042"/
    )
  })

  it('maintenance with an existing backup (no capture window to protect)', () => {
    expectRefused(
      { maintenance: 'true', backup: 'latest' },
      'maintenance',
      /backup: capture/,
      /"latest"/
    )
    expectRefused({ maintenance: 'true', backup: 'b042' }, 'maintenance', /maintenance: false/)
  })

  it('canary with a backup that is not a fresh capture', () => {
    expectRefused({ canary: 'true', backup: 'latest' }, 'canary', /backup: capture/)
    expectRefused({ canary: 'true', backup: 'a008' }, 'canary', /"a008"/)
  })

  it('canary with capture is fine', () => {
    expect(readConfig(inputs({ canary: 'true' })).canary).toBe(true)
  })
})

describe('settingsOf', () => {
  it('records what shaped the drill for the report, without the token, check SQL or heartbeat URL', () => {
    const config = readConfig(
      inputs({
        backup: 'b042',
        checks: 'orders present: select count(*) > 0 from orders',
        'heartbeat-url': 'https://hc-ping.com/secret-check-uuid'
      })
    )
    const settings = settingsOf(config)
    expect(settings).toMatchObject({ backup: 'b042', checks: ['orders present'], heartbeat: true })
    const text = JSON.stringify(settings)
    for (const secret of [TOKEN, 'secret-check-uuid', 'select count'])
      expect(text).not.toContain(secret)
  })
})

describe('readConfig: history, max-row-drop, github-token', () => {
  it('history: artifacts (default), none, or a file path', () => {
    expect(readConfig(inputs()).history).toEqual({ mode: 'artifacts' })
    expect(readConfig(inputs({ history: 'NONE' })).history).toEqual({ mode: 'none' })
    expect(readConfig(inputs({ history: '.drills/history.jsonl' })).history).toEqual({
      mode: 'file',
      path: '.drills/history.jsonl'
    })
  })

  it('history: a directory or a value with a line break is refused', () => {
    expectRefused({ history: 'drills/' }, 'history', /artifacts, none, or the path/)
    expectRefused({ history: 'a\nb' }, 'history', /JSON-lines file/)
  })

  it('max-row-drop: a percentage, empty to warn only', () => {
    expect(readConfig(inputs()).maxRowDrop).toBeNull()
    expect(readConfig(inputs({ 'max-row-drop': '50' })).maxRowDrop).toBe(50)
    expect(readConfig(inputs({ 'max-row-drop': '12.5%' })).maxRowDrop).toBe(12.5)
    for (const bad of ['0', '101', 'half', '-5'])
      expectRefused({ 'max-row-drop': bad }, 'max-row-drop', /percentage above 0 and at most 100/)
  })

  it('github-token: kept as given, never echoed; an unexpanded expression is no token', () => {
    expect(readConfig(inputs({ 'github-token': 'ghs_abc123' })).githubToken).toBe('ghs_abc123')
    expect(readConfig(inputs()).githubToken).toBe('')
    const message = expectRefused(
      { 'github-token': 'ghs_abc 123' },
      'github-token',
      /value not shown/
    )
    expect(message).not.toContain('ghs_abc')
  })

  it('a github token pasted into another input is not echoed', () => {
    const message = expectRefused(
      { 'github-token': 'ghs_secret999', plan: 'ghs_secret999!' },
      'plan',
      /\*\*\*/
    )
    expect(message).not.toContain('ghs_secret999')
  })

  it('settings record the history mode and max-row-drop, never the token or path', () => {
    const config = readConfig(
      inputs({ history: 'secret-dir/h.jsonl', 'max-row-drop': '40', 'github-token': 'ghs_x1' })
    )
    const settings = settingsOf(config)
    expect(settings).toMatchObject({ history: 'file', maxRowDrop: 40 })
    expect(JSON.stringify(settings)).not.toMatch(/ghs_x1|secret-dir/)
  })
})

describe('readConfig: method and rollback-to', () => {
  it('reads fork, and rollback with a duration or a UTC time', () => {
    expect(readConfig(inputs({ method: 'fork' }))).toMatchObject({
      method: 'fork',
      rollbackTo: null,
      checksumTables: ['auto']
    })
    expect(readConfig(inputs({ method: 'rollback', 'rollback-to': '2h' })).rollbackTo).toEqual({
      mode: 'ago',
      seconds: 7200,
      text: '2h'
    })
    const at = readConfig(inputs({ method: 'rollback', 'rollback-to': '2026-12-01T04:00:00Z' }))
    expect(at.rollbackTo).toEqual({ mode: 'at', time: new Date('2026-12-01T04:00:00Z') })
    expect(readConfig(inputs({ method: 'Rollback' })).rollbackTo).toMatchObject({ seconds: 1800 })
  })

  it('leaves auto to the drill for a rollback: its window is known once the history is read', () => {
    expect(readConfig(inputs({ method: 'rollback' })).checksumTables).toEqual(['auto'])
    expect(readConfig(inputs({ method: 'fork', maintenance: 'true' })).checksumTables).toEqual([
      '*'
    ])
  })

  it('records the method and rollback-to in the settings', () => {
    const settings = settingsOf(readConfig(inputs({ method: 'rollback', 'rollback-to': '1d' })))
    expect(settings).toMatchObject({ method: 'rollback', rollbackTo: '1d' })
    expect(settingsOf(readConfig(inputs())).rollbackTo).toBeUndefined()
  })

  it('refuses a bad method or rollback-to, in one line each', () => {
    expectRefused({ method: 'snapshot' }, 'method', /backup.*fork.*rollback/)
    for (const bad of [
      '0m',
      '8d',
      'yesterday',
      '2026-13-01T04:00:00Z',
      '2026-12-01T04:00:00+02:00'
    ])
      expectRefused({ method: 'rollback', 'rollback-to': bad }, 'rollback-to', /UTC time/)
    expectRefused({ 'rollback-to': '2h' }, 'rollback-to', /only with method: rollback/)
  })

  it('refuses the inputs that cannot work with a fork or a rollback', () => {
    expectRefused({ method: 'fork', backup: 'latest' }, 'backup', /physical backups/)
    expectRefused({ method: 'rollback', backup: 'b042' }, 'backup', /method: rollback/)
    expectRefused({ method: 'fork', 'keep-backup': 'true' }, 'keep-backup', /nothing to keep/)
    expectRefused(
      { method: 'fork', promote: 'true', 'drill-app': 'same', maintenance: 'true' },
      'promote',
      /method: fork/
    )
    expectRefused({ method: 'rollback', maintenance: 'true' }, 'maintenance', /past/)
    expectRefused({ method: 'rollback', canary: 'true' }, 'canary', /after the rollback target/)
  })

  it('lets a fork take maintenance and a canary: the fork is made at the moment it is asked for', () => {
    expect(
      readConfig(inputs({ method: 'fork', maintenance: 'true', canary: 'true' }))
    ).toMatchObject({ method: 'fork', maintenance: true, canary: true })
  })
})
