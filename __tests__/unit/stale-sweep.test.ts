/**
 * Issue 25 #1, #2: the stale sweep takes only what earlier drills of the drilled app left: never a
 * kept copy (restore-kept-*), never a copy attached to another app (promoted by the runbook), never
 * another app's drill app, even one whose name starts the same way.
 */
import { describe, expect, test } from '@jest/globals'
import { drillAppName, findStaleDrillApps } from '../../src/steps/drill-app.js'
import { drillAddonName } from '../../src/safety.js'
import type { PlatformApi } from '../../src/heroku/platform.js'

const NOW = new Date('2026-12-05T12:00:00Z')
const TWO_DAYS_AGO = '2026-12-03T12:00:00Z'

interface World {
  apps: { name: string; created_at: string }[]
  addons: Record<string, { id: string; name: string }[]>
  /** add-on id → the apps and names it is attached as */
  attachments: Record<string, { app: string; name: string }[]>
}

function platformOf(world: World): PlatformApi {
  return {
    listApps: async () => world.apps.map((a) => ({ id: a.name, maintenance: false, ...a })),
    listAddons: async (app: string) => world.addons[app] ?? [],
    listAddonAttachments: async (id: string) =>
      (world.attachments[id] ?? []).map((a) => ({ app: { name: a.app }, name: a.name }))
  } as unknown as PlatformApi
}

function appWith(
  world: World,
  app: string,
  addonName: string | null,
  attachedAs = 'RESTORE_DRILL'
) {
  world.apps.push({ name: app, created_at: TWO_DAYS_AGO })
  if (!addonName) return
  const id = `${app}-addon`
  world.addons[app] = [{ id, name: addonName }]
  world.attachments[id] = [{ app, name: attachedAs }]
}

describe('findStaleDrillApps', () => {
  test('takes an old drill app of this app; leaves kept copies, promoted copies and other apps alone', async () => {
    const world: World = { apps: [], addons: {}, attachments: {} }
    const own = drillAppName('shop', 'aaaaaa')
    const empty = drillAppName('shop', 'bbbbbb')
    const kept = drillAppName('shop', 'cccccc')
    const promoted = drillAppName('shop', 'dddddd')
    const neighbour = drillAppName('shop-eu', 'eeeeee')
    const otherApp = drillAppName('billing', 'ffffff')
    appWith(world, own, drillAddonName('shop', '12', '1', 'abcd'))
    appWith(world, empty, null)
    appWith(world, kept, drillAddonName('shop', '13', '1', 'abcd', true))
    appWith(world, promoted, drillAddonName('shop', '14', '1', 'abcd'))
    world.attachments[`${promoted}-addon`].push({ app: 'shop', name: 'DATABASE' })
    appWith(world, neighbour, drillAddonName('shop-eu', '15', '1', 'abcd'))
    appWith(world, otherApp, drillAddonName('billing', '16', '1', 'abcd'))
    const logs: string[] = []
    const stale = await findStaleDrillApps(platformOf(world), 'shop', NOW, (l) => logs.push(l))
    expect(stale.map((s) => s.app.name).sort()).toEqual([own, empty].sort())
    expect(logs.join('\n')).toMatch(
      new RegExp(`leaving drill app ${promoted} .* attached to shop as DATABASE`)
    )
  })

  test('a drill app younger than a day is never taken', async () => {
    const world: World = { apps: [], addons: {}, attachments: {} }
    world.apps.push({ name: drillAppName('shop', 'aaaaaa'), created_at: '2026-12-05T01:00:00Z' })
    expect(await findStaleDrillApps(platformOf(world), 'shop', NOW)).toEqual([])
  })
})
