// Memory across drills, with a history file, the bundle run like the runner: the first drill says
// there is no history yet; a restore made slow by the simulator is flagged; after a source table
// lost 60 % of its rows, the next drill names it in a warning, and fails with max-row-drop: 50.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { armFault, chinookApp, drill, report, startE2E, transcript, type E2E } from './helpers.js'

let e2e: E2E
let dir: string
beforeAll(async () => {
  e2e = await startE2E()
  dir = mkdtempSync(join(tmpdir(), 'drill-history-'))
})
afterAll(async () => {
  await e2e?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** ::warning lines with the workflow-command escapes undone. */
const warnings = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('::warning'))
    .map((l) => l.replace(/%3A/g, ':').replace(/%25/g, '%'))

async function deleteRows(databaseUrl: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return (await client.query(sql)).rowCount ?? 0
  } finally {
    await client.end()
  }
}

describe('history file', () => {
  test('three drills in a row: no history yet, a slow restore flagged, a table that lost 60 % named', async () => {
    const app = await chinookApp(e2e, 'hist')
    const file = join(dir, 'history.jsonl')
    // The restored copy on the app itself: the figures compared are the source's, wherever it lands.
    const base = { 'drill-app': 'same' }

    const first = await drill(e2e, app, { ...base, history: file })
    expect({
      outcome: first.outputs.outcome,
      log: first.outputs.outcome === 'passed' ? '' : transcript(first)
    }).toEqual({ outcome: 'passed', log: '' })
    expect(first.summary).toContain('No history yet: this is the first drill of')
    expect(report(first).history).toMatchObject({ source: 'file', drills: 0, regressions: [] })
    const line = JSON.parse(readFileSync(file, 'utf8').trim())
    expect(line).toMatchObject({ app: app.name, outcome: 'passed', totalRows: 15607 })
    expect(line.tables['public.invoice_line']).toBe(2240)

    await armFault(e2e, { kind: 'transfer-slow', transfer: 'restore', seconds: 20 })
    const second = await drill(e2e, app, { ...base, history: file })
    expect(second.outputs.outcome).toBe('passed')
    const slow = report(second).history.regressions
    expect(slow.map((r: { kind: string }) => r.kind)).toEqual(['restore-slower'])
    expect(warnings(second.stdout).join('\n')).toMatch(/restore took .*slower than the median/)
    expect(second.summary).toContain('xychart-beta')

    // A bad deploy deletes 60 % of a table; every later backup faithfully keeps the loss.
    const deleted = await deleteRows(
      app.databaseUrl,
      'delete from invoice_line where invoice_line_id % 5 < 3'
    )
    expect(deleted).toBeGreaterThan(1300)
    const strictFile = join(dir, 'history-strict.jsonl')
    copyFileSync(file, strictFile)

    const third = await drill(e2e, app, { ...base, history: file })
    expect(third.outputs.outcome).toBe('passed')
    const named = warnings(third.stdout).filter((l) => l.includes('public.invoice_line'))
    expect(named.join('\n')).toMatch(
      /public\.invoice_line lost 60 % of its rows since the last passing drill/
    )
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3)

    const strict = await drill(e2e, app, { ...base, history: strictFile, 'max-row-drop': '50' })
    expect({ exit: strict.exitCode, outcome: strict.outputs.outcome }).toEqual({
      exit: 1,
      outcome: 'failed'
    })
    const failure = (
      strict.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''
    ).replace(/%25/g, '%')
    expect(failure).toMatch(/public\.invoice_line lost 60 %.*more than max-row-drop 50 %/)
    // The restore itself verified fine: the loss is in production, and the backup kept it.
    expect(report(strict).verification.passed).toBe(true)
    expect(transcript(strict)).not.toMatch(/heartbeat sent/)
  }, 300_000)
})
