// The action's own Heroku clients (src/heroku) against the simulator: the drill's call sequence
// works end to end, and read-back after an ambiguous write finds what the
// simulator really did.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createDataApi } from '../../../src/heroku/data.js'
import { createHerokuHttp } from '../../../src/heroku/http.js'
import { createPlatformApi } from '../../../src/heroku/platform.js'
import { backupName } from '../../../src/heroku/types.js'
import { Ownership, SecretRegistry } from '../../../src/safety.js'
import type { SimApp, Simulator } from '../../../sim/server.js'
import { CHINOOK, appName, dumpTables, sim } from './helpers.js'

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('src/heroku clients against the simulator', () => {
  let s: Simulator
  let app: SimApp

  function clients() {
    const secrets = new SecretRegistry()
    const ownership = new Ownership()
    const logs: string[] = []
    const http = createHerokuHttp({
      token: s.token,
      apiUrl: s.apiUrl,
      dataApiUrl: s.dataApiUrl,
      secrets,
      log: (l) => logs.push(l),
      retry: { baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 200 }
    })
    return {
      platform: createPlatformApi(http, ownership),
      data: createDataApi(http, ownership),
      ownership,
      secrets,
      logs
    }
  }

  beforeAll(async () => {
    s = await sim({ provisionDelaySeconds: 1, captureDelaySeconds: 1, restoreDelaySeconds: 1 })
    app = await s.createApp(appName('clients'), { sqlFile: CHINOOK })
  })
  afterAll(async () => {
    await s?.close()
  })

  it('runs the drill call sequence: resolve, provision, capture, restore, verify, promote and back, delete', async () => {
    const { platform, data, ownership, secrets } = clients()
    expect((await platform.getApp(app.name)).maintenance).toBe(false)
    const atts = await platform.listAttachments(app.name)
    const prod = atts.find((a) => a.name === 'DATABASE')!
    expect(prod.addon.plan?.name).toBe('heroku-postgresql:essential-0')
    expect(prod.config_vars).toEqual(['DATABASE_URL'])
    ownership.recordOriginal({ id: prod.addon.id, name: prod.addon.name })
    const schedules = await data.listSchedules(prod.addon.id)
    expect(schedules).toEqual([
      expect.objectContaining({ name: 'DATABASE_URL', hour: 2, timezone: 'UTC' })
    ])
    const before = await data.listTransfers(app.name)
    expect(before.map(backupName)).toEqual(['a001'])

    const name = `restore-drill-${app.name}-7-1-zzzz`
    const [created, capture] = await Promise.all([
      platform.createAddon(app.name, {
        plan: 'essential-0',
        name,
        attachmentName: 'RESTORE_DRILL'
      }),
      data.captureBackup(prod.addon.id, { app: app.name })
    ])
    expect(created.state).toBe('provisioning')
    await waitFor(async () =>
      (await platform.getAddon(app.name, name))?.state !== 'provisioning' ? true : undefined
    )
    const ws = await data.waitStatus(created.id)
    expect(ws?.['waiting?']).toBe(false)
    const captured = await waitFor(async () => {
      const t = await data.getTransfer(app.name, capture.uuid)
      return t.finished_at ? t : undefined
    })
    expect(captured.succeeded).toBe(true)
    expect(backupName(captured)).toBe('b002')

    const info = await data.getDatabase(prod.addon.id)
    // Essential-tier info has no postgres_version: the client reads it from info[] "PG Version".
    expect(info?.postgres_version).toMatch(/^\d+(\.\d+)?$/)
    expect(JSON.stringify(info)).not.toContain('database_password')

    const restore = await data.restoreBackup(created.id, {
      backupUrl: captured.to_url!,
      extensions: ['PG_TRGM ']
    })
    const restored = await waitFor(async () => {
      const t = await data.getTransfer(app.id, restore.uuid, { verbose: true })
      return t.finished_at ? t : undefined
    })
    expect(restored.succeeded).toBe(true)
    expect(backupName(restored)).toBe('r003')
    const vars = await platform.getConfigVars(app.name)
    expect(secrets.redact(vars.RESTORE_DRILL_URL)).not.toContain(
      new URL(vars.RESTORE_DRILL_URL).password
    )
    expect(await dumpTables(vars.RESTORE_DRILL_URL)).toEqual(await dumpTables(app.databaseUrl))

    await platform.setMaintenance(app.name, true)
    await platform.attach(app.name, { addonName: prod.addon.name, namespace: null })
    await platform.attach(app.name, { addonName: name, name: 'DATABASE', namespace: null })
    expect((await platform.getConfigVars(app.name)).DATABASE_URL).toBe(vars.RESTORE_DRILL_URL)
    await expect(platform.deleteAddon(app.name, created.id)).rejects.toThrow(
      /attached to .* as DATABASE/
    )
    await platform.attach(app.name, {
      addonName: prod.addon.name,
      name: 'DATABASE',
      namespace: null
    })
    expect((await platform.getConfigVars(app.name)).DATABASE_URL).toBe(app.databaseUrl)
    expect((await platform.setMaintenance(app.name, false)).maintenance).toBe(false)

    expect(await platform.deleteAddon(app.name, created.id)).toBe('deleted')
    // Deprovisioning takes a moment, as on Heroku.
    expect((await platform.getAddon(app.name, created.id))?.state).toBe('deprovisioning')
    expect(
      await waitFor(async () =>
        (await platform.getAddon(app.name, created.id)) === null ? 'gone' : undefined
      )
    ).toBe('gone')
  })

  it('retries GETs through 503 bursts and resets; reads back an ambiguous capture instead of starting a second', async () => {
    const { data, platform } = clients()
    s.armFaults([
      { kind: 'http', status: 503, count: 2, path: '/addon-attachments' },
      { kind: 'reset', count: 1, path: '/config-vars' }
    ])
    expect((await platform.listAttachments(app.name)).length).toBeGreaterThan(0)
    expect(Object.keys(await platform.getConfigVars(app.name))).toContain('DATABASE_URL')

    const before = (await data.listTransfers(app.name)).length
    s.armFaults({ kind: 'reset', count: 1, path: '/backups$', when: 'after' })
    const t = await data.captureBackup(app.addonId, { app: app.name })
    const after = await data.listTransfers(app.name)
    expect(after.length).toBe(before + 1)
    expect(backupName(t)).toMatch(/^b/)
    // The read-back finds the backup this request started, not b002 of the previous test.
    expect(t.num).toBe(Math.max(...after.map((x) => x.num)))
    const posts = s.audit().filter((e) => e.method === 'POST' && e.path.endsWith('/backups'))
    expect(posts.map((e) => e.status).slice(-1)).toEqual([0])
  })
})
