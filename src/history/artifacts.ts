// history: artifacts: the reports this workflow's earlier runs uploaded, found through the GitHub
// REST API: this workflow's runs, the artifacts named like this run's report, and the small
// restore-drill-report.json inside each, newest first, at most 30, downloaded in parallel.
import { newestFirst, parseFigures, figuresOfReport, type DrillFigures } from './figures.js'
import { MAX_HISTORY } from './compare.js'
import { readZipEntry } from './zip.js'
import type { DrillReport } from '../report/model.js'

const REPORT_FILE = 'restore-drill-report.json'
/** Each request is given this long: reading history must cost the drill seconds, not minutes. */
const REQUEST_TIMEOUT_MS = 10_000
/** An artifact larger than this is not a drill report. */
const MAX_ARTIFACT_BYTES = 20 * 1024 * 1024

export interface ArtifactLookup {
  apiUrl: string
  /** owner/name */
  repository: string
  /** The workflow file (drill.yml), from GITHUB_WORKFLOW_REF. */
  workflow: string
  /** This run, whose own artifact is not history. */
  runId: string
  token: string
  reportName: string
  app: string
}

export interface ArtifactHistory {
  earlier: DrillFigures[]
  /** Reports that could not be downloaded or read. */
  unreadable: number
}

interface Artifact {
  id: number
  name: string
  expired: boolean
  size_in_bytes: number
  created_at: string
  workflow_run?: { id: number } | null
}

/** Earlier drills of `app` from this workflow's artifacts; throws when the listings fail. */
export async function findEarlierReports(lookup: ArtifactLookup): Promise<ArtifactHistory> {
  const repo = `${lookup.apiUrl.replace(/\/$/, '')}/repos/${lookup.repository}`
  const workflow = encodeURIComponent(lookup.workflow)
  const name = encodeURIComponent(lookup.reportName)
  const [runs, artifacts] = await Promise.all([
    getJson<{ workflow_runs: { id: number }[] }>(
      `${repo}/actions/workflows/${workflow}/runs?per_page=100`,
      lookup.token
    ),
    getJson<{ artifacts: Artifact[] }>(
      `${repo}/actions/artifacts?name=${name}&per_page=100`,
      lookup.token
    )
  ])
  const ours = new Set(runs.workflow_runs.map((r) => String(r.id)))
  const candidates = artifacts.artifacts
    .filter((a) => a.name === lookup.reportName && !a.expired)
    .filter((a) => a.size_in_bytes <= MAX_ARTIFACT_BYTES)
    .filter((a) => a.workflow_run && ours.has(String(a.workflow_run.id)))
    .filter((a) => String(a.workflow_run?.id) !== lookup.runId)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
    .slice(0, MAX_HISTORY)
  const results = await Promise.allSettled(
    candidates.map((a) => downloadFigures(`${repo}/actions/artifacts/${a.id}/zip`, lookup.token))
  )
  const figures = results
    .map((r) => (r.status === 'fulfilled' ? r.value : null))
    .filter((f): f is DrillFigures => f !== null)
  const unreadable = results.filter((r) => r.status === 'rejected' || r.value === null).length
  return { earlier: newestFirst(figures, lookup.app, MAX_HISTORY), unreadable }
}

/** The figures of the report in one artifact; null when it holds no drill report. */
async function downloadFigures(url: string, token: string): Promise<DrillFigures | null> {
  // GitHub answers with a redirect to a signed storage URL: followed by hand, without the token.
  const first = await fetch(url, {
    headers: headers(token),
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  })
  const location = first.headers.get('location')
  const res =
    first.status >= 300 && first.status < 400 && location
      ? await fetch(location, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      : first
  if (!res.ok) throw new Error(`artifact download answered ${res.status}`)
  const entry = readZipEntry(Buffer.from(await res.arrayBuffer()), REPORT_FILE)
  if (!entry) return null
  const report = JSON.parse(entry.toString('utf8')) as DrillReport
  if (typeof report !== 'object' || report === null || !report.timings) return null
  return parseFigures(figuresOfReport(report))
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, {
    headers: headers(token),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  })
  if (res.status === 403 || res.status === 404) {
    throw new Error(
      `the GitHub API answered ${res.status}: the token cannot read this repository's workflow runs and artifacts (the job needs permissions: actions: read)`
    )
  }
  if (!res.ok) throw new Error(`the GitHub API answered ${res.status}`)
  return (await res.json()) as T
}

function headers(token: string): Record<string, string> {
  return {
    Authorization: `Bearer ${token}`,
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': 'heroku-postgres-restore-drill'
  }
}

/** The workflow file of GITHUB_WORKFLOW_REF (`owner/repo/.github/workflows/drill.yml@refs/heads/main`). */
export function workflowFileOf(workflowRef: string | undefined): string | null {
  const match = /\.github\/workflows\/([^@/]+)@/.exec(workflowRef ?? '')
  return match ? match[1] : null
}
