/**
 * A proxy in front of the simulator that rewrites some of Heroku's answers, the way an attacker
 * (or a broken middlebox) could: each rule matches a method and a path, and rewrites the status
 * and the body of its next `times` answers. Everything else passes through unchanged. A rule that
 * never matched is reported by `unused()`, so a test cannot pass without its attack applied.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RewriteRule {
  method: string
  path: RegExp
  /** How many answers to rewrite (default 1). */
  times?: number
  /** false: the request never reaches the simulator; the rule alone answers (a refused write). */
  forward?: boolean
  rewrite(answer: { status: number; body: string }): { status: number; body: string }
}

export interface RewritingProxy {
  url: string
  /** Rules that have not rewritten as many answers as they were given. */
  unused(): RewriteRule[]
  /** How many answers were rewritten in all. */
  rewritten(): number
  close(): Promise<void>
}

export async function startRewritingProxy(
  target: string,
  rules: RewriteRule[]
): Promise<RewritingProxy> {
  const left = new Map(rules.map((r) => [r, r.times ?? 1]))
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      try {
        const rule = rules.find(
          (r) => r.method === req.method && r.path.test(req.url ?? '') && (left.get(r) ?? 0) > 0
        )
        if (rule) left.set(rule, (left.get(rule) ?? 0) - 1)
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        let reply = { status: 0, body: '' }
        if (rule?.forward !== false) {
          const answer = await fetch(new URL(req.url ?? '/', target), {
            method: req.method,
            headers: forwardedHeaders(req.headers),
            body: ['GET', 'HEAD'].includes(req.method ?? '') ? undefined : Buffer.concat(chunks),
            redirect: 'manual'
          })
          reply = { status: answer.status, body: await answer.text() }
          answer.headers.forEach((value, key) => {
            if (!HOP_HEADERS.includes(key)) headers[key] = value
          })
        }
        if (rule) reply = rule.rewrite(reply)
        res.writeHead(reply.status, headers)
        res.end(reply.body)
      } catch (err) {
        res.writeHead(502)
        res.end(String(err))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    unused: () => rules.filter((r) => (left.get(r) ?? 0) > 0),
    rewritten: () => rules.reduce((n, r) => n + (r.times ?? 1) - (left.get(r) ?? 0), 0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const HOP_HEADERS = ['content-length', 'content-encoding', 'transfer-encoding', 'connection']

function forwardedHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || ['host', 'connection', 'content-length'].includes(key)) continue
    out[key] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}
