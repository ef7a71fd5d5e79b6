/** PlatformApi and DataApi against a scripted local server: headers, bodies, guards, read-back after ambiguous writes. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createDataApi } from '../../../src/heroku/data.js'
import { createPlatformApi } from '../../../src/heroku/platform.js'
import type { Addon, Attachment, Transfer } from '../../../src/heroku/types.js'
import { Ownership } from '../../../src/safety.js'
import {
  httpFor,
  startFakeServer,
  type FakeServer,
  type Reply,
  type ReceivedRequest
} from '../../fakes/fake-server.js'

let server: FakeServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const APP = { id: 'app-1', name: 'shop' }
const NOW = '2026-11-25T06:00:00Z'

function addon(name: string, over: Partial<Addon> = {}): Addon {
  return {
    id: `id-${name}`,
    name,
    state: 'provisioning',
    created_at: NOW,
    config_vars: [],
    plan: { name: 'heroku-postgresql:essential-0' },
    app: APP,
    ...over
  }
}

function transfer(over: Partial<Transfer>): Transfer {
  return {
    uuid: `t-${over.num ?? 1}`,
    num: 1,
    from_type: 'pg_dump',
    to_type: 'gof3r',
    from_name: 'DATABASE',
    to_name: 'BACKUP',
    source_bytes: 1,
    processed_bytes: 0,
    succeeded: false,
    warnings: 0,
    created_at: NOW,
    started_at: null,
    finished_at: null,
    canceled_at: null,
    ...over
  }
}

/**
 * A little Heroku: `route` answers requests; `faults` (checked first) can replace an answer,
 * e.g. drop the connection after the request has been applied.
 */
async function fakeHeroku(
  route: (req: ReceivedRequest, json: any) => Reply,
  faults: ((req: ReceivedRequest) => Reply | undefined)[] = []
) {
  server = await startFakeServer((req) => {
    const json = req.body ? JSON.parse(req.body) : undefined
    const answer = route(req, json)
    for (const fault of faults) {
      const replaced = fault(req)
      if (replaced) return replaced
    }
    return answer
  })
  const ownership = new Ownership()
  const { http, logs, secrets, clock } = httpFor(server)
  return {
    server,
    ownership,
    logs,
    secrets,
    clock,
    platform: createPlatformApi(http, ownership),
    data: createDataApi(http, ownership)
  }
}

const once = (method: string, path: RegExp, reply: Reply) => {
  let used = false
  return (req: ReceivedRequest) => {
    if (used || req.method !== method || !path.test(req.path)) return undefined
    used = true
    return reply
  }
}

describe('PlatformApi', () => {
  it('lists attachments with the 3.sdk + Accept-Inclusion headers, add-ons with Accept-Expansion', async () => {
    const f = await fakeHeroku(() => ({ status: 200, body: [] }))
    await f.platform.listAttachments('shop')
    await f.platform.listAddons('shop')
    await f.platform.getAddon('shop', 'x')
    const [att, list, one] = f.server.received
    expect(att.path).toBe('/apps/shop/addon-attachments')
    expect(att.headers.accept).toBe('application/vnd.heroku+json; version=3.sdk')
    expect(att.headers['accept-inclusion']).toBe('addon:plan,config_vars')
    expect(list.headers['accept-expansion']).toBe('addon_service,plan')
    expect(list.headers.range).toBe('id ..; max=1000')
    expect(one.path).toBe('/apps/shop/addons/x')
    expect(one.headers.range).toBeUndefined()
  })

  it('creates an add-on with the documented body, accepting the plan with or without its service prefix, and records it', async () => {
    const bodies: unknown[] = []
    const f = await fakeHeroku((_req, json) => {
      bodies.push(json)
      return { status: 201, body: addon(json.name) }
    })
    const a = await f.platform.createAddon('shop', {
      plan: 'essential-0',
      name: 'restore-drill-1-1-abcd',
      attachmentName: 'RESTORE_DRILL'
    })
    await f.platform.createAddon('shop', {
      plan: 'heroku-postgresql:standard-0',
      name: 'restore-drill-1-2-abcd',
      attachmentName: 'RESTORE_DRILL'
    })
    expect(bodies).toEqual([
      {
        plan: { name: 'heroku-postgresql:essential-0' },
        name: 'restore-drill-1-1-abcd',
        attachment: { name: 'RESTORE_DRILL' }
      },
      {
        plan: { name: 'heroku-postgresql:standard-0' },
        name: 'restore-drill-1-2-abcd',
        attachment: { name: 'RESTORE_DRILL' }
      }
    ])
    expect(f.server.received[0].path).toBe('/apps/shop/addons')
    expect(f.ownership.isCreated(a.id)).toBe(true)
  })

  it('after a reset of an applied create, reads the add-on back by name instead of sending the create again', async () => {
    const created = new Map<string, Addon>()
    const f = await fakeHeroku(
      (req, json) => {
        if (req.method === 'POST') {
          created.set(json.name, addon(json.name))
          return { status: 201, body: created.get(json.name) }
        }
        const name = decodeURIComponent(req.path.split('/').pop() ?? '')
        return created.has(name)
          ? { status: 200, body: created.get(name) }
          : { status: 404, body: { id: 'not_found', message: 'nope' } }
      },
      [once('POST', /addons$/, 'reset')]
    )
    const a = await f.platform.createAddon('shop', {
      plan: 'essential-0',
      name: 'restore-drill-7-1-wxyz',
      attachmentName: 'RESTORE_DRILL'
    })
    expect(a.name).toBe('restore-drill-7-1-wxyz')
    expect(f.server.count('POST', '/apps/shop/addons')).toBe(1)
    expect(f.server.count('GET', '/apps/shop/addons/restore-drill-7-1-wxyz')).toBe(1)
    expect(f.ownership.isCreated(a.id)).toBe(true)
  })

  it('after a 503 that was NOT applied, sends the create exactly once more', async () => {
    let posts = 0
    const f = await fakeHeroku((req, json) => {
      if (req.method !== 'POST') return { status: 404, body: { id: 'not_found', message: 'nope' } }
      posts++
      return posts === 1
        ? { status: 503, body: { id: 'unavailable', message: 'down' } }
        : { status: 201, body: addon(json.name) }
    })
    const a = await f.platform.createAddon('shop', {
      plan: 'essential-0',
      name: 'restore-drill-7-1-wxyz',
      attachmentName: 'RESTORE_DRILL'
    })
    expect(a.state).toBe('provisioning')
    expect(f.server.count('POST', '/apps/shop/addons')).toBe(2)
  })

  it('fails at once with one clear line on an unavailable plan (422), without reading back', async () => {
    const f = await fakeHeroku(() => ({
      status: 422,
      body: { id: 'invalid_params', message: 'Plan "heroku-postgresql:nope" not found.' }
    }))
    await expect(
      f.platform.createAddon('shop', {
        plan: 'nope',
        name: 'restore-drill-1-1-abcd',
        attachmentName: 'RESTORE_DRILL'
      })
    ).rejects.toThrow(
      'could not create add-on restore-drill-1-1-abcd with plan heroku-postgresql:nope on app shop (422 invalid_params): Plan "heroku-postgresql:nope" not found.'
    )
    expect(f.server.received).toHaveLength(1)
  })

  it('says what to do on 401 and on an unknown app', async () => {
    const f = await fakeHeroku((req) =>
      req.path === '/account'
        ? { status: 401, body: { id: 'unauthorized', message: 'Invalid credentials provided.' } }
        : { status: 404, body: { id: 'not_found', message: "Couldn't find that app." } }
    )
    await expect(f.platform.getAccount()).rejects.toThrow(
      'Heroku rejected the token (401 unauthorized): check the heroku-api-key secret'
    )
    await expect(f.platform.getApp('nope')).rejects.toThrow(
      'app nope not found or not visible to this token'
    )
  })

  it('refuses to delete an add-on it did not create, sending nothing', async () => {
    const f = await fakeHeroku(() => ({ status: 200, body: {} }))
    await expect(f.platform.deleteAddon('shop', 'id-prod')).rejects.toThrow(
      /refusing to delete add-on id-prod/
    )
    expect(f.server.received).toHaveLength(0)
  })

  it('deletes its own add-on; a 404 means already gone; never one attached as DATABASE', async () => {
    const attachments: Attachment[] = []
    const f = await fakeHeroku((req) => {
      if (req.path.endsWith('/addon-attachments')) return { status: 200, body: attachments }
      if (req.path.endsWith('/id-gone'))
        return { status: 404, body: { id: 'not_found', message: 'gone' } }
      return { status: 200, body: addon('x', { state: 'deprovisioned' }) }
    })
    f.ownership.recordCreated({ id: 'id-mine', name: 'restore-drill-1-1-abcd' })
    f.ownership.recordCreated({ id: 'id-gone', name: 'restore-drill-1-2-abcd' })
    await expect(f.platform.deleteAddon('shop', 'id-mine')).resolves.toBe('deleted')
    await expect(f.platform.deleteAddon('shop', 'id-gone')).resolves.toBe('already-gone')
    attachments.push({
      id: 'att',
      name: 'DATABASE',
      namespace: null,
      addon: { id: 'id-mine', name: 'restore-drill-1-1-abcd', app: APP },
      app: APP
    })
    await expect(f.platform.deleteAddon('shop', 'id-mine')).rejects.toThrow(
      /attached to shop as DATABASE/
    )
    expect(f.server.count('DELETE', /id-mine/)).toBe(1)
  })

  it('promotes only its own add-on or the recorded original to DATABASE', async () => {
    const attachments: Attachment[] = [
      {
        id: 'a1',
        name: 'DATABASE',
        namespace: null,
        addon: { id: 'id-prod', name: 'postgresql-prod', app: APP },
        app: APP
      }
    ]
    const f = await fakeHeroku((req, json) =>
      req.method === 'POST'
        ? {
            status: 201,
            body: {
              id: 'new',
              name: json.name,
              namespace: null,
              addon: { id: '?', name: json.addon.name, app: APP },
              app: APP
            }
          }
        : { status: 200, body: attachments }
    )
    await expect(
      f.platform.attach('shop', { addonName: 'postgresql-prod', name: 'DATABASE' })
    ).rejects.toThrow(/refusing to attach/)
    await expect(
      f.platform.attach('shop', { addonName: 'someone-elses-db', name: 'DATABASE' })
    ).rejects.toThrow(/refusing to attach/)
    expect(f.server.count('POST', '/addon-attachments')).toBe(0)

    f.ownership.recordCreated({ id: 'id-new', name: 'restore-drill-1-1-abcd' })
    f.ownership.recordOriginal('id-prod')
    await f.platform.attach('shop', {
      addonName: 'restore-drill-1-1-abcd',
      name: 'DATABASE',
      namespace: null
    })
    await f.platform.attach('shop', {
      addonName: 'postgresql-prod',
      name: 'DATABASE',
      namespace: null
    })
    const posts = f.server.received
      .filter((r) => r.method === 'POST')
      .map((r) => JSON.parse(r.body))
    expect(posts[0]).toEqual({
      addon: { name: 'restore-drill-1-1-abcd' },
      app: { name: 'shop' },
      confirm: 'shop',
      name: 'DATABASE',
      namespace: null
    })
    expect(posts[1].addon).toEqual({ name: 'postgresql-prod' })
  })

  it('registers database URLs read from config vars as secrets', async () => {
    const f = await fakeHeroku(() => ({
      status: 200,
      body: { DATABASE_URL: 'postgres://u123:pw-0123456789@host:5432/db', RAILS_ENV: 'production' }
    }))
    await f.platform.getConfigVars('shop')
    expect(f.secrets.redact('pw-0123456789 production')).toBe('*** production')
  })
})

describe('DataApi', () => {
  it('refuses to restore onto an add-on this run did not create, sending no request at all', async () => {
    const f = await fakeHeroku(() => ({ status: 200, body: transfer({}) }))
    await expect(
      f.data.restoreBackup('id-prod', { backupUrl: 'https://s3/b001', extensions: [] })
    ).rejects.toThrow('refusing to restore onto add-on id-prod: this run did not create it')
    expect(f.server.received).toHaveLength(0)
  })

  it('restores onto its own add-on with backup_url and normalized extensions', async () => {
    const f = await fakeHeroku(() => ({
      status: 201,
      body: transfer({ num: 5, from_type: 'gof3r', to_type: 'pg_restore' })
    }))
    f.ownership.recordCreated({ id: 'id-new', name: 'restore-drill-1-1-abcd', app: APP })
    const t = await f.data.restoreBackup('id-new', {
      backupUrl: 'https://s3/b001',
      extensions: ['PostGIS ', 'hstore', 'hstore']
    })
    expect(t.num).toBe(5)
    expect(f.server.received[0].path).toBe('/client/v11/databases/id-new/restores')
    expect(JSON.parse(f.server.received[0].body)).toEqual({
      backup_url: 'https://s3/b001',
      extensions: ['hstore', 'postgis']
    })
  })

  it('after a reset of an applied restore, finds the restore in the transfer list instead of re-sending', async () => {
    const transfers: Transfer[] = [
      transfer({
        num: 1,
        created_at: '2026-11-20T00:00:00Z',
        from_type: 'gof3r',
        to_type: 'pg_restore',
        from_url: 'https://s3/b001'
      })
    ]
    const f = await fakeHeroku(
      (req, json) => {
        if (req.method === 'POST') {
          transfers.push(
            transfer({
              num: 2,
              uuid: 'restore-2',
              from_type: 'gof3r',
              to_type: 'pg_restore',
              from_url: json.backup_url
            })
          )
          return { status: 201, body: transfers[1] }
        }
        return { status: 200, body: transfers }
      },
      [once('POST', /restores$/, 'reset')]
    )
    f.ownership.recordCreated({ id: 'id-new', name: 'restore-drill-1-1-abcd', app: APP })
    const t = await f.data.restoreBackup('id-new', { backupUrl: 'https://s3/b001', extensions: [] })
    expect(t.uuid).toBe('restore-2')
    expect(f.server.count('POST', /restores$/)).toBe(1)
    expect(f.server.count('GET', '/client/v11/apps/shop/transfers')).toBe(1)
  })

  it('after a 503 on capture, finds the backup it started (created after the request) in the list', async () => {
    const transfers: Transfer[] = [
      transfer({
        num: 1,
        uuid: 'old',
        created_at: '2026-11-24T02:00:00Z',
        schedule: { uuid: 's' }
      }),
      transfer({ num: 2, uuid: 'old-manual', created_at: '2026-11-24T09:00:00Z' })
    ]
    const f = await fakeHeroku((req) => {
      if (req.method === 'POST') {
        transfers.push(transfer({ num: 3, uuid: 'mine', created_at: NOW }))
        return { status: 503, body: { id: 'unavailable', message: 'oops' } }
      }
      return { status: 200, body: transfers }
    })
    const t = await f.data.captureBackup('id-prod', { app: 'shop' })
    expect(t.uuid).toBe('mine')
    expect(f.server.count('POST', '/client/v11/databases/id-prod/backups')).toBe(1)
  })

  it('after an ambiguous capture, a manual backup someone took a minute earlier is not taken for ours', async () => {
    const minuteAgo = new Date(Date.parse(NOW) - 60_000).toISOString()
    const transfers = [transfer({ num: 7, uuid: 'someone-else', created_at: minuteAgo })]
    let posts = 0
    const f = await fakeHeroku((req) => {
      if (req.method === 'POST') {
        posts++
        if (posts === 1) return 'reset'
        const mine = transfer({ num: 8, uuid: 'mine', created_at: NOW })
        transfers.push(mine)
        return { status: 201, body: mine }
      }
      return { status: 200, body: transfers }
    })
    const t = await f.data.captureBackup('id-prod', { app: 'shop' })
    expect(t.uuid).toBe('mine')
    expect(posts).toBe(2)
  })

  it('when an ambiguous capture did not start, sends it once more (finding the app of the add-on itself)', async () => {
    let posts = 0
    const f = await fakeHeroku((req) => {
      if (req.method === 'POST') {
        posts++
        return posts === 1 ? 'reset' : { status: 201, body: transfer({ num: 9, uuid: 'second' }) }
      }
      if (req.path === '/addons/id-prod')
        return { status: 200, body: addon('postgresql-prod', { id: 'id-prod' }) }
      return { status: 200, body: [] }
    })
    const t = await f.data.captureBackup('id-prod')
    expect(t.uuid).toBe('second')
    expect(posts).toBe(2)
    // One read before the POST (the last transfer number), one after the ambiguous failure.
    expect(f.server.count('GET', '/client/v11/apps/shop/transfers')).toBe(2)
  })

  it('reads database info, wait_status (null on 404) and verbose transfers; hides database_password', async () => {
    const f = await fakeHeroku((req) => {
      if (req.path.endsWith('/wait_status'))
        return { status: 404, body: { id: 'not_found', message: 'x' } }
      if (req.path.startsWith('/client/v11/databases/')) {
        return {
          status: 200,
          body: { num_bytes: 10, num_tables: 11, database_password: 'pg-secret-0123' }
        }
      }
      return { status: 200, body: transfer({ logs: [{ message: 'pg_restore: done' }] }) }
    })
    const info = await f.data.getDatabase('id-new')
    expect(info).toEqual({ num_bytes: 10, num_tables: 11 })
    expect(f.secrets.redact('pg-secret-0123')).toBe('***')
    await expect(f.data.waitStatus('id-new')).resolves.toBeNull()
    const t = await f.data.getTransfer('shop', 'uuid-1', { verbose: true })
    expect(t.logs?.[0].message).toBe('pg_restore: done')
    expect(f.server.received.at(-1)?.path).toBe(
      '/client/v11/apps/shop/transfers/uuid-1?verbose=true'
    )
  })
})
