// Every Platform API answer the simulator gives, for the endpoints the action and the official CLI
// use, checked against Heroku's published schema (__tests__/fixtures/heroku-platform-api): a
// missing, unknown or mistyped property, or a time with milliseconds, fails.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { SimApp, Simulator } from '../../../sim/server.js'
import { appName, client, sim, waitAddon, waitAddonGone, type Client } from './helpers.js'
import { answerSchema, problems, resolveRef } from './schema-check.js'

// Only in the answer of a create that provisions asynchronously (the CLI prints it when present).
const OPTIONAL = new Set(['provision_message'])
const EXPAND = { 'Accept-Expansion': 'addon_service,plan' }
const INCLUDE = {
  Accept: 'application/vnd.heroku+json; version=3.sdk',
  'Accept-Inclusion': 'addon:plan,config_vars'
}

interface Answer {
  label: string
  method: string
  path: string
  status: number
  body: unknown
}

/** Problems of one answer against the schema of its endpoint, each line labelled. */
function check(a: Answer, rewrite: (body: any) => { body: any; extra: string[] } = noRewrite) {
  const { title, schema } = answerSchema(a.method, a.path)
  if (a.status >= 300) return [`${a.label} (${title}): status ${a.status}`]
  const { body, extra } = rewrite(structuredClone(a.body))
  return [...extra, ...problems(schema, body, '$', OPTIONAL)].map(
    (p) => `${a.label} (${title}): ${p}`
  )
}

const noRewrite = (body: any) => ({ body, extra: [] as string[] })

/**
 * The schema's state enum lacks `deprovisioning`, which Heroku answers to a destroy (the official
 * CLI handles it, with a note that the schema lacks it): checked as that, the rest as the schema says.
 */
function deprovisioning(body: any) {
  const extra =
    body.state === 'deprovisioning' ? [] : [`$.state: ${body.state}, not deprovisioning`]
  return { body: { ...body, state: 'deprovisioned' }, extra }
}

/** Expanded add-ons: plan and addon_service checked as whole plan / service objects, then reduced. */
function expandedAddons(body: any) {
  const list = Array.isArray(body) ? body : [body]
  const extra: string[] = []
  for (const addon of list) {
    extra.push(...problems(resolveRef('#/definitions/plan'), addon.plan, '$.plan'))
    extra.push(
      ...problems(
        resolveRef('#/definitions/add-on-service'),
        addon.addon_service,
        '$.addon_service'
      )
    )
    addon.plan = { id: addon.plan.id, name: addon.plan.name }
    addon.addon_service = { id: addon.addon_service.id, name: addon.addon_service.name }
  }
  return { body, extra }
}

/** Attachments with Accept-Inclusion: config_vars and addon.plan checked, then removed. */
function includedAttachments(body: any) {
  const list = Array.isArray(body) ? body : [body]
  const extra: string[] = []
  for (const att of list) {
    if (
      !Array.isArray(att.config_vars) ||
      att.config_vars.some((v: unknown) => typeof v !== 'string')
    )
      extra.push(`$.config_vars: ${JSON.stringify(att.config_vars)} is not a list of names`)
    extra.push(
      ...problems(
        resolveRef('#/definitions/plan/definitions/identity'),
        att.addon.plan?.name,
        '$.addon.plan.name'
      )
    )
    delete att.config_vars
    delete att.addon.plan
  }
  return { body, extra }
}

describe('simulator answers against Heroku’s Platform API schema', () => {
  let s: Simulator
  let c: Client
  let app: SimApp
  const answers: Answer[] = []

  async function call(
    label: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ): Promise<Answer> {
    const r = await c.call(method, path, body, headers)
    const answer = { label, method, path, status: r.status, body: r.body }
    answers.push(answer)
    return answer
  }

  beforeAll(async () => {
    s = await sim()
    c = client(s)
    app = await s.createApp(appName('schema'), { sql: 'create table t (id int primary key);' })
    s.setReleasePhase(app.name, 0)
  })
  afterAll(async () => {
    await s?.close()
  })

  it('answers every endpoint the action and the CLI use with exactly the schema’s properties and types', async () => {
    const a = app.name
    for (const path of ['/account', '/account/rate-limits', '/users/~', '/apps', `/apps/${a}`])
      await call(path, 'GET', path)
    await call('maintenance on', 'PATCH', `/apps/${a}`, { maintenance: true })
    await call('maintenance off', 'PATCH', `/apps/${a}`, { maintenance: false })
    await call('formation', 'GET', `/apps/${a}/formation`)
    await call('config vars', 'GET', `/apps/${a}/config-vars`)
    const created = await call('create add-on', 'POST', `/apps/${a}/addons`, {
      plan: { name: 'heroku-postgresql:essential-0' },
      attachment: { name: 'RESTORE_DRILL' }
    })
    const addon = created.body as { id: string; state: string }
    expect(addon.state).toBe('provisioning')
    await call('add-on provisioning', 'GET', `/apps/${a}/addons/${addon.id}`)
    await waitAddon(c, a, addon.id)
    await call('add-on by app', 'GET', `/apps/${a}/addons/${addon.id}`)
    await call('add-on', 'GET', `/addons/${addon.id}`)
    await call('add-ons of app', 'GET', `/apps/${a}/addons`)
    await call('add-ons', 'GET', '/addons')
    await call('attachments of app', 'GET', `/apps/${a}/addon-attachments`)
    await call('attachment by name', 'GET', `/apps/${a}/addon-attachments/DATABASE`)
    await call('attachments of add-on', 'GET', `/addons/${addon.id}/addon-attachments`)
    const alias = await call('attach', 'POST', '/addon-attachments', {
      addon: { name: app.addonName },
      app: { name: a },
      name: 'DRILL_ALIAS'
    })
    const aliasId = (alias.body as { id: string }).id
    await call('attachment', 'GET', `/addon-attachments/${aliasId}`)
    await call('attachments', 'GET', '/addon-attachments')
    await call('detach', 'DELETE', `/addon-attachments/${aliasId}`)
    await call('resolve attachment', 'POST', '/actions/addon-attachments/resolve', {
      addon_attachment: 'DATABASE',
      app: a
    })
    await call('resolve add-on', 'POST', '/actions/addons/resolve', { addon: 'DATABASE', app: a })
    await call('releases', 'GET', `/apps/${a}/releases`)
    await call('release', 'GET', `/apps/${a}/releases/1`)
    for (const path of [
      '/addon-services',
      '/addon-services/heroku-postgresql',
      '/addon-services/heroku-postgresql/plans',
      '/addon-services/heroku-postgresql/plans/essential-0',
      '/plans/heroku-postgresql:standard-0'
    ])
      await call(path, 'GET', path)
    const expanded = [
      await call('add-on expanded', 'GET', `/apps/${a}/addons/${addon.id}`, undefined, EXPAND),
      await call('add-ons expanded', 'GET', `/apps/${a}/addons`, undefined, EXPAND)
    ]
    const included = [
      await call('attachments included', 'GET', `/apps/${a}/addon-attachments`, undefined, INCLUDE)
    ]
    const destroyed = await call('destroy add-on', 'DELETE', `/apps/${a}/addons/${addon.id}`, {
      force: false
    })
    await waitAddonGone(c, a, addon.id)

    const special = [...expanded, ...included, destroyed]
    const plain = answers.filter((x) => !special.includes(x))
    const found = [
      ...plain.flatMap((x) => check(x)),
      ...check(destroyed, deprovisioning),
      ...expanded.flatMap((x) => check(x, expandedAddons)),
      ...included.flatMap((x) => check(x, includedAttachments))
    ]
    expect(found).toEqual([])
    expect(answers.length).toBeGreaterThanOrEqual(30)
  })

  it('the check itself fails on a missing, unknown or mistyped property and on milliseconds', async () => {
    const r = await c.get(`/apps/${app.name}`)
    const { schema } = answerSchema('GET', `/apps/${app.name}`)
    expect(problems(schema, r.body)).toEqual([])
    const { maintenance: _gone, ...missing } = r.body
    expect(problems(schema, missing)).toEqual(['$.maintenance: missing'])
    expect(problems(schema, { ...r.body, colour: 'red' })).toEqual(['$.colour: not in the schema'])
    expect(problems(schema, { ...r.body, maintenance: 'no' })).toEqual([
      '$.maintenance: "no" is string, schema allows boolean'
    ])
    expect(problems(schema, { ...r.body, created_at: '2026-01-09T19:16:26.123Z' })).toEqual([
      '$.created_at: "2026-01-09T19:16:26.123Z" is not a date-time'
    ])
  })
})
