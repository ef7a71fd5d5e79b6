// fleet-report's I/O: the drill reports of this run as actions/download-artifact writes them (one
// subfolder per artifact, restore-drill-report.json inside), and this run's jobs from the GitHub
// API (Octokit, history/github.ts: proxy-aware, 10 s a request) for a link to each database's job. Reading only; an unreadable report is named, not fatal.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createArtifactApi } from '../history/github.js'
import { REPORT_FILE } from '../report/artifact.js'
import type { DrillReport } from '../report/model.js'
import type { FoundReport } from './judge.js'
import type { FleetLinks } from './render.js'

export interface ReadReports {
  found: FoundReport[]
  /** Subfolders holding no readable drill report, with the reason. */
  unreadable: { artifact: string; reason: string }[]
}

/** The reports in `folder`: each subfolder's restore-drill-report.json (or one in the folder itself). */
export async function readReports(folder: string): Promise<ReadReports> {
  let entries: string[]
  try {
    entries = (await readdir(folder)).sort()
  } catch {
    throw new Error(
      `reports: the folder ${folder} cannot be read; download the drill reports there first (actions/download-artifact with pattern: restore-drill-*, path: ${folder})`
    )
  }
  const out: ReadReports = { found: [], unreadable: [] }
  const candidates: { artifact: string; file: string }[] = []
  if (entries.includes(REPORT_FILE))
    candidates.push({ artifact: '.', file: join(folder, REPORT_FILE) })
  for (const name of entries) {
    if ((await stat(join(folder, name))).isDirectory())
      candidates.push({ artifact: name, file: join(folder, name, REPORT_FILE) })
  }
  for (const c of candidates) {
    const read = await readReport(c.file)
    if (typeof read === 'string') out.unreadable.push({ artifact: c.artifact, reason: read })
    else out.found.push({ artifact: c.artifact, report: read })
  }
  return out
}

/** The report, or why it cannot be used. */
async function readReport(file: string): Promise<DrillReport | string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return `no ${REPORT_FILE} in it`
  }
  try {
    const report = JSON.parse(text) as DrillReport
    const usable =
      report &&
      typeof report.app === 'string' &&
      ['passed', 'failed', 'error'].includes(report.outcome) &&
      typeof report.timings === 'object'
    return usable ? report : `${REPORT_FILE} is not a drill report`
  } catch {
    return `${REPORT_FILE} is not JSON`
  }
}

/** This run's page, and its jobs' pages when the token may list them (actions: read). */
export async function runLinks(
  env: Record<string, string | undefined>,
  token: string
): Promise<{ links: FleetLinks; problem?: string }> {
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  if (!repository || !runId) return { links: { runUrl: null, jobs: [] } }
  const runUrl = `${server}/${repository}/actions/runs/${runId}`
  if (!token) return { links: { runUrl, jobs: [] } }
  const apiUrl = env.GITHUB_API_URL || 'https://api.github.com'
  const attempt = Number(env.GITHUB_RUN_ATTEMPT || '1')
  try {
    const api = createArtifactApi({ apiUrl, repository, token })
    const jobs = (await api.runJobs(Number(runId), attempt))
      .filter((j) => typeof j.name === 'string' && /^https:\/\//.test(j.html_url ?? ''))
      .map((j) => ({ name: j.name, url: j.html_url ?? '' }))
    return { links: { runUrl, jobs } }
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]
    return {
      links: { runUrl, jobs: [] },
      problem: `the jobs of this run could not be listed (${reason}); each database links to the run`
    }
  }
}
