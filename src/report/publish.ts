// Phase 8: the report reaches the user: job summary, report artifact, outputs, annotations and
// the one failure line. Everything written here has gone through the secret registry.
import { commandSafe } from '../untrusted.js'
import type { DrillReport } from './model.js'
import { reportSha256, writeReport } from './artifact.js'
import { outputsFor } from './outputs.js'
import { plural } from '../format.js'
import { flat } from './render.js'
import { renderSummary, renderTerminal } from './summary.js'
import { byShortestName } from './verdict.js'
import type { SecretRegistry } from '../safety.js'

/** GitHub shows at most 10 error annotations per step. */
export const MAX_ANNOTATIONS = 10

export interface PublishDeps {
  core: {
    info(line: string): void
    error(line: string, props?: { title?: string }): void
    warning?(line: string, props?: { title?: string }): void
    setFailed(line: string): void
    setOutput(name: string, value: string): void
    summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } }
  }
  secrets: SecretRegistry
  reportName: string
  dir: string
  upload: boolean
}

/** The artifact's name and the run's artifacts page, when the report is uploaded on GitHub. */
export function artifactLinks(
  deps: Pick<PublishDeps, 'reportName' | 'upload'>,
  env: NodeJS.ProcessEnv
): { artifactName?: string; artifactsUrl?: string } {
  if (!deps.upload) return {}
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env
  const url =
    server && repo && run && /^\d+$/.test(run) && /^[\w.-]+\/[\w.-]+$/.test(repo)
      ? `${server.replace(/\/$/, '')}/${repo}/actions/runs/${run}#artifacts`
      : undefined
  return { artifactName: deps.reportName, ...(url ? { artifactsUrl: url } : {}) }
}

/** Phase 8: job summary, report artifact, outputs, annotations, and the one failure line. */
export async function publishReport(
  report: DrillReport,
  deps: PublishDeps
): Promise<{ reportPath: string }> {
  const { core } = deps
  // An annotation is a line of the log: one line, no secret (names and messages come from outside).
  const annotation = (text: string): string => flat(deps.secrets.redact(text))
  const sha256 = reportSha256(report)
  const artifact = artifactLinks(deps, process.env)
  const markdown = renderSummary(report, { sha256, ...artifact })
  const written = await writeReport(report, markdown, {
    dir: deps.dir,
    name: deps.reportName,
    upload: deps.upload
  })
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(markdown, true).write()
  } else {
    core.info(
      commandSafe(
        renderTerminal(report, { sha256: written.sha256, reportPath: written.reportPath })
      )
    )
  }
  core.info(
    written.uploaded
      ? `report uploaded as artifact ${deps.reportName} (sha256 ${written.sha256})`
      : `report written to ${written.reportPath} (sha256 ${written.sha256})`
  )
  const outputs = outputsFor(report, { reportPath: written.reportPath })
  for (const [name, value] of Object.entries(outputs))
    core.setOutput(name, deps.secrets.redact(String(value)))
  // The failure line first: GitHub shows only the first 10 error annotations of a step.
  if (report.outcome !== 'passed') core.setFailed(annotation(report.verdict))
  // core.info writes as it is given: a line break in the verdict would start a line of its own,
  // which the runner reads as a workflow command when it starts with `::`.
  else core.info(commandSafe(flat(deps.secrets.redact(report.verdict))))
  // Regressions that did not fail the drill still deserve a warning of their own.
  for (const regression of report.history?.regressions ?? []) {
    if (regression.severity !== 'warning') continue
    core.warning?.(annotation(regression.message), { title: 'Restore drill: history' })
  }
  // Shortest object names first, as in the failure line: a missing table before its indexes.
  const mismatches = (report.verification?.findings ?? [])
    .filter((f) => f.severity === 'mismatch')
    .sort((a, b) => byShortestName(a.object, b.object))
  const room = MAX_ANNOTATIONS - 1
  const shown = mismatches.length > room ? mismatches.slice(0, room - 1) : mismatches
  for (const finding of shown) {
    core.error(annotation(`${finding.object}: ${finding.message}`), {
      title: `Restore drill: ${finding.check}`
    })
  }
  if (shown.length < mismatches.length) {
    core.error(
      `${plural(mismatches.length - shown.length, 'more mismatch', 'more mismatches')}: every one is in the job summary and the report`,
      { title: 'Restore drill' }
    )
  }
  return { reportPath: written.reportPath }
}
