// Issue 25: Heroku's answers, rewritten by a proxy in front of the simulator, try to take over the
// runner's log. The runner reads any output line starting with `::` as a workflow command; one
// `::stop-commands::` from a Heroku string turned off the masking of the source's password (#5).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { startRewritingProxy, type RewritingProxy } from '../fakes/rewriting-proxy.js'
import { chinookApp, drill, startE2E, transcript, type E2E } from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E()
})
afterAll(async () => {
  await e2e?.close()
})

/** The workflow commands the action itself issues; any other `::` line is injected. */
const OWN_COMMANDS =
  /^::(add-mask|debug|notice|warning|error|group|endgroup|save-state|set-output)(\s[^:]*)?::/

function commandLines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((line) => line.trimStart().startsWith('::'))
}

describe('hostile strings in Heroku answers (issue 25 #5)', () => {
  let proxy: RewritingProxy | undefined
  afterAll(async () => {
    await proxy?.close()
  })

  test('an error id and a wait_status message carrying ::stop-commands:: never become a workflow command', async () => {
    const app = await chinookApp(e2e, 'hostile')
    proxy = await startRewritingProxy(e2e.sim.apiUrl, [
      {
        // The drill's first call: a 503 whose error id breaks the line (retried, and logged).
        method: 'GET',
        path: new RegExp(`^/apps/${app.name}$`),
        rewrite: () => ({
          status: 503,
          body: JSON.stringify({
            id: 'unavailable\n::stop-commands::pwned\n',
            message: 'down\n::warning::fake warning'
          })
        })
      },
      {
        // The fresh add-on's wait_status: still waiting, with a message that breaks the line.
        method: 'GET',
        path: /^\/client\/v11\/databases\/[^/]+\/wait_status$/,
        rewrite: () => ({
          status: 200,
          body: JSON.stringify({
            'waiting?': true,
            'error?': false,
            message: 'preparing\n::stop-commands::pwned2\n::add-mask::nothing'
          })
        })
      }
    ])
    const run = await drill(
      e2e,
      app,
      { 'drill-app': 'same' },
      {
        env: { HEROKU_API_URL: proxy.url, HEROKU_DATA_API_URL: proxy.url }
      }
    )
    expect(proxy.unused()).toEqual([])
    expect({ outcome: run.outputs.outcome, log: transcript(run) }).toMatchObject({
      outcome: 'passed'
    })
    for (const out of [run.stdout, run.postStdout]) {
      const injected = commandLines(out).filter((line) => !OWN_COMMANDS.test(line))
      expect(injected).toEqual([])
      expect(out).not.toMatch(/^\s*::stop-commands::/m)
    }
    // The hostile text is still shown, on one line, for the operator to see.
    expect(run.stdout).toMatch(/unavailable ::\u200b?stop-commands::pwned/)
  }, 120_000)
})
