// Reads the history the `history` input names. Never throws: a history that cannot be read is a
// problem line (a warning), and the drill goes on without it.
import type { DrillConfig } from '../config.js'
import { plural } from '../format.js'
import { findEarlierReports, workflowFileOf } from './artifacts.js'
import type { HistoryInput } from './compare.js'
import { readHistoryFile } from './file.js'

export interface LoadedHistory {
  history: HistoryInput
  /** A line worth a warning annotation: the history was asked for and could not (all) be read. */
  warning?: string
}

export async function loadHistory(
  config: Pick<DrillConfig, 'history' | 'githubToken' | 'reportName' | 'app'>,
  env: Record<string, string | undefined>
): Promise<LoadedHistory> {
  const choice = config.history
  if (choice.mode === 'none') return { history: { source: 'none', earlier: [] } }
  try {
    if (choice.mode === 'file') return await fromFile(choice.path, config.app, env)
    return await fromArtifacts(config, env)
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]
    const problem = `earlier drills could not be read (${reason})`
    return {
      history: { source: choice.mode, earlier: [], problem },
      warning: `history: ${problem}; the drill goes on without them`
    }
  }
}

async function fromFile(
  path: string,
  app: string,
  env: Record<string, string | undefined>
): Promise<LoadedHistory> {
  const read = await readHistoryFile(path, app, env)
  const history: HistoryInput = { source: 'file', earlier: read.earlier }
  // The rest of the file still counts.
  const skipped = [
    read.skipped &&
      `${plural(read.skipped, 'line')} of ${path} could not be read as drill figures and ${wasOrWere(read.skipped)} skipped`,
    read.fromTheFuture &&
      `${plural(read.fromTheFuture, 'line')} of ${path} dated in the future ${wasOrWere(read.fromTheFuture)} skipped`
  ].filter(Boolean)
  return skipped.length ? { history, warning: `history: ${skipped.join('; ')}` } : { history }
}

async function fromArtifacts(
  config: Pick<DrillConfig, 'githubToken' | 'reportName' | 'app'>,
  env: Record<string, string | undefined>
): Promise<LoadedHistory> {
  const workflow = workflowFileOf(env.GITHUB_WORKFLOW_REF)
  const repository = env.GITHUB_REPOSITORY
  if (!repository || !workflow || !config.githubToken || !env.GITHUB_RUN_ID) {
    const problem =
      'outside a GitHub Actions workflow with a github-token, earlier runs cannot be looked up (history: <file> keeps one)'
    return { history: { source: 'artifacts', earlier: [], problem } }
  }
  const branch = historyBranch(env)
  if (!branch) {
    const problem = `the branch of this run is unknown (no GITHUB_REF_NAME): earlier runs are read from this branch only`
    return { history: { source: 'artifacts', earlier: [], problem } }
  }
  const found = await findEarlierReports({
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    repository,
    workflow,
    branch,
    runId: env.GITHUB_RUN_ID,
    token: config.githubToken,
    reportName: config.reportName,
    app: config.app
  })
  const future = found.fromTheFuture.length
  // Named by run, so that a crafted report's artifact can be found and deleted.
  const skipped = future
    ? `${plural(future, 'earlier report')} dated in the future ${wasOrWere(future)} skipped (run ${found.fromTheFuture.join(', ')})`
    : ''
  if (found.unreadable > 0 && found.earlier.length === 0) {
    const problem = `none of the ${plural(found.unreadable, 'earlier report')} could be downloaded`
    return {
      history: { source: 'artifacts', earlier: [], problem },
      warning: `history: ${[problem, skipped].filter(Boolean).join('; ')}`
    }
  }
  const history: HistoryInput = { source: 'artifacts', earlier: found.earlier }
  return skipped ? { history, warning: `history: ${skipped}` } : { history }
}

/**
 * The branch whose drills are this drill's history: its own (push, schedule, workflow_dispatch);
 * a pull request's drill compares with its base branch's.
 */
function historyBranch(env: Record<string, string | undefined>): string | undefined {
  const pullRequest = /^pull_request(_target)?$/.test(env.GITHUB_EVENT_NAME ?? '')
  return (pullRequest ? env.GITHUB_BASE_REF : env.GITHUB_REF_NAME) || undefined
}

function wasOrWere(n: number): string {
  return n === 1 ? 'was' : 'were'
}
