// history: the GitHub REST API, through @actions/github's Octokit: this workflow's runs of a branch
// and the artifacts of one name (paged), and one artifact's zip. Octokit sends through
// @actions/http-client's proxy agent (https_proxy / no_proxy, chosen for GITHUB_API_URL when
// @actions/github loads); the signed download URL is fetched with @actions/http-client, which picks the proxy per URL too.
// @actions/github adds no retries: reading history must cost the drill seconds, not minutes.
import type { IncomingMessage } from 'node:http'
import { getOctokit } from '@actions/github'
import { HttpClient } from '@actions/http-client'

const USER_AGENT = 'heroku-postgres-restore-drill'
/** Each request (each page of a listing) is given this long. */
const REQUEST_TIMEOUT_MS = 10_000
/** Runs are listed newest first, 100 a page: 1000 runs reach back far enough for 30 drills. */
const MAX_PAGES = 10
const API_VERSION = { 'x-github-api-version': '2022-11-28' }

export interface GitHubRepo {
  /** e.g. https://api.github.com, or a GHES /api/v3 (GITHUB_API_URL) */
  apiUrl: string
  /** owner/name */
  repository: string
  token: string
}

export interface ListedArtifact {
  id: number
  name: string
  expired: boolean
  size_in_bytes: number
  created_at?: string | null
  workflow_run?: { id?: number } | null
}

/** One run of a workflow, as GitHub lists it: what history needs to judge whether to trust it. */
export interface ListedRun {
  id: number
  head_branch: string | null
  /** What started it: push, schedule, workflow_dispatch, pull_request, ... */
  event: string
  html_url: string
}

export interface ArtifactApi {
  /** This workflow file's runs on `branch`, newest first (at most MAX_PAGES pages). */
  workflowRuns(workflow: string, branch: string): Promise<ListedRun[]>
  artifactsNamed(name: string): Promise<ListedArtifact[]>
  /** The artifact's zip; rejects when it is larger than `maxBytes`. */
  downloadZip(artifactId: number, maxBytes: number): Promise<Buffer>
  /** The jobs of one attempt of a run (first 100: a fleet's matrix rarely has more). */
  runJobs(runId: number, attempt: number): Promise<{ name: string; html_url: string | null }[]>
}

export function createArtifactApi(repo: GitHubRepo): ArtifactApi {
  const octokit = getOctokit(repo.token, {
    baseUrl: repo.apiUrl.replace(/\/$/, ''),
    userAgent: USER_AGENT
  })
  // A deadline per request (each page too), raced in a hook: paginate drops per-call request
  // options, a `request` given to getOctokit would replace @actions/github's proxy-aware fetch,
  // and aborting its undici fetch with a signal hung in our tests. A late answer is dropped.
  octokit.hook.wrap('request', (send, options) =>
    withDeadline(Promise.resolve(send(options)), REQUEST_TIMEOUT_MS)
  )
  const [owner, name] = repo.repository.split('/')
  const pageLimit = () => {
    let pages = 0
    return (done: () => void) => ++pages >= MAX_PAGES && done()
  }
  return {
    async workflowRuns(workflow, branch) {
      const enough = pageLimit()
      return octokit
        .paginate(
          octokit.rest.actions.listWorkflowRuns,
          { ...listing(owner, name), workflow_id: workflow, branch },
          (res, done) => (
            enough(done),
            res.data.map(({ id, head_branch, event, html_url }) => ({
              id,
              head_branch,
              event,
              html_url
            }))
          )
        )
        .catch(explainFailure)
    },
    async artifactsNamed(artifactName) {
      const enough = pageLimit()
      return octokit
        .paginate(
          octokit.rest.actions.listArtifactsForRepo,
          { ...listing(owner, name), name: artifactName },
          (res, done) => (enough(done), res.data as ListedArtifact[])
        )
        .catch(explainFailure)
    },
    async downloadZip(artifactId, maxBytes) {
      // GitHub answers with a redirect to a signed storage URL: followed without the token.
      const res = await octokit.rest.actions
        .downloadArtifact({
          owner,
          repo: name,
          artifact_id: artifactId,
          archive_format: 'zip',
          headers: API_VERSION,
          request: { redirect: 'manual' }
        })
        .catch(explainFailure)
      const location = res.headers.location
      if (typeof location === 'string' && location) return downloadSigned(location, maxBytes)
      if (res.data instanceof ArrayBuffer) return capped(Buffer.from(res.data), maxBytes)
      throw new Error(`the artifact download answered ${res.status} without a zip`)
    },
    async runJobs(runId, attempt) {
      const res = await octokit.rest.actions
        .listJobsForWorkflowRunAttempt({
          ...listing(owner, name),
          run_id: runId,
          attempt_number: attempt
        })
        .catch(explainFailure)
      return res.data.jobs
    }
  }
}

function listing(owner: string, repo: string) {
  return { owner, repo, per_page: 100, headers: API_VERSION }
}

/** Octokit's failure as one line that names what to do; never the URL or the token. */
function explainFailure(err: unknown): never {
  const e = (err ?? {}) as { status?: number; response?: unknown; name?: string; cause?: unknown }
  if (e.response && (e.status === 403 || e.status === 404)) {
    throw new Error(
      `the GitHub API answered ${e.status}: the token cannot read this repository's workflow runs and artifacts (the job needs permissions: actions: read)`
    )
  }
  if (e.response && typeof e.status === 'number')
    throw new Error(`the GitHub API answered ${e.status}`)
  throw new Error(`the GitHub API could not be reached (${networkCode(err)})`)
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    const timedOut = Object.assign(new Error('timed out'), { name: 'TimeoutError' })
    timer = setTimeout(() => reject(timedOut), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

function networkCode(err: unknown): string {
  for (let e = err as { name?: string; code?: unknown; cause?: unknown } | undefined; e;) {
    if (typeof e.code === 'string') return e.code
    if (e.name === 'TimeoutError') return 'timed out'
    e = e.cause as typeof e
  }
  return 'network error'
}

/** The signed storage URL, read up to `maxBytes`. */
async function downloadSigned(url: string, maxBytes: number): Promise<Buffer> {
  const client = new HttpClient(USER_AGENT, [], {
    allowRetries: false,
    keepAlive: false,
    socketTimeout: REQUEST_TIMEOUT_MS
  })
  let res: IncomingMessage
  try {
    res = (await client.get(url)).message
  } catch (err) {
    // http-client's own messages repeat the signed URL: only the code is kept.
    const timedOut = err instanceof Error && /^Request timeout/.test(err.message)
    throw new Error(`the artifact download failed (${timedOut ? 'timed out' : networkCode(err)})`)
  }
  const status = res.statusCode ?? 0
  if (status < 200 || status > 299) {
    res.resume()
    throw new Error(`the artifact download answered ${status}`)
  }
  return readCapped(res, maxBytes)
}

/**
 * The body, refused as soon as it passes `maxBytes`. With a Content-Length within the cap, the
 * chunks are copied into one buffer as they come: a download never holds its bytes twice.
 */
function readCapped(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length'])
  const known = Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes
  const into = known ? Buffer.allocUnsafe(declared) : null
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    res.on('data', (chunk: Buffer) => {
      const end = length + chunk.length
      if (end > (into ? declared : maxBytes)) {
        res.destroy(new Error(`the artifact is larger than ${maxBytes} bytes`))
      } else if (into) chunk.copy(into, length)
      else chunks.push(chunk)
      length = end
    })
    res.on('error', reject)
    res.on('end', () => resolve(into ? into.subarray(0, length) : Buffer.concat(chunks)))
    res.on('close', () => {
      if (!res.complete) reject(new Error('the artifact download was cut off'))
    })
  })
}

function capped(zip: Buffer, maxBytes: number): Buffer {
  if (zip.length > maxBytes) throw new Error(`the artifact is larger than ${maxBytes} bytes`)
  return zip
}
