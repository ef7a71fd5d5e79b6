// history: artifacts against a fake of the GitHub REST API (a local HTTP server): earlier runs of
// this workflow are read, newest first; expired artifacts, other workflows' runs, this run's own
// artifact and another app's reports are ignored; the download redirect never carries the token;
// the runs listing is followed to its second page.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findEarlierReports } from '../../../src/history/artifacts.js'
import { loadHistory } from '../../../src/history/load.js'
import { passedReport } from '../../fakes/report-fixture.js'

const TOKEN = 'ghs_fake_token_123'
/** Octokit sends `token …`; GitHub takes it as it takes `Bearer …`. */
const isOurToken = (auth: string | undefined) =>
  auth === `token ${TOKEN}` || auth === `Bearer ${TOKEN}`
const NAME = 'restore-drill-my-app'

/** A zip as the artifact service streams it (zip writing to stdout uses data descriptors). */
function artifactZip(app: string, startedAt: string, restoreSeconds: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'artifact-'))
  try {
    const report = { ...passedReport(), app, startedAt }
    report.restore = { ...report.restore!, seconds: restoreSeconds }
    writeFileSync(join(dir, 'restore-drill-report.json'), JSON.stringify(report))
    writeFileSync(join(dir, 'restore-drill-summary.md'), '## summary\n')
    return execFileSync(
      'zip',
      ['-q', '-', 'restore-drill-report.json', 'restore-drill-summary.md'],
      { cwd: dir }
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const artifacts = [
  { id: 1, run: 101, day: 20, expired: false, app: 'my-app', restore: 60 },
  { id: 2, run: 102, day: 21, expired: true, app: 'my-app', restore: 61 },
  { id: 3, run: 103, day: 22, expired: false, app: 'other-app', restore: 62 },
  { id: 4, run: 900, day: 23, expired: false, app: 'my-app', restore: 63 }, // another workflow
  { id: 5, run: 104, day: 24, expired: false, app: 'my-app', restore: 64 },
  { id: 6, run: 105, day: 25, expired: false, app: 'my-app', restore: 65 } // this run
]
const trustedRun = (id: number) => ({ id, head_branch: 'main', event: 'schedule' })
const seen: { url: string; auth?: string }[] = []
let server: Server
let apiUrl: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', apiUrl)
    seen.push({ url: url.pathname, auth: req.headers.authorization })
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (!isOurToken(req.headers.authorization) && !url.pathname.startsWith('/blob/'))
      return json({ message: 'Resource not accessible by integration' }, 403)
    if (url.pathname === '/repos/acme/shop/actions/workflows/drill.yml/runs') {
      // Two pages: run 104 (the newest earlier drill) is only on the second.
      if (url.searchParams.get('page') === '2')
        return json({ total_count: 5, workflow_runs: [104, 105].map(trustedRun) })
      res.setHeader('link', `<${apiUrl}${url.pathname}?per_page=100&page=2>; rel="next"`)
      return json({ total_count: 5, workflow_runs: [101, 102, 103].map(trustedRun) })
    }
    if (
      url.pathname === '/repos/acme/shop/actions/artifacts' &&
      url.searchParams.get('name') === NAME
    ) {
      return json({
        total_count: artifacts.length,
        artifacts: artifacts.map((a) => ({
          id: a.id,
          name: NAME,
          expired: a.expired,
          size_in_bytes: 2000,
          created_at: `2026-11-${a.day}T03:00:00Z`,
          workflow_run: { id: a.run }
        }))
      })
    }
    const zip = /^\/repos\/acme\/shop\/actions\/artifacts\/(\d+)\/zip$/.exec(url.pathname)
    if (zip) {
      res.writeHead(302, { location: `${apiUrl}/blob/${zip[1]}?sig=signed` })
      return res.end()
    }
    const blob = /^\/blob\/(\d+)$/.exec(url.pathname)
    const a = blob && artifacts.find((x) => x.id === Number(blob[1]))
    if (a && !a.expired) {
      res.writeHead(200, { 'content-type': 'application/zip' })
      return res.end(artifactZip(a.app, `2026-11-${a.day}T02:00:00.000Z`, a.restore))
    }
    json({ message: 'Not Found' }, 404)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
})

const lookup = () => ({
  apiUrl,
  repository: 'acme/shop',
  workflow: 'drill.yml',
  branch: 'main',
  runId: '105',
  token: TOKEN,
  reportName: NAME,
  app: 'my-app'
})

describe('findEarlierReports', () => {
  it("reads this workflow's earlier reports of this app, newest first", async () => {
    seen.length = 0
    const found = await findEarlierReports(lookup())
    expect(found.earlier.map((f) => [f.time.slice(0, 10), f.restoreSeconds])).toEqual([
      ['2026-11-24', 64],
      ['2026-11-20', 60]
    ])
    expect(found.earlier[0]).toMatchObject({ app: 'my-app', outcome: 'passed', backupId: 'b042' })
    // Expired artifacts, other workflows' runs and this run's own report are never downloaded.
    const downloads = seen.filter((s) => s.url.endsWith('/zip')).map((s) => s.url.split('/')[6])
    expect(downloads.sort()).toEqual(['1', '3', '5'])
    // The signed storage URL gets no token.
    expect(seen.filter((s) => s.url.startsWith('/blob/')).every((s) => s.auth === undefined)).toBe(
      true
    )
  })

  it('a token without actions: read is one clear line, and loadHistory makes it a warning', async () => {
    await expect(findEarlierReports({ ...lookup(), token: 'ghs_wrong' })).rejects.toThrow(
      /403.*permissions: actions: read/
    )
    const loaded = await loadHistory(
      { history: { mode: 'artifacts' }, githubToken: 'ghs_wrong', reportName: NAME, app: 'my-app' },
      {
        GITHUB_API_URL: apiUrl,
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_RUN_ID: '105',
        GITHUB_WORKFLOW_REF: 'acme/shop/.github/workflows/drill.yml@refs/heads/main',
        GITHUB_REF_NAME: 'main'
      }
    )
    expect(loaded.history).toMatchObject({ source: 'artifacts', earlier: [] })
    expect(loaded.history.problem).toMatch(/actions: read/)
    expect(loaded.warning).toMatch(/^history: .*the drill goes on without them$/)
  })

  it('outside GitHub (no repository or token) history is unavailable, without a warning', async () => {
    const loaded = await loadHistory(
      { history: { mode: 'artifacts' }, githubToken: '', reportName: NAME, app: 'my-app' },
      {}
    )
    expect(loaded.history.problem).toMatch(/outside a GitHub Actions workflow/)
    expect(loaded.warning).toBeUndefined()
  })
})
