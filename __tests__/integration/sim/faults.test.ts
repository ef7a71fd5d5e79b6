// Every fault kind of the simulator, armed through POST /__sim/faults and disarmed with DELETE.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import {
  CHINOOK,
  appName,
  client,
  query,
  sim,
  waitAddon,
  waitTransfer,
  type Client
} from './helpers.js'

describe('simulator faults', () => {
  let s: Simulator
  let c: Client
  let app: SimApp
  let backupUrl: string

  const arm = async (fault: unknown) => {
    const r = await fetch(`${s.apiUrl}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify(fault),
      headers: { 'Content-Type': 'application/json' }
    })
    expect(r.status).toBe(201)
    return r.json()
  }
  const faultState = async (): Promise<any> => (await fetch(`${s.apiUrl}/__sim/faults`)).json()

  /** A fresh provisioned add-on on the app; returns its id and URL. */
  async function freshAddon(): Promise<{ id: string; url: string; attachment: string }> {
    const attachment = `DRILL_${Math.random().toString(36).slice(2, 8).toUpperCase()}`
    const r = await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      attachment: { name: attachment }
    })
    expect(r.status).toBe(201)
    await waitAddon(c, app.name, r.body.id)
    const vars = (await c.get(`/apps/${app.name}/config-vars`)).body
    return { id: r.body.id, url: vars[`${attachment}_URL`], attachment }
  }

  async function restoreOnto(target: string): Promise<any> {
    const r = await c.post(`/client/v11/databases/${target}/restores`, { backup_url: backupUrl })
    expect(r.status).toBe(201)
    return waitTransfer(c, app.name, r.body.uuid)
  }

  beforeAll(async () => {
    s = await sim()
    c = client(s)
    app = await s.createApp(appName('faults'), { sqlFile: CHINOOK })
    backupUrl = (await c.get(`/client/v11/apps/${app.name}/transfers/1`)).body.to_url
  })
  afterEach(async () => {
    await fetch(`${s.apiUrl}/__sim/faults`, { method: 'DELETE' })
  })
  afterAll(async () => {
    await s?.close()
  })

  it('rejects unknown kinds and bad fields with 422 invalid_params', async () => {
    for (const bad of [
      { kind: 'nope' },
      { kind: 'http', status: 404 },
      { kind: 'reset', path: '(' },
      { kind: 'transfer-fail' },
      { kind: 'restore-drop-table' },
      { kind: 'transfer-warnings', count: 0 },
      { kind: 'provision-slow' },
      { kind: 'transfer-slow', transfer: 'restore', seconds: -1 }
    ]) {
      const r = await fetch(`${s.apiUrl}/__sim/faults`, {
        method: 'POST',
        body: JSON.stringify(bad)
      })
      expect(r.status).toBe(422)
      expect(((await r.json()) as any).id).toBe('invalid_params')
    }
  })

  it('http: answers the status N times on matching paths, then recovers; DELETE disarms', async () => {
    await arm([{ kind: 'http', status: 503, count: 2, path: '/config-vars$' }])
    expect((await c.get(`/apps/${app.name}`)).status).toBe(200)
    const first = await c.get(`/apps/${app.name}/config-vars`)
    expect([first.status, first.body.id]).toEqual([503, 'service_unavailable'])
    expect((await c.get(`/apps/${app.name}/config-vars`)).status).toBe(503)
    expect((await c.get(`/apps/${app.name}/config-vars`)).status).toBe(200)

    await arm({ kind: 'http', status: 429, count: 5 })
    const limited = await c.get('/account')
    expect([limited.status, limited.body.id]).toEqual([429, 'rate_limit'])
    expect(limited.headers.get('retry-after')).toBe('1')
    await fetch(`${s.apiUrl}/__sim/faults`, { method: 'DELETE' })
    expect((await c.get('/account')).status).toBe(200)

    await arm({ kind: 'http', status: 500, count: 1, path: 'transfers' })
    const e500 = await c.get(`/client/v11/apps/${app.name}/transfers`)
    expect([e500.status, e500.body.id]).toEqual([500, 'internal_server_error'])
  })

  it('http with when=after: the write is applied, the answer lost (an ambiguous write)', async () => {
    await arm({ kind: 'http', status: 500, count: 1, path: '/backups$', when: 'after' })
    const before = (await c.get(`/client/v11/apps/${app.name}/transfers`)).body.length
    const r = await c.post(`/client/v11/databases/${app.addonId}/backups`)
    expect(r.status).toBe(500)
    const list = (await c.get(`/client/v11/apps/${app.name}/transfers`)).body
    expect(list.length).toBe(before + 1)
    await waitTransfer(c, app.name, list[list.length - 1].uuid)
  })

  it('reset: drops the connection N times, recorded in the audit with status 0', async () => {
    await arm({ kind: 'reset', count: 1, path: '^/account$' })
    await expect(c.get('/account')).rejects.toThrow()
    expect((await c.get('/account')).status).toBe(200)
    const audit = s.audit().filter((e) => e.path === '/account')
    expect(audit.map((e) => e.status).slice(-2)).toEqual([0, 200])
  })

  it('provision-fail: the add-on ends deprovisioned and wait_status reports an error', async () => {
    await arm({ kind: 'provision-fail' })
    const r = await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0',
      attachment: { name: 'WILL_FAIL' }
    })
    expect(r.status).toBe(201)
    expect(r.body.state).toBe('provisioning')
    const final = await waitAddon(c, app.name, r.body.name)
    expect(final.state).toBe('deprovisioned')
    const ws = await c.get(`/client/v11/databases/${r.body.id}/wait_status`)
    expect(ws.body).toMatchObject({ 'error?': true, 'waiting?': false })
    expect(Object.keys((await c.get(`/apps/${app.name}/config-vars`)).body)).not.toContain(
      'WILL_FAIL_URL'
    )
    expect((await faultState()).events.some((e: any) => e.fault.kind === 'provision-fail')).toBe(
      true
    )
  })

  it('provision-slow and transfer-slow (extensions): one add-on or transfer takes the given time', async () => {
    await arm([
      { kind: 'provision-slow', seconds: 1.5 },
      { kind: 'transfer-slow', transfer: 'capture', seconds: 1.5 }
    ])
    const started = Date.now()
    const r = await c.post(`/apps/${app.name}/addons`, { plan: 'heroku-postgresql:essential-0' })
    const b = await c.post(`/client/v11/databases/${app.addonId}/backups`)
    expect((await c.get(`/apps/${app.name}/addons/${r.body.id}`)).body.state).toBe('provisioning')
    expect(
      (await c.get(`/client/v11/apps/${app.name}/transfers/${b.body.uuid}`)).body.finished_at
    ).toBeNull()
    await waitAddon(c, app.name, r.body.id)
    const t = await waitTransfer(c, app.name, b.body.uuid)
    expect(t.succeeded).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
    // Used up: the next ones are quick again.
    const quick = await c.post(`/apps/${app.name}/addons`, {
      plan: 'heroku-postgresql:essential-0'
    })
    expect((await waitAddon(c, app.name, quick.body.id)).state).toBe('provisioned')
    for (const id of [r.body.id, quick.body.id]) await c.del(`/apps/${app.name}/addons/${id}`)
  })

  it('transfer-fail capture: the backup finishes unsucceeded with error logs', async () => {
    await arm({ kind: 'transfer-fail', transfer: 'capture' })
    const r = await c.post(`/client/v11/databases/${app.addonId}/backups`)
    const t = await waitTransfer(c, app.name, r.body.uuid)
    expect(t).toMatchObject({ succeeded: false, finished_at: expect.any(String) })
    expect(t.logs.some((l: any) => l.level === 'error')).toBe(true)
    expect(
      (await c.post(`/client/v11/databases/${app.addonId}/restores`, { backup_url: t.to_url }))
        .status
    ).toBe(422)
  })

  it('transfer-fail restore: the restore finishes unsucceeded', async () => {
    const target = await freshAddon()
    await arm({ kind: 'transfer-fail', transfer: 'restore' })
    const t = await restoreOnto(target.id)
    expect(t.succeeded).toBe(false)
    expect(t.logs.map((l: any) => l.message).join('\n')).toMatch(/pg_restore: error/)
  })

  it('transfer-warnings: real errors by default, harmless ownership errors with benign', async () => {
    const target = await freshAddon()
    await arm({ kind: 'transfer-warnings', transfer: 'restore', count: 2 })
    const real = await restoreOnto(target.id)
    expect(real).toMatchObject({ succeeded: true, warnings: 2 })
    const messages = real.logs.map((l: any) => l.message)
    expect(messages.filter((m: string) => /COPY failed for table/.test(m))).toHaveLength(2)
    expect(messages).toContain('pg_restore: warning: errors ignored on restore: 2')

    await arm({ kind: 'transfer-warnings', count: 3, benign: true })
    const benign = await restoreOnto(target.id)
    expect(benign).toMatchObject({ succeeded: true, warnings: 3 })
    expect(
      benign.logs.filter((l: any) => /must be owner of extension plpgsql/.test(l.message))
    ).toHaveLength(3)
    // The data itself is intact.
    expect((await query(target.url, 'select count(*)::int as n from track'))[0].n).toBe(3503)
  })

  it('restore-drop-table: the table is gone after an otherwise good restore', async () => {
    const target = await freshAddon()
    await arm({ kind: 'restore-drop-table', table: 'public.invoice_line' })
    expect((await restoreOnto(target.id)).succeeded).toBe(true)
    expect(await query(target.url, `select to_regclass('public.invoice_line') as t`)).toEqual([
      { t: null }
    ])
    expect(
      await query(target.url, `select to_regclass('public.invoice') is not null as t`)
    ).toEqual([{ t: true }])
  })

  it('restore-delete-rows: N rows fewer', async () => {
    const target = await freshAddon()
    await arm({ kind: 'restore-delete-rows', table: 'public.track', count: 7 })
    await restoreOnto(target.id)
    expect((await query(target.url, 'select count(*)::int as n from track'))[0].n).toBe(3503 - 7)
  })

  it('restore-alter-row: one value changed, row count unchanged', async () => {
    const target = await freshAddon()
    await arm({ kind: 'restore-alter-row', table: 'public.artist' })
    await restoreOnto(target.id)
    const sql = `select artist_id, name from artist order by artist_id`
    const [src, dst] = await Promise.all([query(app.databaseUrl, sql), query(target.url, sql)])
    expect(dst).toHaveLength(src.length)
    const diff = src.filter((row, i) => JSON.stringify(row) !== JSON.stringify(dst[i]))
    expect(diff).toHaveLength(1)
  })

  it('restore-alter-row on another table changes exactly one value there too', async () => {
    const target = await freshAddon()
    await arm({ kind: 'restore-alter-row', table: 'public.album' })
    await restoreOnto(target.id)
    const sql = `select album_id, title, artist_id from album order by album_id`
    const [src, dst] = await Promise.all([query(app.databaseUrl, sql), query(target.url, sql)])
    expect(dst).toHaveLength(src.length)
    expect(src.filter((row, i) => JSON.stringify(row) !== JSON.stringify(dst[i]))).toHaveLength(1)
  })

  it('restore-reset-sequence: the sequence falls behind the column it feeds', async () => {
    const target = await freshAddon()
    await arm({ kind: 'restore-reset-sequence', sequence: 'public.album_album_id_seq' })
    await restoreOnto(target.id)
    const [{ last_value, is_called }] = await query(
      target.url,
      'select last_value::int, is_called from album_album_id_seq'
    )
    expect([last_value, is_called]).toEqual([1, false])
    await expect(
      query(target.url, `insert into album (title, artist_id) values ('x', 1)`)
    ).rejects.toThrow(/duplicate key/)
  })

  it('restore-drop-index: a plain index, or the constraint owning it', async () => {
    const target = await freshAddon()
    await arm([
      { kind: 'restore-drop-index', index: 'public.artist_pkey' },
      { kind: 'restore-drop-index', index: 'public.album_artist_id_idx' }
    ])
    await restoreOnto(target.id)
    const idx = await query(
      target.url,
      `select indexname from pg_indexes where tablename in ('artist','album') order by 1`
    )
    const names = idx.map((r) => r.indexname)
    expect(names).not.toContain('artist_pkey')
    expect(names).not.toContain('album_artist_id_idx')
    expect(names).toContain('album_pkey')
    const events = (await faultState()).events.filter(
      (e: any) => e.fault.kind === 'restore-drop-index'
    )
    expect(events.every((e: any) => !e.error)).toBe(true)
  })

  it('damage faults wait for a successful restore and are reported when they cannot apply', async () => {
    const target = await freshAddon()
    await arm({ kind: 'restore-drop-table', table: 'public.no_such_table' })
    expect((await faultState()).armed).toHaveLength(1)
    await restoreOnto(target.id)
    const st = await faultState()
    expect(st.armed).toHaveLength(0)
    expect(st.events.pop()).toMatchObject({
      error: true,
      detail: expect.stringMatching(/no_such_table/)
    })
  })
})
