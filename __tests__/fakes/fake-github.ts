/**
 * A fake of the part of the GitHub REST API that history: artifacts reads: one workflow's runs (as
 * GitHub lists them: id, head_branch, event, html_url), the artifacts of one name, and each
 * artifact's zip behind a redirect to a signed storage URL. The runs listing ignores `branch` on
 * purpose, as a careless or hostile server might: the reader has to check each run itself. Every
 * request is recorded, with its query.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const FAKE_TOKEN = 'ghs_fake_token_123'
export const REPORT_NAME = 'restore-drill-my-app'

export interface FakeRun {
  id: number
  head_branch: string | null
  event: string
}

export interface FakeArtifact {
  id: number
  run: number
  /** The zip served for it (a function: built, or streamed, on each request). */
  zip: () => Buffer
  createdAt: string
  expired?: boolean
  /** What the listing claims; the real size by default. */
  sizeInBytes?: number
}

export interface FakeGitHub {
  apiUrl: string
  /** Each request's path and query (`/repos/…?branch=main&per_page=100`). */
  seen: string[]
  /** The most artifact downloads that were being served at once. */
  maxDownloadsAtOnce(): number
  close(): Promise<void>
}

/** The drill report of `report` in a zip, as the artifact service streams it. */
export function reportZip(report: unknown): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'artifact-'))
  try {
    writeFileSync(join(dir, 'restore-drill-report.json'), JSON.stringify(report))
    return execFileSync('zip', ['-q', '-', 'restore-drill-report.json'], { cwd: dir })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function startFakeGitHub(
  runs: FakeRun[],
  artifacts: FakeArtifact[]
): Promise<FakeGitHub> {
  const seen: string[] = []
  let apiUrl = ''
  let downloading = 0
  let mostAtOnce = 0
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', apiUrl)
    seen.push(url.pathname + url.search)
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const authorized = req.headers.authorization?.endsWith(` ${FAKE_TOKEN}`)
    if (!authorized && !url.pathname.startsWith('/blob/')) return json({ message: 'no' }, 403)
    if (url.pathname === '/repos/acme/shop/actions/workflows/drill.yml/runs') {
      const listed = runs.map((r) => ({
        ...r,
        html_url: `https://github.com/acme/shop/actions/runs/${r.id}`
      }))
      return json({ total_count: listed.length, workflow_runs: listed })
    }
    if (url.pathname === '/repos/acme/shop/actions/artifacts') {
      const listed = artifacts.map((a) => ({
        id: a.id,
        name: REPORT_NAME,
        expired: a.expired ?? false,
        size_in_bytes: a.sizeInBytes ?? a.zip().length,
        created_at: a.createdAt,
        workflow_run: { id: a.run }
      }))
      return json({ total_count: listed.length, artifacts: listed })
    }
    const zip = /^\/repos\/acme\/shop\/actions\/artifacts\/(\d+)\/zip$/.exec(url.pathname)
    if (zip) {
      res.writeHead(302, { location: `${apiUrl}/blob/${zip[1]}?sig=signed` })
      return res.end()
    }
    const blob = /^\/blob\/(\d+)$/.exec(url.pathname)
    const artifact = blob && artifacts.find((a) => a.id === Number(blob[1]))
    if (artifact) {
      mostAtOnce = Math.max(mostAtOnce, ++downloading)
      res.on('close', () => downloading--)
      const body = artifact.zip()
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length })
      return res.end(body)
    }
    json({ message: 'Not Found' }, 404)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    apiUrl,
    seen,
    maxDownloadsAtOnce: () => mostAtOnce,
    close: async () => {
      server.closeAllConnections()
      await new Promise((done) => server.close(done))
    }
  }
}
