/**
 * Issue 25 #13: a man in the middle between the action and a database. Heroku's certificates do
 * not chain to a public CA, so the action cannot verify them; what it does instead is channel
 * binding: the SCRAM login is bound to the TLS session the client sees, and a proxy that ends TLS
 * with a certificate of its own (and opens its own TLS session to the server) fails the login.
 * A control connection without channel binding gets through the same proxy: the attack is real.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import pg from 'pg'
import { connectionConfig } from '../../../src/db.js'

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f])
const adminUrl = process.env.PG_TEST_URL!
let admin: pg.Client
let certDir: string
let mitm: net.Server
let mitmPort: number

/** A self-signed certificate and key in `dir`, named `name`. */
function selfSigned(dir: string, name: string, cn: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`)
  const key = join(dir, `${name}.key`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      key,
      '-out',
      cert
    ],
    { stdio: 'ignore' }
  )
  return { cert, key }
}

/** The bytes `socket` sends until `n` have come (the client's SSLRequest, the server's 'S'). */
function readExactly(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk])
      if (got.length < n) return
      socket.off('data', onData)
      // Paused, so nothing that follows (the TLS handshake) is read before TLS takes the socket.
      socket.pause()
      if (got.length > n) socket.unshift(got.subarray(n))
      resolve(got.subarray(0, n))
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
}

/** Ends the client's TLS with its own certificate, opens its own TLS to the server, relays. */
function startMitm(serverPort: number, own: { cert: string; key: string }): Promise<net.Server> {
  const server = net.createServer(async (client) => {
    client.on('error', () => {})
    try {
      if (!(await readExactly(client, 8)).equals(SSL_REQUEST)) {
        client.destroy()
        return
      }
      client.write('S')
      const upstream = net.connect(serverPort, '127.0.0.1')
      upstream.on('error', () => client.destroy())
      await new Promise((r) => upstream.once('connect', r))
      upstream.write(SSL_REQUEST)
      if ((await readExactly(upstream, 1)).toString() !== 'S') {
        client.destroy()
        return
      }
      const toServer = tls.connect({ socket: upstream, rejectUnauthorized: false })
      const fromClient = new tls.TLSSocket(client, {
        isServer: true,
        cert: readFileSync(own.cert),
        key: readFileSync(own.key)
      })
      for (const s of [toServer, fromClient])
        s.on('error', () => (toServer.destroy(), fromClient.destroy()))
      fromClient.pipe(toServer).pipe(fromClient)
    } catch {
      client.destroy()
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  const dataDir = (await admin.query<{ data_directory: string }>('show data_directory')).rows[0]
    .data_directory
  const owner = statSync(dataDir)
  certDir = mkdtempSync(join(tmpdir(), 'cb-'))
  chmodSync(certDir, 0o755)
  const server = selfSigned(certDir, 'server', 'db.example.com')
  for (const f of [server.cert, server.key]) {
    chownSync(f, owner.uid, owner.gid)
    chmodSync(f, 0o600)
  }
  await admin.query(`alter system set ssl_cert_file = '${server.cert}'`)
  await admin.query(`alter system set ssl_key_file = '${server.key}'`)
  await admin.query('alter system set ssl = on')
  await admin.query('select pg_reload_conf()')
  for (let i = 0; i < 50; i++) {
    if ((await admin.query<{ ssl: string }>('show ssl')).rows[0].ssl === 'on') break
    await new Promise((r) => setTimeout(r, 100))
  }
  await admin.query("set password_encryption = 'scram-sha-256'")
  await admin.query('drop role if exists cb_user')
  await admin.query("create role cb_user login password 'cb-secret'")
  const port = Number(new URL(adminUrl).port || 5432)
  mitm = await startMitm(port, selfSigned(certDir, 'mitm', 'db.example.com'))
  mitmPort = (mitm.address() as net.AddressInfo).port
})

afterAll(async () => {
  mitm?.close()
  await admin.query('drop role if exists cb_user').catch(() => {})
  for (const setting of ['ssl', 'ssl_cert_file', 'ssl_key_file'])
    await admin.query(`alter system reset ${setting}`).catch(() => {})
  await admin.query('select pg_reload_conf()').catch(() => {})
  await admin.end()
  rmSync(certDir, { recursive: true, force: true })
})

/** Logs in through the proxy; 0.0.0.0 is this machine but not loopback by name, so TLS is used. */
async function login(config: pg.ClientConfig): Promise<string> {
  const client = new pg.Client(config)
  try {
    await client.connect()
    const { rows } = await client.query<{ ssl: boolean }>(
      'select ssl from pg_stat_ssl where pid = pg_backend_pid()'
    )
    return rows[0].ssl ? 'logged in over TLS' : 'logged in without TLS'
  } catch (err) {
    return `refused: ${(err as Error).message}`
  } finally {
    await client.end().catch(() => {})
  }
}

describe('a man in the middle with its own certificate', () => {
  const url = () => `postgres://cb_user:cb-secret@0.0.0.0:${mitmPort}/postgres`

  test('control: without channel binding the proxy gets through (the attack the action must stop)', async () => {
    const config = { ...connectionConfig(url()), enableChannelBinding: false } as pg.ClientConfig
    expect(await login(config)).toBe('logged in over TLS')
  })

  test("the action's connection settings refuse the login: the binding does not match", async () => {
    const config = connectionConfig(url())
    expect((config as { enableChannelBinding?: boolean }).enableChannelBinding).toBe(true)
    expect(await login(config)).toMatch(/^refused: .*(channel binding|SCRAM|SASL|password)/i)
  })

  test('straight to the server (no proxy), the same settings log in', async () => {
    // The server itself, over TLS on 0.0.0.0: channel binding matches.
    const port = Number(new URL(adminUrl).port || 5432)
    const direct = connectionConfig(`postgres://cb_user:cb-secret@0.0.0.0:${port}/postgres`)
    expect(await login(direct)).toBe('logged in over TLS')
  })
})
