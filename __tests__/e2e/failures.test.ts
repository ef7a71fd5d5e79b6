// Issue 5, end to end through dist/: bad inputs are refused before any Heroku request; 429/503/reset
// storms on polled paths (and ambiguous writes) still pass with no create or restore sent twice;
// failed provisioning, capture or restore end with outcome=error and no add-on left.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  addonsOf,
  armFault,
  chinookApp,
  disarmFaults,
  drill,
  report,
  startE2E,
  transcript,
  writesOf,
  type E2E
} from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E()
})
afterAll(async () => {
  await e2e?.close()
})

describe('bad inputs are refused before any Heroku request', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['backup', { backup: 'yesterday' }, /backup/],
    ['plan', { plan: 'heroku-redis:mini' }, /plan/],
    ['max-backup-age', { 'max-backup-age': 'forever' }, /max-backup-age/],
    ['timeout-minutes', { 'timeout-minutes': '0' }, /timeout-minutes/],
    ['restore-warnings', { 'restore-warnings': 'maybe' }, /restore-warnings/],
    ['promote without maintenance', { promote: 'true' }, /promote|maintenance/],
    ['checks', { checks: 'no colon here' }, /checks/],
    ['verify-connections', { 'verify-connections': '99' }, /verify-connections/],
    ['empty token', { 'heroku-api-key': '' }, /heroku-api-key/]
  ]
  let appName = ''
  let app: Awaited<ReturnType<typeof chinookApp>>
  beforeAll(async () => {
    app = await chinookApp(e2e, 'inputs')
    appName = app.name
  })

  test.each(cases)('%s', async (_label, inputs, named) => {
    const run = await drill(e2e, app, inputs)
    expect(run.exitCode).toBe(1)
    const errorLines = run.stdout.split('\n').filter((l) => l.startsWith('::error::'))
    expect(errorLines).toHaveLength(1)
    expect(errorLines[0]).toMatch(named)
    // Not a single request reached Heroku, and the post step had nothing to do.
    expect(run.requests).toEqual([])
    expect(run.postExitCode).toBe(0)
    expect(appName).toBeTruthy()
  })
})

describe('Heroku refuses: error before anything is created', () => {
  test('a wrong token: one line saying so, no write', async () => {
    const app = await chinookApp(e2e, 'badtoken')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, { 'heroku-api-key': 'wrong-token-0123456789' })
    expect(run.outputs.outcome).toBe('error')
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('::error::'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/401.*heroku-api-key/)
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
  })

  test('an unknown app: one line naming it, no write', async () => {
    const app = await chinookApp(e2e, 'realapp')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, { ...app, name: 'no-such-app' })
    expect(run.outputs.outcome).toBe('error')
    expect(run.stdout.split('\n').find((l) => l.startsWith('::error::'))).toMatch(
      /app no-such-app not found/
    )
    expect(writesOf(e2e.sim.audit(), start)).toEqual([])
  })
})

describe('transient API failures', () => {
  test('429/503/reset storms on polled paths and ambiguous writes: passes, no create or restore sent twice', async () => {
    const app = await chinookApp(e2e, 'storm')
    const start = e2e.sim.audit().length
    await armFault(e2e, [
      { kind: 'http', status: 429, count: 3, method: 'GET', path: '/transfers/' },
      { kind: 'http', status: 503, count: 3, method: 'GET', path: '/wait_status' },
      // The fresh add-on lives on the drill app (drill-app: auto).
      { kind: 'reset', count: 2, method: 'GET', path: '^/apps/restore-drill-[^/]+/addons/' },
      { kind: 'http', status: 500, count: 2, method: 'GET', path: '/config-vars' },
      // Applied, then the answer is lost: the action must read back, not send again.
      {
        kind: 'reset',
        count: 1,
        method: 'POST',
        path: '^/apps/restore-drill-[^/]+/addons$',
        when: 'after'
      },
      { kind: 'reset', count: 1, method: 'POST', path: '^/apps$', when: 'after' },
      { kind: 'http', status: 503, count: 1, method: 'POST', path: '/restores$', when: 'after' }
    ])
    try {
      const run = await drill(e2e, app)
      expect({
        outcome: run.outputs.outcome,
        log: run.outputs.outcome === 'passed' ? '' : transcript(run)
      }).toEqual({
        outcome: 'passed',
        log: ''
      })
      // The faults did fire: retries were logged and both ambiguous writes were read back.
      expect(run.stdout).toMatch(/retrying in/)
      expect(run.stdout).toMatch(/creating add-on .*checking whether it was created/)
      expect(run.stdout).toMatch(/restoring onto .*checking whether it started/)
      const writes = writesOf(e2e.sim.audit(), start)
      expect(
        writes.filter(
          (w) => w.method === 'POST' && /^\/apps\/restore-drill-[^/]+\/addons$/.test(w.path)
        )
      ).toHaveLength(1)
      expect(writes.filter((w) => w.method === 'POST' && w.path === '/apps')).toHaveLength(1)
      expect(writes.filter((w) => w.method === 'POST' && /\/restores$/.test(w.path))).toHaveLength(
        1
      )
      expect(writes.filter((w) => w.method === 'POST' && /\/backups$/.test(w.path))).toHaveLength(1)
      expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
    } finally {
      await disarmFaults(e2e)
    }
  }, 180_000)
})

describe('failures end with outcome=error and no add-on left', () => {
  const cases: [string, unknown, RegExp][] = [
    ['provisioning fails', { kind: 'provision-fail' }, /provision/i],
    ['the capture fails', { kind: 'transfer-fail', transfer: 'capture' }, /capture .*failed/i],
    ['the restore fails', { kind: 'transfer-fail', transfer: 'restore' }, /restore .*failed/i]
  ]
  test.each(cases)(
    '%s',
    async (_label, fault, message) => {
      const app = await chinookApp(e2e, 'fail')
      await armFault(e2e, fault)
      try {
        const run = await drill(e2e, app)
        expect(run.exitCode).toBe(1)
        expect(run.outputs.outcome).toBe('error')
        const r = report(run)
        expect(r.outcome).toBe('error')
        expect(r.error).toMatch(message)
        const failLines = run.stdout.split('\n').filter((l) => l.startsWith('::error::'))
        expect(failLines.some((l) => message.test(l))).toBe(true)
        expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
      } finally {
        await disarmFaults(e2e)
      }
    },
    120_000
  )
})
