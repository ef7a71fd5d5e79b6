// The pg_restore on the runner is checked against the dump's pg_dump before anything is created.
import { describe, expect, it } from '@jest/globals'
import { clientMajorOf, clientTooOld, dumpedByOf } from '../../src/rules/dump-version.js'

const LISTING = `;
; Archive created at 2026-03-01 04:00:01 UTC
;     dbname: d9x
;     TOC Entries: 212
;     Compression: gzip
;     Dump Version: 1.16-0
;     Format: CUSTOM
;     Dumped from database version: 17.4 (Ubuntu 17.4-1.pgdg22.04+2)
;     Dumped by pg_dump version: 17.2 (Ubuntu 17.2-1.pgdg22.04+1)
;
; Selected TOC Entries:
`

describe('the dump against the client', () => {
  it('reads both versions', () => {
    expect(clientMajorOf('pg_restore (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)')).toBe(15)
    expect(clientMajorOf('pg_restore (PostgreSQL) 17.2')).toBe(17)
    expect(clientMajorOf('nonsense')).toBeNull()
    expect(dumpedByOf(LISTING)).toEqual({ text: '17.2', major: 17 })
    expect(dumpedByOf('; no header')).toBeNull()
  })

  it('a client older than the dump is refused with the exact install command', () => {
    const problem = clientTooOld(15, dumpedByOf(LISTING), 17)
    expect(problem).toContain('pg_restore is version 15')
    expect(problem).toContain('pg_dump 17.2')
    expect(problem).toContain('sudo apt-get install -y postgresql-client-17')
    expect(problem).not.toMatch(/\n/)
  })

  it('an archive the client cannot even list: the source major names the client to install', () => {
    expect(clientTooOld(14, null, 16)).toContain('postgresql-client-16')
  })

  it('the same or a newer client passes', () => {
    expect(clientTooOld(17, dumpedByOf(LISTING), 17)).toBeNull()
    expect(clientTooOld(18, dumpedByOf(LISTING), 17)).toBeNull()
    expect(clientTooOld(16, null, 15)).toBeNull()
  })
})
