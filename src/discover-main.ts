// The discover step: every Heroku Postgres database the token can see, as `matrix` for a drill
// matrix, with a job summary answering question 1 for the fleet. Read-only by construction.
import * as core from '@actions/core'
import { createDataApi } from './heroku/data.js'
import { createHerokuHttp } from './heroku/http.js'
import { createPlatformApi } from './heroku/platform.js'
import { readOnlyHttp } from './heroku/read-only.js'
import { herokuApiUrls } from './heroku/urls.js'
import { discoverFleet } from './fleet/discover.js'
import { matrixJson, parseAppPatterns } from './fleet/matrix.js'
import { parseShare, rateBudget } from './fleet/rate.js'
import { renderDiscover, renderDiscoverText } from './fleet/render.js'
import { Ownership, SecretRegistry } from './safety.js'

type Core = Pick<
  typeof core,
  'getInput' | 'setOutput' | 'setFailed' | 'setSecret' | 'info' | 'warning' | 'summary'
>

interface DiscoverInputs {
  token: string
  team: string | null
  include: string[]
  exclude: string[]
  share: number
}

function readInputs(c: Core): DiscoverInputs {
  const token = c.getInput('heroku-api-key')
  if (!token) throw new Error('heroku-api-key: required (example: ${{ secrets.HEROKU_API_KEY }})')
  const team = c.getInput('team').trim()
  if (team && !/^[a-z][a-z0-9-]{0,29}$/.test(team))
    throw new Error(`team: "${team}" is not a Heroku team name (example: acme-platform)`)
  return {
    token,
    team: team || null,
    include: parseAppPatterns('apps', c.getInput('apps')),
    exclude: parseAppPatterns('exclude', c.getInput('exclude')),
    share: parseShare(c.getInput('rate-limit-share') || '50')
  }
}

export async function runDiscover(c: Core, env: NodeJS.ProcessEnv): Promise<void> {
  const secrets = new SecretRegistry((s) => c.setSecret(s))
  secrets.add(c.getInput('heroku-api-key'))
  try {
    const inputs = readInputs(c)
    const http = readOnlyHttp(
      createHerokuHttp({
        token: inputs.token,
        ...herokuApiUrls(env),
        secrets,
        log: (line) => c.info(line)
      })
    )
    // Ownership stays empty: the clients' guards refuse every destructive call as well.
    const ownership = new Ownership()
    const fleet = await discoverFleet(
      {
        http,
        platform: createPlatformApi(http, ownership),
        data: createDataApi(http, ownership),
        now: () => new Date()
      },
      inputs
    )
    const budget = rateBudget(
      fleet.databases.map((d) => d.method),
      inputs.share
    )
    c.info(secrets.redact(renderDiscoverText(fleet, budget, inputs.share)))
    c.setOutput('matrix', matrixJson(fleet.databases))
    c.setOutput('count', String(fleet.databases.length))
    c.setOutput('max-parallel', String(budget.maxParallel ?? Math.max(1, fleet.databases.length)))
    await c.summary
      .addRaw(secrets.redact(renderDiscover(fleet, budget, inputs.share)), true)
      .write()
    if (fleet.databases.length === 0)
      c.warning(
        'discover found no Heroku Postgres database to drill: check the token, team and apps inputs'
      )
  } catch (err) {
    c.setFailed(secrets.redact((err instanceof Error ? err.message : String(err)).split('\n')[0]))
  }
}

await runDiscover(core, process.env)
