// The fleet-report step: discover's matrix joined with this run's drill reports, one summary for
// the fleet, outputs passed / failed / missing; fails when a drill failed or is missing.
import * as core from '@actions/core'
import { readReports, runLinks } from './fleet/fleet-report.js'
import { judgeFleet } from './fleet/judge.js'
import { parseMatrix } from './fleet/matrix.js'
import { fleetVerdict, renderFleet, renderFleetText } from './fleet/render.js'

type Core = Pick<
  typeof core,
  'getInput' | 'setOutput' | 'setFailed' | 'info' | 'warning' | 'setSecret' | 'summary'
>

function readBoolean(text: string, name: string, fallback: boolean): boolean {
  const value = text.trim().toLowerCase()
  if (value === '') return fallback
  if (value === 'true' || value === 'false') return value === 'true'
  throw new Error(`${name}: "${value}" must be true or false (example: ${name}: false)`)
}

export async function runFleetReport(c: Core, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    const token = c.getInput('github-token')
    if (token) c.setSecret(token)
    const failOnProblems = readBoolean(c.getInput('fail'), 'fail', true)
    const folder = c.getInput('reports') || 'drill-reports'
    const matrix = parseMatrix(c.getInput('matrix'))
    const [read, linked] = await Promise.all([readReports(folder), runLinks(env, token)])
    if (linked.problem) c.warning(linked.problem)
    for (const u of read.unreadable) c.warning(`reports: ${u.artifact}: ${u.reason}`)
    const judgement = judgeFleet(matrix, read.found)
    c.info(renderFleetText(judgement, linked.links, read.unreadable))
    await c.summary.addRaw(renderFleet(judgement, linked.links, read.unreadable), true).write()
    c.setOutput('passed', String(judgement.counts.passed))
    c.setOutput('failed', String(judgement.counts.failed))
    c.setOutput('missing', String(judgement.counts.missing))
    const { failed, missing } = judgement.counts
    if (failOnProblems && failed + missing > 0) c.setFailed(fleetVerdict(judgement))
  } catch (err) {
    c.setFailed((err instanceof Error ? err.message : String(err)).split('\n')[0])
  }
}

await runFleetReport(core, process.env)
