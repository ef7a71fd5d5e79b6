// The runner's proxy is honoured by every outbound request outside Heroku: history (Octokit for
// the listings and the zip's redirect, @actions/http-client for the signed download) and the
// heartbeat reach their local servers only through a local proxy named by http_proxy. The servers
// are named *.test hosts that do not resolve: only the proxy knows where they are, so a request that
// bypassed the proxy fails (and loopback names are never used: @actions/http-client always
// bypasses the proxy for localhost and 127.*). Octokit's proxy is chosen when @actions/github
// loads, so the environment is set before the modules are imported.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { lookup } from 'node:dns/promises'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { passedReport } from '../../fakes/report-fixture.js'

const TOKEN = 'ghs_proxy_test_token'
const NAME = 'restore-drill-my-app'

function reportZip(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'artifact-'))
  try {
    const report = { ...passedReport(), app: 'my-app', startedAt: '2026-11-20T02:00:00.000Z' }
    writeFileSync(join(dir, 'restore-drill-report.json'), JSON.stringify(report))
    return execFileSync('zip', ['-q', '-', 'restore-drill-report.json'], { cwd: dir })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const portOf = (server: Server) => (server.address() as AddressInfo).port
const listen = (server: Server) =>
  new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()))
const close = (server: Server) => {
  server.closeAllConnections()
  return new Promise((done) => server.close(done))
}

/** What the fake GitHub API and the heartbeat server were asked, and what the proxy carried. */
const apiSaw: string[] = []
const beatSaw: string[] = []
const proxySaw: string[] = []
const servers: Server[] = []
let apiHost = ''
let beatUrl = ''
const savedEnv = { ...process.env }

function fakeGitHub(): Server {
  const zip = reportZip()
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${apiHost}`)
    apiSaw.push(url.pathname)
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname.endsWith('/workflows/drill.yml/runs'))
      return json({
        total_count: 1,
        workflow_runs: [{ id: 101, head_branch: 'main', event: 'schedule' }]
      })
    if (url.pathname.endsWith('/actions/artifacts')) {
      const artifact = { id: 1, name: NAME, expired: false, size_in_bytes: zip.length }
      const run = { created_at: '2026-11-20T03:00:00Z', workflow_run: { id: 101 } }
      return json({ total_count: 1, artifacts: [{ ...artifact, ...run }] })
    }
    if (url.pathname.endsWith('/artifacts/1/zip')) {
      res.writeHead(302, { location: `http://${apiHost}/blob/1?sig=signed` })
      return res.end()
    }
    if (url.pathname === '/blob/1') {
      res.writeHead(200, { 'content-type': 'application/zip' })
      return res.end(zip)
    }
    res.writeHead(404)
    res.end()
  })
}

/** *.test names lead to 127.0.0.1; anything else is refused. CONNECT tunnels and plain forwards. */
function fakeProxy(): Server {
  const proxy = createServer((req, res) => {
    const target = new URL(req.url ?? '/')
    proxySaw.push(`${req.method} ${target.host}`)
    if (!target.hostname.endsWith('.test')) return void res.writeHead(502).end()
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  proxy.on('connect', (req, client, head) => {
    proxySaw.push(`CONNECT ${req.url}`)
    const [host, port] = (req.url ?? '').split(':')
    if (!host.endsWith('.test')) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      return
    }
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  return proxy
}

let findEarlierReports: typeof import('../../../src/history/artifacts.js').findEarlierReports
let sendHeartbeat: typeof import('../../../src/heartbeat.js').sendHeartbeat

beforeAll(async () => {
  const api = fakeGitHub()
  const beat = createServer((req, res) => {
    beatSaw.push(`${req.method} ${req.url}`)
    res.writeHead(200)
    res.end('ok')
  })
  const proxy = fakeProxy()
  servers.push(api, beat, proxy)
  await Promise.all(servers.map(listen))
  apiHost = `github.test:${portOf(api)}`
  beatUrl = `http://beat.test:${portOf(beat)}/ping/key123`
  for (const name of ['no_proxy', 'NO_PROXY', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[name]
  process.env.http_proxy = `http://127.0.0.1:${portOf(proxy)}`
  process.env.https_proxy = process.env.http_proxy
  process.env.GITHUB_API_URL = `http://${apiHost}`
  ;({ findEarlierReports } = await import('../../../src/history/artifacts.js'))
  ;({ sendHeartbeat } = await import('../../../src/heartbeat.js'))
})
afterAll(async () => {
  process.env = savedEnv
  await Promise.all(servers.map(close))
})

describe('through the proxy named by http_proxy', () => {
  it('the *.test names do not resolve here: a request that bypassed the proxy would fail', async () => {
    await expect(lookup('github.test')).rejects.toThrow()
    await expect(lookup('beat.test')).rejects.toThrow()
  })

  it('history lists runs and artifacts and downloads the zip through the proxy', async () => {
    const found = await findEarlierReports({
      apiUrl: `http://${apiHost}`,
      repository: 'acme/shop',
      workflow: 'drill.yml',
      branch: 'main',
      runId: '105',
      token: TOKEN,
      reportName: NAME,
      app: 'my-app'
    })
    expect(found).toMatchObject({ unreadable: 0 })
    expect(found.earlier.map((f) => f.time.slice(0, 10))).toEqual(['2026-11-20'])
    expect(apiSaw).toEqual(
      expect.arrayContaining([
        '/repos/acme/shop/actions/workflows/drill.yml/runs',
        '/repos/acme/shop/actions/artifacts',
        '/repos/acme/shop/actions/artifacts/1/zip',
        '/blob/1'
      ])
    )
    expect(proxySaw).toContain(`CONNECT ${apiHost}`)
  })

  it('the heartbeat goes through the proxy; no_proxy naming its host sends it direct', async () => {
    expect(await sendHeartbeat(beatUrl)).toBeNull()
    expect(beatSaw).toEqual(['GET /ping/key123'])
    expect(proxySaw).toContain(`CONNECT ${new URL(beatUrl).host}`)
    // Bypassing the proxy, the name does not resolve: proof the first call did not go direct.
    process.env.no_proxy = 'beat.test'
    try {
      expect(await sendHeartbeat(beatUrl)).toMatch(/^heartbeat failed: (ENOTFOUND|EAI_AGAIN)$/)
    } finally {
      delete process.env.no_proxy
    }
    expect(beatSaw).toHaveLength(1)
  })
})
