// A poisoned history: crafted reports that an attacker could get into this workflow's artifacts (a
// run on another branch, a pull request that edits the workflow, a "passed" report dated 2099, a
// table named `constructor` or `__proto__`) must not fail a healthy drill, hide a real drop or
// widen a rollback's bounds. Only this branch's runs of trusted events count; a report or a history
// line from the future is skipped and counted; a drop found against a trusted earlier run still
// fails, naming that run so that the operator can find its artifact.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareWithHistory, historyFailures } from '../../../src/history/compare.js'
import type { DrillFigures } from '../../../src/history/figures.js'
import { appendHistoryFile } from '../../../src/history/file.js'
import { loadHistory } from '../../../src/history/load.js'
import {
  FAKE_TOKEN,
  REPORT_NAME,
  reportZip,
  startFakeGitHub,
  type FakeGitHub
} from '../../fakes/fake-github.js'
import { passedReport } from '../../fakes/report-fixture.js'

/** A passed report of my-app whose before-the-backup read counted `tables`. */
function reportOf(startedAt: string, tables: Record<string, number>) {
  const entries = Object.entries(tables).map(([t, n]) => [t, [n, n, 0, 0, 1]] as const)
  return {
    ...passedReport(),
    startedAt,
    sourceCounts: {
      addon: 'postgresql-shaped-12345',
      takenAt: startedAt,
      finishedAt: startedAt,
      statsResetAt: null,
      tables: Object.fromEntries(entries)
    }
  }
}

const HEALTHY = { 'public.orders': 1000, 'public.users': 200 }
const INFLATED = { 'public.orders': 100_000, 'public.users': 200 }
// JSON.parse makes `__proto__` an own key, as it would be in a crafted artifact.
const PROTOTYPE_NAMES = JSON.parse('{"constructor": 5, "__proto__": 7, "toString": 9}')

const runs = [
  { id: 301, head_branch: 'main', event: 'schedule' },
  { id: 302, head_branch: 'feature', event: 'push' }, // another branch
  { id: 303, head_branch: 'main', event: 'pull_request' }, // a fork's PR that edits the workflow
  { id: 304, head_branch: 'main', event: 'schedule' }, // a "passed" report dated 2099
  { id: 305, head_branch: 'main', event: 'workflow_dispatch' }, // tables named like prototype keys
  { id: 306, head_branch: 'main', event: 'pull_request_target' },
  { id: 307, head_branch: 'main', event: 'schedule' } // this run
]
const zipOf = (startedAt: string, tables: Record<string, number>) => {
  const zip = reportZip(reportOf(startedAt, tables))
  return () => zip
}
const artifacts = [
  {
    id: 1,
    run: 301,
    createdAt: '2026-11-20T03:00:00Z',
    zip: zipOf('2026-11-20T02:00:00Z', HEALTHY)
  },
  {
    id: 2,
    run: 302,
    createdAt: '2026-11-21T03:00:00Z',
    zip: zipOf('2026-11-21T02:00:00Z', INFLATED)
  },
  {
    id: 3,
    run: 303,
    createdAt: '2026-11-22T03:00:00Z',
    zip: zipOf('2026-11-22T02:00:00Z', INFLATED)
  },
  {
    id: 4,
    run: 304,
    createdAt: '2026-11-22T04:00:00Z',
    zip: zipOf('2099-01-01T00:00:00Z', INFLATED)
  },
  {
    id: 5,
    run: 305,
    createdAt: '2026-11-23T03:00:00Z',
    zip: zipOf('2026-11-23T02:00:00Z', { ...HEALTHY, ...PROTOTYPE_NAMES })
  },
  {
    id: 6,
    run: 306,
    createdAt: '2026-11-24T03:00:00Z',
    zip: zipOf('2026-11-24T02:00:00Z', INFLATED)
  },
  {
    id: 7,
    run: 307,
    createdAt: '2026-11-25T03:00:00Z',
    zip: zipOf('2026-11-25T02:00:00Z', HEALTHY)
  }
]

let github: FakeGitHub
beforeAll(async () => {
  github = await startFakeGitHub(runs, artifacts)
})
afterAll(() => github.close())

const config = {
  history: { mode: 'artifacts' as const },
  githubToken: FAKE_TOKEN,
  reportName: REPORT_NAME,
  app: 'my-app'
}
const env = (over: Record<string, string> = {}) => ({
  GITHUB_API_URL: github.apiUrl,
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_RUN_ID: '307',
  GITHUB_WORKFLOW_REF: 'acme/shop/.github/workflows/drill.yml@refs/heads/main',
  GITHUB_REF_NAME: 'main',
  GITHUB_EVENT_NAME: 'schedule',
  ...over
})

/** This drill's figures, with the source's row counts given. */
function thisDrill(tables: Record<string, number>): DrillFigures {
  return {
    v: 1,
    time: '2026-11-25T02:00:00.000Z',
    app: 'my-app',
    outcome: 'passed',
    method: 'backup',
    backupId: 'b042',
    backupBytes: 12_345_678,
    restoreSeconds: 252,
    drillSeconds: 570,
    tables,
    totalRows: Object.values(tables).reduce((a, b) => a + b, 0)
  }
}
const LIMITS = { maxRowDrop: 50, maxRestoreMinutes: null }

describe('history: artifacts, poisoned', () => {
  it("only this branch's runs of trusted events count; a report from the future is skipped and named", async () => {
    github.seen.length = 0
    const loaded = await loadHistory(config, env())
    expect(loaded.history.earlier.map((f) => [f.time.slice(0, 10), f.runId])).toEqual([
      ['2026-11-23', '305'],
      ['2026-11-20', '301']
    ])
    expect(loaded.history.earlier[0].runUrl).toBe('https://github.com/acme/shop/actions/runs/305')
    // The listing asks GitHub for this branch's runs (and checks each run itself: the fake ignores it).
    expect(github.seen.find((s) => s.includes('/workflows/drill.yml/runs'))).toMatch(
      /[?&]branch=main\b/
    )
    expect(loaded.warning).toMatch(/1 earlier report dated in the future was skipped \(run 304\)/)
  })

  it('a healthy drill is not failed by the crafted reports, and a table named constructor is no NaN', async () => {
    const loaded = await loadHistory(config, env())
    const comparison = compareWithHistory(thisDrill(HEALTHY), loaded.history, LIMITS)
    expect(historyFailures(comparison)).toEqual([])
    expect(comparison.regressions).toEqual([])
    expect(JSON.stringify(comparison)).not.toMatch(/NaN/)
  })

  it('a drop against a trusted earlier run still fails, naming that run', async () => {
    const loaded = await loadHistory(config, env())
    const dropped = { 'public.orders': 400, 'public.users': 200 }
    const failures = historyFailures(compareWithHistory(thisDrill(dropped), loaded.history, LIMITS))
    expect(failures).toEqual([
      expect.stringMatching(
        /^public\.orders lost 60 % .*run 305 \(https:\/\/github\.com\/acme\/shop\/actions\/runs\/305\).*max-row-drop 50 %/
      )
    ])
  })

  it("a pull request's drill reads its base branch's trusted drills", async () => {
    const pr = env({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF_NAME: '7/merge',
      GITHUB_BASE_REF: 'main'
    })
    const loaded = await loadHistory(config, pr)
    expect(loaded.history.earlier.map((f) => f.runId)).toEqual(['305', '301'])
  })

  it('without the branch of this run, earlier runs are not looked up', async () => {
    const { GITHUB_REF_NAME: _dropped, ...noBranch } = env()
    const loaded = await loadHistory(config, noBranch)
    expect(loaded.history.earlier).toEqual([])
    expect(loaded.history.problem).toMatch(/branch/)
  })
})

describe('history: <file>, poisoned', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'poisoned-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('a line dated in the future is skipped and counted; tables named like prototype keys are inert', async () => {
    const line = (time: string, tables: Record<string, number>) =>
      JSON.stringify({ ...thisDrill(tables), time, runId: '41' })
    const path = join(dir, 'history.jsonl')
    writeFileSync(
      path,
      [
        line('2026-11-20T02:00:00.000Z', { ...HEALTHY, ...PROTOTYPE_NAMES }),
        line('2099-01-01T00:00:00.000Z', INFLATED)
      ].join('\n') + '\n'
    )
    const loaded = await loadHistory({ ...config, history: { mode: 'file', path } }, {})
    expect(loaded.history.earlier.map((f) => f.time.slice(0, 4))).toEqual(['2026'])
    expect(loaded.warning).toMatch(/1 line of .* dated in the future was skipped/)
    const comparison = compareWithHistory(thisDrill(HEALTHY), loaded.history, LIMITS)
    expect(comparison.regressions).toEqual([])
    const dropped = compareWithHistory(
      thisDrill({ 'public.orders': 400, 'public.users': 200 }),
      loaded.history,
      LIMITS
    )
    expect(historyFailures(dropped)).toEqual([expect.stringMatching(/lost 60 % .*run 41\b/)])
  })

  it("a drill's line keeps its run, and a drop against it names that run", async () => {
    const path = join(dir, 'runs.jsonl')
    const runEnv = {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '4242'
    }
    await appendHistoryFile(path, thisDrill(HEALTHY), runEnv)
    const loaded = await loadHistory({ ...config, history: { mode: 'file', path } }, {})
    const dropped = { 'public.orders': 400, 'public.users': 200 }
    const later = { ...thisDrill(dropped), time: '2026-11-26T02:00:00.000Z' }
    expect(historyFailures(compareWithHistory(later, loaded.history, LIMITS))).toEqual([
      expect.stringMatching(/run 4242 \(https:\/\/github\.com\/acme\/shop\/actions\/runs\/4242\)/)
    ])
  })
})
