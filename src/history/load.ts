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
    if (choice.mode === 'file') {
      const read = await readHistoryFile(choice.path, config.app)
      const history: HistoryInput = { source: 'file', earlier: read.earlier }
      if (!read.skipped) return { history }
      // The rest of the file still counts.
      const warning = `history: ${plural(read.skipped, 'line')} of ${choice.path} could not be read as drill figures and ${read.skipped === 1 ? 'was' : 'were'} skipped`
      return { history, warning }
    }
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
  const found = await findEarlierReports({
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    repository,
    workflow,
    runId: env.GITHUB_RUN_ID,
    token: config.githubToken,
    reportName: config.reportName,
    app: config.app
  })
  if (found.unreadable > 0 && found.earlier.length === 0) {
    const problem = `none of the ${plural(found.unreadable, 'earlier report')} could be downloaded`
    return {
      history: { source: 'artifacts', earlier: [], problem },
      warning: `history: ${problem}`
    }
  }
  return { history: { source: 'artifacts', earlier: found.earlier } }
}
