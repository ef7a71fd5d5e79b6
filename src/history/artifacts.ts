// history: artifacts: the reports this workflow's earlier runs uploaded, found through the GitHub
// REST API (github.ts): this workflow's runs, the artifacts named like this run's report, and the
// small restore-drill-report.json inside each, newest first, at most 30, downloaded in parallel.
import { newestFirst, parseFigures, figuresOfReport, type DrillFigures } from './figures.js'
import { MAX_HISTORY } from './compare.js'
import { createArtifactApi, type ArtifactApi, type ListedArtifact } from './github.js'
import { readZipEntry } from './zip.js'
import type { DrillReport } from '../report/model.js'

const REPORT_FILE = 'restore-drill-report.json'
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

/** Earlier drills of `app` from this workflow's artifacts; throws when the listings fail. */
export async function findEarlierReports(lookup: ArtifactLookup): Promise<ArtifactHistory> {
  const api = createArtifactApi(lookup)
  const [ours, artifacts] = await Promise.all([
    api.workflowRunIds(lookup.workflow),
    api.artifactsNamed(lookup.reportName)
  ])
  const candidates = earlierArtifacts(artifacts, lookup, ours)
  const results = await Promise.allSettled(candidates.map((a) => downloadFigures(api, a.id)))
  const figures = results
    .map((r) => (r.status === 'fulfilled' ? r.value : null))
    .filter((f): f is DrillFigures => f !== null)
  const unreadable = results.filter((r) => r.status === 'rejected' || r.value === null).length
  return { earlier: newestFirst(figures, lookup.app, MAX_HISTORY), unreadable }
}

/** This workflow's earlier, unexpired report artifacts, newest first, at most MAX_HISTORY. */
function earlierArtifacts(
  artifacts: ListedArtifact[],
  lookup: ArtifactLookup,
  ours: Set<string>
): ListedArtifact[] {
  const runOf = (a: ListedArtifact) => String(a.workflow_run?.id ?? '')
  return artifacts
    .filter((a) => a.name === lookup.reportName && !a.expired)
    .filter((a) => a.size_in_bytes <= MAX_ARTIFACT_BYTES)
    .filter((a) => ours.has(runOf(a)) && runOf(a) !== lookup.runId)
    .sort((a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? ''))
    .slice(0, MAX_HISTORY)
}

/** The figures of the report in one artifact; null when it holds no drill report. */
async function downloadFigures(api: ArtifactApi, artifactId: number): Promise<DrillFigures | null> {
  const zip = await api.downloadZip(artifactId, MAX_ARTIFACT_BYTES)
  const entry = readZipEntry(zip, REPORT_FILE)
  if (!entry) return null
  const report = JSON.parse(entry.toString('utf8')) as DrillReport
  if (typeof report !== 'object' || report === null || !report.timings) return null
  return parseFigures(figuresOfReport(report))
}

/** The workflow file of GITHUB_WORKFLOW_REF (`owner/repo/.github/workflows/drill.yml@refs/heads/main`). */
export function workflowFileOf(workflowRef: string | undefined): string | null {
  const match = /\.github\/workflows\/([^@/]+)@/.exec(workflowRef ?? '')
  return match ? match[1] : null
}
