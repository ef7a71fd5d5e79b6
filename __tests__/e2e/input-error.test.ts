// An input error ends the run before anything is created, and still tells the user: outcome
// error, the verdict, and a short job summary listing every broken rule at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chinookApp, drill, startE2E, writesOf, type E2E } from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E()
}, 120_000)
afterAll(async () => {
  await e2e?.close()
})

describe('an input error', () => {
  it('writes a summary with every unmet requirement of promote, sets outcome error, creates nothing', async () => {
    const app = await chinookApp(e2e, 'in-err')
    const run = await drill(e2e, app, { promote: 'true', backup: 'latest' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.outcome).toBe('error')
    expect(run.outputs.verdict).toBe(
      `Error: restore drill for ${app.name} did not start: 3 input problems to fix`
    )
    const md = run.summary
    expect(md.split('\n')[0]).toBe(
      `## ⚠️ Error: restore drill for ${app.name} did not start: 3 input problems to fix`
    )
    expect(md).toContain('- Input "promote" needs drill-app: same')
    expect(md).toContain('- Input "promote" needs maintenance: true')
    expect(md).toContain('- Input "promote" needs backup: capture')
    expect(md).toContain('Nothing was created on Heroku.')
    expect(writesOf(run.requests)).toEqual([])
  }, 120_000)

  it('a bad value: one problem, the same summary shape', async () => {
    const app = await chinookApp(e2e, 'in-err')
    const run = await drill(e2e, app, { backup: 'r012' })
    expect(run.outputs.outcome).toBe('error')
    expect(run.summary).toContain('did not start: an input to fix')
    expect(run.summary).toContain('- Input "backup" names a restore (r…), not a backup')
    expect(writesOf(run.requests)).toEqual([])
  }, 120_000)
})
