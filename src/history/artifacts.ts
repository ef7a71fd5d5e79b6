// history: artifacts: the reports this workflow's earlier runs uploaded, found through the GitHub
// REST API (github.ts): this workflow's runs of this branch started by a trusted event, the
// artifacts named like this run's report, and the small restore-drill-report.json inside each,
// newest first, at most 30, downloaded a few at a time.
import {
  isFromTheFuture,
  newestFirst,
  parseFigures,
  figuresOfReport,
  type DrillFigures
} from './figures.js'
import { MAX_HISTORY } from './compare.js'
import {
  createArtifactApi,
  type ArtifactApi,
  type ListedArtifact,
  type ListedRun
} from './github.js'
import { readZipEntry } from './zip.js'
import type { DrillReport } from '../report/model.js'

const REPORT_FILE = 'restore-drill-report.json'
/** An artifact larger than this is not a drill report. */
const MAX_ARTIFACT_BYTES = 20 * 1024 * 1024
/**
 * Downloads at once: each holds up to MAX_ARTIFACT_BYTES (twice while its chunks are joined), so
 * all 30 at once could hold over a gigabyte; four hold at most 160 MiB and take seconds still.
 */
const PARALLEL_DOWNLOADS = 4
/**
 * The events whose runs run the branch's workflow as committed. A pull request (or
 * pull_request_target, workflow_run, ...) can run a workflow its author edited, from a fork whose
 * branch may be called main too: its report is no baseline.
 */
const TRUSTED_EVENTS = new Set(['schedule', 'workflow_dispatch', 'push'])

export interface ArtifactLookup {
  apiUrl: string
  /** owner/name */
  repository: string
  /** The workflow file (drill.yml), from GITHUB_WORKFLOW_REF. */
  workflow: string
  /** The branch whose drills are the history. */
  branch: string
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
  /** The runs whose report of this app is dated in the future: skipped. */
  fromTheFuture: string[]
}

/** Earlier drills of `app` from this workflow's artifacts; throws when the listings fail. */
export async function findEarlierReports(
  lookup: ArtifactLookup,
  now = Date.now()
): Promise<ArtifactHistory> {
  const api = createArtifactApi(lookup)
  const [runs, artifacts] = await Promise.all([
    api.workflowRuns(lookup.workflow, lookup.branch),
    api.artifactsNamed(lookup.reportName)
  ])
  const trusted = trustedRuns(runs, lookup)
  const candidates = earlierArtifacts(artifacts, lookup, trusted)
  const results = await settledInTurns(candidates, PARALLEL_DOWNLOADS, (a) =>
    downloadFigures(api, a.id, trusted.get(runOf(a))!)
  )
  const read = results
    .map((r) => (r.status === 'fulfilled' ? r.value : null))
    .filter((f): f is DrillFigures => f !== null && f.app === lookup.app)
  const unreadable = results.filter((r) => r.status === 'rejected' || r.value === null).length
  const future = read.filter((f) => isFromTheFuture(f, now))
  return {
    earlier: newestFirst(
      read.filter((f) => !future.includes(f)),
      lookup.app,
      MAX_HISTORY
    ),
    unreadable,
    fromTheFuture: future.map((f) => f.runId ?? '?')
  }
}

/** This branch's earlier runs started by a trusted event, by id; the listing's branch is checked again. */
function trustedRuns(runs: ListedRun[], lookup: ArtifactLookup): Map<string, ListedRun> {
  const trusted = runs.filter(
    (r) =>
      r.head_branch === lookup.branch &&
      TRUSTED_EVENTS.has(r.event) &&
      String(r.id) !== lookup.runId
  )
  return new Map(trusted.map((r) => [String(r.id), r]))
}

const runOf = (a: ListedArtifact) => String(a.workflow_run?.id ?? '')

/** The trusted runs' unexpired report artifacts, newest first, at most MAX_HISTORY. */
function earlierArtifacts(
  artifacts: ListedArtifact[],
  lookup: ArtifactLookup,
  trusted: Map<string, ListedRun>
): ListedArtifact[] {
  return artifacts
    .filter((a) => a.name === lookup.reportName && !a.expired)
    .filter((a) => a.size_in_bytes <= MAX_ARTIFACT_BYTES)
    .filter((a) => trusted.has(runOf(a)))
    .sort((a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? ''))
    .slice(0, MAX_HISTORY)
}

/** The figures of the report in one artifact, with its run; null when it holds no drill report. */
async function downloadFigures(
  api: ArtifactApi,
  artifactId: number,
  run: ListedRun
): Promise<DrillFigures | null> {
  const zip = await api.downloadZip(artifactId, MAX_ARTIFACT_BYTES)
  const entry = readZipEntry(zip, REPORT_FILE)
  if (!entry) return null
  const report = JSON.parse(entry.toString('utf8')) as DrillReport
  if (typeof report !== 'object' || report === null || !report.timings) return null
  // The run comes from GitHub's listing, never from the report.
  return parseFigures({
    ...figuresOfReport(report),
    runId: String(run.id),
    runUrl: run.html_url
  })
}

/** Promise.allSettled of `work` on every item, at most `limit` of them running at once. */
async function settledInTurns<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await work(items[i]).then(
        (value): PromiseSettledResult<R> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<R> => ({ status: 'rejected', reason })
      )
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** The workflow file of GITHUB_WORKFLOW_REF (`owner/repo/.github/workflows/drill.yml@refs/heads/main`). */
export function workflowFileOf(workflowRef: string | undefined): string | null {
  const match = /\.github\/workflows\/([^@/]+)@/.exec(workflowRef ?? '')
  return match ? match[1] : null
}
