// Issue 27 end to end through dist/: every default drill's report holds the verifier's self-test;
// with the checksum comparison broken on purpose (a switch the simulator alone honours) the
// self-test fails the drill; a kept copy is exactly the source afterwards; verify-budget with a
// history file carries the coverage from drill to drill and says it in one line.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  api,
  CHINOOK_TABLES,
  chinookApp,
  drill,
  fingerprint,
  report,
  startE2E,
  transcript,
  type E2E
} from './helpers.js'

let e2e: E2E
let dir: string
beforeAll(async () => {
  e2e = await startE2E()
  dir = mkdtempSync(join(tmpdir(), 'drill-budget-'))
})
afterAll(async () => {
  await e2e?.close()
  rmSync(dir, { recursive: true, force: true })
})

const CAUGHT = 'verifier self-test: 3 of 3 planted defects caught'

describe('the verifier self-test, end to end', () => {
  test('a default drill plants and catches three defects; a kept copy equals the source after', async () => {
    const app = await chinookApp(e2e, 'selftest')
    const run = await drill(e2e, app, { 'keep-database': 'true', 'drill-app': 'same' })
    expect({ outcome: run.outputs.outcome, log: transcript(run) }).toMatchObject({
      outcome: 'passed'
    })
    const r = report(run)
    expect(r.verification.selfTest.passed).toBe(true)
    expect({
      planted: r.verification.selfTest.planted.map((d: { kind: string }) => d.kind),
      notPlanted: r.verification.selfTest.notPlanted
    }).toEqual({ planted: ['missing-row', 'sequence-behind', 'changed-value'], notPlanted: [] })
    expect(run.summary).toContain(CAUGHT)
    // The load on production, in one line.
    expect(run.summary).toMatch(
      /read production for [0-9.]+s \(at most \d connections? at once\), scanning [\d,]+ rows/
    )
    expect(r.verification.sourceLoad.rowsScanned).toBeGreaterThanOrEqual(15607 * 2)
    const vars = await api<Record<string, string>>(e2e, `/apps/${app.name}/config-vars`)
    expect(await fingerprint(vars.RESTORE_DRILL_URL)).toEqual(await fingerprint(app.databaseUrl))
  })

  test('with the checksum comparison broken on purpose, the self-test fails the drill', async () => {
    const app = await chinookApp(e2e, 'broken')
    const run = await drill(e2e, app, {}, { env: { RESTORE_DRILL_SIMULATOR_BREAK_CHECKSUMS: '1' } })
    expect(run.outputs.outcome).toBe('failed')
    const r = report(run)
    const changed = r.verification.selfTest.planted.find(
      (d: { kind: string }) => d.kind === 'changed-value'
    )
    expect(changed.caught).toBe(false)
    expect(
      r.verification.findings.filter((f: { severity: string }) => f.severity === 'mismatch')
    ).toEqual([expect.objectContaining({ check: 'self-test', object: changed.object })])
    expect(run.summary).toContain('verifier self-test: 2 of 3 planted defects caught')
    expect(run.stdout).toContain('test-only switch: the checksum comparison is broken on purpose')
  })
})

describe('verify-budget with a history file', () => {
  test('the coverage is carried from drill to drill and said in one line', async () => {
    const app = await chinookApp(e2e, 'budget')
    const file = join(dir, 'history.jsonl')
    const inputs = { history: file, 'verify-budget': '60s', 'drill-app': 'same' }
    const first = await drill(e2e, app, inputs)
    expect(first.outputs.outcome).toBe('passed')
    // Chinook hashes in well under a minute: every table, this drill.
    const line = `contents of ${CHINOOK_TABLES} of ${CHINOOK_TABLES} tables this drill`
    expect(first.summary).toContain(line)
    expect(report(first).contentCoverage.drill).toBe(1)
    const second = await drill(e2e, app, inputs)
    expect(second.outputs.outcome).toBe('passed')
    expect(second.summary).toContain(line)
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.contentCoverage.drill)).toEqual([1, 2])
    expect(
      Object.values(lines[1].contentCoverage.tables).every((t) => (t as number[])[0] === 2)
    ).toBe(true)
  })
})
