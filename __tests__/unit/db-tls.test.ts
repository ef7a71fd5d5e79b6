/**
 * Issue 25 #13: how the action connects to a database from its URL. TLS on every host but
 * loopback, channel binding (SCRAM-SHA-256-PLUS) offered whenever TLS is, and the certificate
 * verified when the URL asks; the URL's own ssl parameters never switch TLS off.
 */
import { describe, expect, test } from '@jest/globals'
import { connectionConfig } from '../../src/db.js'

const config = (url: string) => connectionConfig(url) as Record<string, unknown>

describe('connectionConfig', () => {
  test('a Heroku URL: TLS with channel binding; the certificate is not verified (no public CA)', () => {
    const c = config('postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d1')
    expect(c.ssl).toEqual({ rejectUnauthorized: false })
    expect(c.enableChannelBinding).toBe(true)
  })

  test('sslmode=verify-full or verify-ca in the URL: the certificate is verified', () => {
    for (const mode of ['verify-full', 'verify-ca'])
      expect(config(`postgres://u:p@db.example.com/d?sslmode=${mode}`).ssl).toEqual({
        rejectUnauthorized: true
      })
  })

  test('sslmode=disable in a URL cannot switch TLS off for a remote host', () => {
    const c = config('postgres://u:p@db.example.com/d?sslmode=disable')
    expect(c.ssl).toEqual({ rejectUnauthorized: false })
    expect(c.enableChannelBinding).toBe(true)
  })

  test('loopback (the simulator): no TLS, so no channel binding', () => {
    const c = config('postgres://u:p@127.0.0.1:5433/d')
    expect(c.ssl).toBe(false)
    expect(c.enableChannelBinding).toBe(false)
  })
})
