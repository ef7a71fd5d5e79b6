// The drill's pure pieces and its phases against in-memory fakes (no simulator): add-on names,
// source resolution, backup choice, preflight policies, clean-up from saved state, the command-file
// parser of run-action and the failure line.
import { describe, expect, test } from '@jest/globals'
import { cleanUp } from '../../src/steps/cleanup.js'
import type { DrillConfig } from '../../src/config.js'
import { drillAddonName } from '../../src/safety.js'
import { isStaleDrillAddon } from '../../src/safety.js'
import type { DataApi } from '../../src/heroku/data.js'
import type { PlatformApi } from '../../src/heroku/platform.js'
import type { Addon, Attachment, Transfer } from '../../src/heroku/types.js'
import { DrillError, preflight } from '../../src/steps/preflight.js'
import { chooseBackup, sourceBackupsOf } from '../../src/rules/backups.js'
import { resolveSource } from '../../src/rules/source.js'
import { sendHeartbeat } from '../../src/heartbeat.js'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Ownership } from '../../src/safety.js'
import { DrillState, readSavedState, type SavedState } from '../../src/state.js'
import { parseCommandFile } from '../../scripts/run-action.js'
import { drillConfig } from '../fakes/fake-heroku.js'

const APP = { id: 'app-1', name: 'shop' }
const PG = { name: 'heroku-postgresql:standard-0' }

function addon(id: string, name: string, extra: Partial<Addon> = {}): Addon {
  return {
    id,
    name,
    state: 'provisioned',
    created_at: new Date().toISOString(),
    config_vars: [],
    plan: PG,
    app: APP,
    addon_service: { name: 'heroku-postgresql' },
    ...extra
  }
}

function attachment(name: string, a: Addon, namespace: string | null = null): Attachment {
  return {
    id: `att-${name}`,
    name,
    namespace,
    addon: { id: a.id, name: a.name, app: APP, plan: a.plan },
    app: APP,
    config_vars: [`${name}_URL`]
  }
}

function transfer(num: number, extra: Partial<Transfer> = {}): Transfer {
  const finished = new Date(Date.now() - (100 - num) * 60_000).toISOString()
  return {
    uuid: `t-${num}`,
    num,
    from_type: 'pg_dump',
    to_type: 'gof3r',
    from_name: 'DATABASE',
    to_name: 'BACKUP',
    schedule: null,
    source_bytes: 1,
    processed_bytes: 1,
    succeeded: true,
    warnings: 0,
    created_at: finished,
    started_at: finished,
    finished_at: finished,
    canceled_at: null,
    ...extra
  }
}

const prod = addon('prod-id', 'postgresql-round-1')
const cyan = addon('cyan-id', 'postgresql-flat-2')
const redis = addon('redis-id', 'redis-cubic-3', {
  plan: { name: 'heroku-redis:mini' },
  addon_service: { name: 'heroku-redis' }
})
const attachments = [
  attachment('DATABASE', prod),
  attachment('HEROKU_POSTGRESQL_PINK', prod),
  attachment('DATABASE', prod, 'credential:analyst'),
  attachment('HEROKU_POSTGRESQL_CYAN', cyan),
  attachment('REDIS', redis)
]
const addons = [prod, cyan, redis]

describe('drillAddonName', () => {
  test('recognisable, valid for Heroku and short', () => {
    const name = drillAddonName(
      'My_Shop.Production-EU-west-with-a-long-name',
      '12345678901234',
      '2',
      'a1b2'
    )
    expect(name).toMatch(/^restore-drill-[a-z0-9-]+-\d+-2-a1b2$/)
    expect(name).toMatch(/^[a-zA-Z][A-Za-z0-9_-]+$/)
    expect(name.length).toBeLessThanOrEqual(60)
    expect(drillAddonName('shop', 'local', '1', 'ffff')).toBe('restore-drill-shop-local-1-ffff')
    // A keep-database copy is never taken for a stale drill add-on by a later drill.
    const kept = drillAddonName('shop', 'local', '1', 'ffff', true)
    expect(kept).toBe('restore-kept-shop-local-1-ffff')
    expect(isStaleDrillAddon({ name: kept, created_at: '2020-01-01T00:00:00Z' }, new Date())).toBe(
      false
    )
  })
})

describe('resolveSource', () => {
  test.each([
    ['DATABASE_URL', 'prod-id'],
    ['DATABASE', 'prod-id'],
    ['HEROKU_POSTGRESQL_PINK_URL', 'prod-id'],
    ['HEROKU_POSTGRESQL_CYAN_URL', 'cyan-id'],
    ['CYAN', 'cyan-id'],
    ['postgresql-flat-2', 'cyan-id']
  ])('%s → %s', (input, id) => {
    expect(resolveSource(input, 'shop', attachments, addons).addon.id).toBe(id)
  })

  test('no match names the valid choices; a non-Postgres add-on is not one', () => {
    expect(() => resolveSource('REDIS_URL', 'shop', attachments, addons)).toThrow(
      /matches no heroku-postgresql add-on of app shop \(valid: DATABASE_URL, HEROKU_POSTGRESQL_PINK_URL, HEROKU_POSTGRESQL_CYAN_URL\)/
    )
  })

  test('one add-on under two names is one match; two add-ons are refused', () => {
    const twin = addon('twin-id', 'postgresql-twin-4')
    const clash = [...attachments, attachment('DATABASE', twin)]
    expect(() => resolveSource('DATABASE_URL', 'shop', clash, [...addons, twin])).toThrow(
      /several add-ons/
    )
  })
})

describe('chooseBackup', () => {
  const a1 = transfer(1, { schedule: { uuid: 's' } })
  const b2 = transfer(2)
  const b3 = transfer(3, { succeeded: false })
  const backups = [b3, b2, a1]

  test('capture chooses nothing; latest is the newest succeeded backup, scheduled or manual', () => {
    expect(chooseBackup({ mode: 'capture' }, backups, backups, 'shop')).toBeNull()
    expect(chooseBackup({ mode: 'latest' }, backups, backups, 'shop')?.num).toBe(2)
    expect(chooseBackup({ mode: 'latest' }, [a1], [a1], 'shop')?.num).toBe(1)
  })

  test('an ID is matched exactly (letter included); absent or failed ones are refused with the newest IDs', () => {
    expect(chooseBackup({ mode: 'id', id: 'a001' }, backups, backups, 'shop')?.num).toBe(1)
    expect(() => chooseBackup({ mode: 'id', id: 'b001' }, backups, backups, 'shop')).toThrow(
      /backup b001 not found on app shop \(newest available: b002, a001\)/
    )
    expect(() => chooseBackup({ mode: 'id', id: 'b003' }, backups, backups, 'shop')).toThrow(
      /b003 .* failed/
    )
  })

  test("another database's backups are not the source's", () => {
    const other = transfer(4, { from_name: 'HEROKU_POSTGRESQL_CYAN' })
    const source = {
      addonId: 'prod-id',
      addonName: prod.name,
      addonApp: 'shop',
      attachment: 'DATABASE',
      attachmentNames: ['DATABASE', 'HEROKU_POSTGRESQL_PINK'],
      plan: PG.name,
      configVar: 'DATABASE_URL'
    }
    expect(
      sourceBackupsOf([other, b2], source, ['HEROKU_POSTGRESQL_CYAN']).map((t) => t.num)
    ).toEqual([2])
  })
})

function config(over: Partial<DrillConfig> = {}): DrillConfig {
  return drillConfig({ verifyConnections: 3, ...over })
}

function fakes(opts: {
  attachments?: Attachment[]
  addons?: Addon[]
  transfers?: Transfer[]
  schedules?: boolean
  bytes?: number
}) {
  const platform = {
    tokenScopes: () => 'write-protected',
    getApp: async () => ({ ...APP, maintenance: false }),
    listAttachments: async () => opts.attachments ?? attachments,
    listAddonAttachments: async (id: string) =>
      (opts.attachments ?? attachments).filter((a) => a.addon.id === id),
    listAddons: async () => opts.addons ?? addons,
    getConfigVars: async () => ({ DATABASE_URL: 'postgres://u:secretpw@db.example.com:5432/d' }),
    listApps: async () => []
  } as unknown as PlatformApi
  const data = {
    listTransfers: async () => opts.transfers ?? [transfer(1, { schedule: { uuid: 's' } })],
    listSchedules: async () =>
      opts.schedules === false
        ? []
        : [{ uuid: 's', name: 'DATABASE_URL', hour: 2, timezone: 'UTC' }],
    getDatabase: async () => ({ num_bytes: opts.bytes ?? 1000, num_tables: 11 })
  } as unknown as DataApi
  return { platform, data }
}

async function runPreflight(over: Partial<DrillConfig>, f: Parameters<typeof fakes>[0] = {}) {
  return preflight({ config: config(over), ...fakes(f), now: () => new Date(), log: () => {} })
}

describe('preflight', () => {
  test('answers question 1: schedule and newest backup', async () => {
    const pre = await runPreflight({})
    expect(pre.source).toMatchObject({
      addonId: 'prod-id',
      configVar: 'DATABASE_URL',
      plan: PG.name
    })
    expect(pre.scheduleFacts.scheduled).toBe(true)
    expect(pre.scheduleFacts.newestBackup?.id).toBe('a001')
    expect(pre.stale).toEqual([])
  })

  test('RESTORE_DRILL already attached: another drill may be running', async () => {
    const other = addon('other-id', 'restore-drill-shop-9-1-abcd')
    await expect(
      runPreflight(
        {},
        {
          attachments: [...attachments, attachment('RESTORE_DRILL', other)],
          addons: [...addons, other]
        }
      )
    ).rejects.toThrow(
      /another drill may be running on app shop: attachment RESTORE_DRILL already exists \(add-on restore-drill-shop-9-1-abcd\)/
    )
  })

  test('a drill add-on older than a day is stale (to destroy) and does not block', async () => {
    const old = addon('old-id', 'restore-drill-shop-1-1-dead', {
      created_at: new Date(Date.now() - 25 * 3600_000).toISOString()
    })
    const young = addon('young-id', 'restore-drill-shop-2-1-beef')
    const notOurs = addon('x-id', 'postgresql-old-5', {
      created_at: new Date(Date.now() - 90 * 86400_000).toISOString()
    })
    const pre = await runPreflight(
      {},
      {
        attachments: [...attachments, attachment('RESTORE_DRILL', old)],
        addons: [...addons, old, young, notOurs]
      }
    )
    expect(pre.stale.map((a) => a.name)).toEqual(['restore-drill-shop-1-1-dead'])
  })

  test('an old drill add-on attached under another name (a kept copy in use) is not stale', async () => {
    const old = addon('old-id', 'restore-drill-shop-1-1-dead', {
      created_at: new Date(Date.now() - 25 * 3600_000).toISOString()
    })
    const lines: string[] = []
    const pre = await preflight({
      config: config({}),
      ...fakes({
        attachments: [...attachments, attachment('RESTORED', old)],
        addons: [...addons, old]
      }),
      now: () => new Date(),
      log: (l: string) => lines.push(l)
    })
    expect(pre.stale).toEqual([])
    expect(lines).toContain(
      'leaving add-on restore-drill-shop-1-1-dead of an earlier run alone: its add-on restore-drill-shop-1-1-dead is attached to shop as RESTORED'
    )
  })

  test('require-schedule and max-backup-age fail (outcome failed) before anything is created', async () => {
    const noSchedule = runPreflight({}, { schedules: false })
    await expect(noSchedule).rejects.toThrow(
      /no automatic backup schedule for DATABASE_URL \(require-schedule: true\)/
    )
    await expect(noSchedule).rejects.toMatchObject({ outcome: 'failed' })
    const old = transfer(1, {
      schedule: { uuid: 's' },
      finished_at: new Date(Date.now() - 30 * 3600_000).toISOString()
    })
    await expect(runPreflight({}, { transfers: [old] })).rejects.toThrow(
      /a001 is 1d 6h old, older than max-backup-age 26h/
    )
    await expect(
      runPreflight({ maxBackupAgeSeconds: null }, { transfers: [old] })
    ).resolves.toBeTruthy()
  })

  test('promote only when the source holds DATABASE (promoting back must restore what was there)', async () => {
    await expect(
      runPreflight({ promote: true, maintenance: true, database: 'CYAN' })
    ).rejects.toThrow(/promote: true needs the source to be the app's DATABASE/)
    await expect(runPreflight({ promote: true, maintenance: true })).resolves.toBeTruthy()
  })

  test('a source beyond 20 GB is warned about', async () => {
    const pre = await runPreflight({}, { bytes: 25 * 1024 ** 3 })
    expect(pre.warnings.join('\n')).toMatch(/25\.0 GB.*about 20 GB/)
  })

  test('DrillError defaults to outcome error', () => {
    expect(new DrillError('x').outcome).toBe('error')
  })
})

describe('cleanUp from saved state', () => {
  // The saved states below name no capture: clean-up must not read or cancel any transfer.
  const noCaptureCalls = {
    listTransfers: async () => {
      throw new Error('no capture: listTransfers must not be called')
    },
    getTransfer: async () => {
      throw new Error('no capture: getTransfer must not be called')
    },
    cancelTransfer: async () => {
      throw new Error('no capture: cancelTransfer must not be called')
    }
  }
  function setup(saved: Partial<SavedState>, addonsLeft: Addon[]) {
    const calls: string[] = []
    const left = new Map(addonsLeft.map((a) => [a.id, a]))
    const platform = {
      getAddon: async (_app: string, idOrName: string) =>
        [...left.values()].find((a) => a.id === idOrName || a.name === idOrName) ?? null,
      listAttachments: async () => [],
      deleteAddon: async (_app: string, id: string) => {
        calls.push(`DELETE ${id}`)
        return left.delete(id) ? 'deleted' : 'already-gone'
      },
      setMaintenance: async (_app: string, on: boolean) => {
        calls.push(`maintenance ${on}`)
        return { ...APP, maintenance: on }
      }
    } as unknown as PlatformApi
    const saves: string[] = []
    const state = new DrillState({ saveState: (_k, v) => saves.push(v) }, 'shop')
    state.update(saved)
    return {
      calls,
      state,
      saves,
      deps: {
        platform,
        data: {
          deleteBackup: async () => 'deleted' as const,
          ...noCaptureCalls
        },
        ownership: new Ownership(),
        state,
        log: () => {},
        deprovisionWaitMs: 100,
        lookAgainMs: 10
      }
    }
  }
  const drillAddon = addon('drill-id', 'restore-drill-shop-1-1-abcd')

  test('destroys the created add-on by id, once; a second run finds nothing to do', async () => {
    const s = setup({ created: { id: 'drill-id', name: drillAddon.name, app: 'shop' } }, [
      drillAddon
    ])
    const first = await cleanUp(s.deps, 'RESTORE_DRILL')
    expect(first.destroyed).toEqual([drillAddon.name])
    expect(s.state.value.destroyed).toBe(true)
    const second = await cleanUp(s.deps, 'RESTORE_DRILL')
    expect(second.destroyed).toEqual([])
    expect(s.calls).toEqual(['DELETE drill-id'])
  })

  test('finds it by the saved name when the id was never learned; never-created is fine', async () => {
    const s = setup({ created: { name: drillAddon.name, app: 'shop' } }, [drillAddon])
    expect((await cleanUp(s.deps, 'RESTORE_DRILL')).destroyed).toEqual([drillAddon.name])
    const none = setup({ created: { name: 'restore-drill-shop-1-1-0000', app: 'shop' } }, [])
    const r = await cleanUp(none.deps, 'RESTORE_DRILL')
    expect({ destroyed: r.destroyed, problems: r.problems, calls: none.calls }).toEqual({
      destroyed: [],
      problems: [],
      calls: []
    })
  })

  test('kept add-ons survive; maintenance off only when we switched it on; foreign names untouched', async () => {
    const kept = setup(
      { created: { id: 'drill-id', name: drillAddon.name, app: 'shop' }, keep: true },
      [drillAddon]
    )
    expect((await cleanUp(kept.deps, 'RESTORE_DRILL')).kept).toEqual({
      addonName: drillAddon.name,
      attachment: 'RESTORE_DRILL'
    })
    expect(kept.calls).toEqual([])
    const maint = setup({ maintenanceOn: true }, [])
    await cleanUp(maint.deps, 'RESTORE_DRILL')
    expect(maint.calls).toEqual(['maintenance false'])
    const foreign = setup({ created: { id: 'prod-id', name: 'postgresql-round-1', app: 'shop' } }, [
      prod
    ])
    const r = await cleanUp(foreign.deps, 'RESTORE_DRILL')
    expect(r.problems.join()).toMatch(/not one of ours/)
    expect(foreign.calls).toEqual([])
  })

  test('the saved state round-trips and holds no secret', () => {
    const s = setup(
      { created: { id: 'drill-id', name: drillAddon.name, app: 'shop' }, maintenanceOn: true },
      []
    )
    const last = s.saves[s.saves.length - 1]
    expect(readSavedState(() => last)).toMatchObject({ app: 'shop', maintenanceOn: true })
    expect(readSavedState(() => '')).toBeNull()
    expect(readSavedState(() => 'not json')).toBeNull()
  })
})

describe('small helpers', () => {
  test('parseCommandFile reads heredoc and name=value forms; the last value wins', () => {
    const text = 'a=1\nb<<EOF_1\nline one\nline two\nEOF_1\na=2\n'
    expect(parseCommandFile(text)).toEqual({ a: '2', b: 'line one\nline two' })
  })
})

describe('sendHeartbeat', () => {
  test('2xx is fine; an error status, a refused connection or a timeout is a problem, never a throw', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/slow') return // never answers
      res.writeHead(req.url === '/ok' ? 200 : 500)
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      expect(await sendHeartbeat(`${base}/ok`)).toBeNull()
      expect(await sendHeartbeat(`${base}/fail`)).toBe('heartbeat answered 500')
      expect(await sendHeartbeat(`${base}/slow`, 300)).toBe('heartbeat timed out after 0.3 s')
      expect(await sendHeartbeat('http://127.0.0.1:1/x')).toMatch(/^heartbeat failed: /)
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
