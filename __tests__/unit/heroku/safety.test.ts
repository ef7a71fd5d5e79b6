import { describe, expect, it } from '@jest/globals'
import {
  DRILL_ADDON_PREFIX,
  DRILL_ATTACHMENT_NAME,
  Ownership,
  SecretRegistry,
  isStaleDrillAddon,
  redact
} from '../../../src/safety.js'

describe('redact', () => {
  it('removes registered secrets, URL credentials and Authorization values', () => {
    const text =
      'token hrku-abcdef123456 failed; url postgres://u1x:s3cr3tpass@db.example.com:5432/d1 and ' +
      'postgresql://app:pw@10.0.0.1/x; header Authorization: Bearer abc.def-ghi and Basic OnRva2Vu=='
    const out = redact(text, ['hrku-abcdef123456'])
    expect(out).not.toContain('hrku-abcdef123456')
    expect(out).not.toContain('s3cr3tpass')
    expect(out).not.toContain('u1x')
    expect(out).not.toContain(':pw@')
    expect(out).not.toContain('abc.def-ghi')
    expect(out).not.toContain('OnRva2Vu')
    expect(out).toContain('postgres://***:***@db.example.com:5432/d1')
    expect(out).toContain('Bearer ***')
  })

  it('removes a password holding a raw @ whole', () => {
    expect(redact('postgres://u:p@ss@host/db', [])).toBe('postgres://***:***@host/db')
  })

  it('removes password= in key/value connection strings', () => {
    expect(redact('host=x password=hunter22 user=y', [])).toBe('host=x password=*** user=y')
  })

  it('leaves ordinary text alone', () => {
    expect(redact('restored 11 tables from b042 on shop', ['hrku-abcdef123456'])).toBe(
      'restored 11 tables from b042 on shop'
    )
  })
})

describe('SecretRegistry', () => {
  it('ignores empty and short values, which would garble ordinary text', () => {
    const added: string[] = []
    const r = new SecretRegistry((s) => added.push(s))
    r.add('')
    r.add(undefined)
    r.add('abc')
    r.add('longsecretvalue')
    r.add('longsecretvalue')
    expect(added).toEqual(['longsecretvalue'])
    expect(r.redact('abc longsecretvalue')).toBe('abc ***')
  })

  it('registers a URL and its password, which may later appear alone', () => {
    const r = new SecretRegistry()
    r.addUrl('postgres://role_x:Pa55w0rd%21xyz@127.0.0.1:5432/db')
    expect(r.redact('password authentication failed: Pa55w0rd!xyz')).not.toContain('Pa55w0rd')
  })
})

describe('stale drill add-ons', () => {
  const now = new Date('2026-11-25T06:00:00Z')
  it('are ours by name and older than a day', () => {
    expect(DRILL_ADDON_PREFIX).toBe('restore-drill-')
    expect(DRILL_ATTACHMENT_NAME).toBe('RESTORE_DRILL')
    expect(
      isStaleDrillAddon(
        { name: 'restore-drill-123-1-ab12', created_at: '2026-11-24T05:59:00Z' },
        now
      )
    ).toBe(true)
    expect(
      isStaleDrillAddon(
        { name: 'restore-drill-123-1-ab12', created_at: '2026-11-24T06:01:00Z' },
        now
      )
    ).toBe(false)
    expect(
      isStaleDrillAddon(
        { name: 'postgresql-concave-52656', created_at: '2020-01-01T00:00:00Z' },
        now
      )
    ).toBe(false)
    expect(
      isStaleDrillAddon({ name: 'my-restore-drill-1', created_at: '2020-01-01T00:00:00Z' }, now)
    ).toBe(false)
    expect(isStaleDrillAddon({ name: 'restore-drill-1', created_at: 'garbage' }, now)).toBe(false)
  })
})

describe('Ownership', () => {
  const now = new Date('2026-11-25T06:00:00Z')
  it('allows restore only onto add-ons this run created', () => {
    const o = new Ownership()
    o.recordCreated({ id: 'A1', name: 'restore-drill-1-1-abcd', app: { name: 'shop' } })
    expect(() => o.assertCreated('A1', 'restore onto')).not.toThrow()
    expect(() => o.assertCreated('PROD', 'restore onto')).toThrow(
      'refusing to restore onto add-on PROD: this run did not create it'
    )
  })

  it('allows delete of created and recorded-stale add-ons only; stale means our name and over a day old', () => {
    const o = new Ownership()
    o.recordCreated({ id: 'A1', name: 'restore-drill-1-1-abcd' })
    o.recordStale(
      { id: 'S1', name: 'restore-drill-0-1-zzzz', created_at: '2026-11-20T00:00:00Z' },
      now
    )
    expect(() =>
      o.recordStale({ id: 'P', name: 'postgresql-x', created_at: '2020-01-01T00:00:00Z' }, now)
    ).toThrow(/refusing/)
    expect(() =>
      o.recordStale(
        { id: 'F', name: 'restore-drill-9-1-new1', created_at: '2026-11-25T05:00:00Z' },
        now
      )
    ).toThrow(/refusing/)
    expect(() => o.assertDeletable('A1')).not.toThrow()
    expect(() => o.assertDeletable('S1')).not.toThrow()
    expect(() => o.assertDeletable('P')).toThrow(/refusing to delete add-on P/)
    expect(() => o.assertCreated('S1', 'restore onto')).toThrow(/refusing/)
  })

  it('allows attach for created add-ons and the recorded original only', () => {
    const o = new Ownership()
    o.recordCreated({ id: 'A1', name: 'restore-drill-1-1-abcd' })
    o.recordOriginal({ id: 'ORIG', name: 'postgresql-prod-1' })
    expect(() => o.assertAttachable('A1', 'DATABASE')).not.toThrow()
    expect(() => o.assertAttachable('ORIG', 'DATABASE')).not.toThrow()
    expect(() => o.assertAttachable('OTHER', 'DATABASE')).toThrow(
      /refusing to attach add-on OTHER as DATABASE/
    )
    expect(o.idForName('postgresql-prod-1')).toBe('ORIG')
  })
})
