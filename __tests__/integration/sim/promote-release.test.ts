// The promote drill waits for the app's release phase (formation has a `release` process): it
// runs the checks only after the promote's release succeeded, and stops (promoting the original
// back) when it failed. Against the simulator's release phase, through the public functions.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createDataApi } from '../../../src/heroku/data.js'
import { createHerokuHttp } from '../../../src/heroku/http.js'
import { createPlatformApi } from '../../../src/heroku/platform.js'
import { createPgDatabases } from '../../../src/databases.js'
import { runPromoteDrill } from '../../../src/steps/promote.js'
import { Ownership, SecretRegistry } from '../../../src/safety.js'
import { DrillState } from '../../../src/state.js'
import type { SimApp, Simulator } from '../../../sim/server.js'
import { appName, client, sim, waitAddon } from './helpers.js'

describe('promote drill with a release phase', () => {
  let s: Simulator
  let app: SimApp

  beforeAll(async () => {
    s = await sim({ provisionDelaySeconds: 0.2 })
    app = await s.createApp(appName('rel'), { sql: 'create table t (id int primary key);' })
    s.setReleasePhase(app.name, 2)
  })
  afterAll(async () => {
    await s?.close()
  })

  async function promote(drillName: string, attachmentName: string) {
    const auditBefore = s.audit().length
    const http = createHerokuHttp({
      token: s.token,
      apiUrl: s.apiUrl,
      dataApiUrl: s.dataApiUrl,
      secrets: new SecretRegistry(),
      log: () => undefined
    })
    const ownership = new Ownership()
    const platform = createPlatformApi(http, ownership)
    createDataApi(http, ownership)
    const created = await platform.createAddon(app.name, {
      plan: 'essential-0',
      name: drillName,
      attachmentName
    })
    await waitAddon(client(s), app.name, created.id)
    const log: string[] = []
    const databases = createPgDatabases(1)
    const result = await runPromoteDrill(
      {
        app: app.name,
        platform,
        databases,
        ownership,
        state: new DrillState({ saveState: () => undefined }, app.name),
        deadline: new Date(Date.now() + 60_000),
        log: (line) => log.push(line)
      },
      { id: created.id, name: created.name },
      { id: app.addonId, name: app.addonName },
      [{ name: 'answers', sql: 'select true' }]
    ).finally(() => databases.closeAll())
    const releasePolls = s
      .audit()
      .slice(auditBefore)
      .filter((e) => e.method === 'GET' && /\/releases\/[0-9a-f-]{36}$/.test(e.path))
    return { result, log, releasePolls }
  }

  it('waits for the release phase to succeed before running the checks', async () => {
    const { result, log, releasePolls } = await promote(
      `restore-drill-${app.name}-1-1-aaaa`,
      'FIRST_DRILL'
    )
    expect(result).toMatchObject({ promoted: true, promotedBack: true, maintenanceOff: true })
    expect(result.problem).toBeUndefined()
    expect(result.checks.map((c) => c.status)).toEqual(['passed'])
    expect(log.filter((l) => /waiting for the release phase of v\d+/.test(l))).toHaveLength(2)
    // Each wait found its release pending (a 2 s phase) and polled again until it succeeded.
    expect(releasePolls.length).toBeGreaterThanOrEqual(4)
  })

  it('stops when the release phase fails, and promotes the original back', async () => {
    s.armFaults({ kind: 'release-fail', description: 'Attach DATABASE' })
    const { result } = await promote(`restore-drill-${app.name}-1-1-bbbb`, 'SECOND_DRILL')
    expect(result.problem).toMatch(/the release phase of v\d+ failed/)
    expect(result.checks).toEqual([])
    expect(result).toMatchObject({ promoted: true, promotedBack: true, maintenanceOff: true })
    expect(result.finalDatabaseAddon).toBe(app.addonName)
    const vars = (await client(s).get(`/apps/${app.name}/config-vars`)).body
    expect(vars.DATABASE_URL).toBe(app.databaseUrl)
  })
})
