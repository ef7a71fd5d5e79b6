// The report, built by one pure function from the drill's facts and its config. Everything the
// summary, the artifact and the outputs show comes from here; nothing edits the report later.
import type { DrillConfig } from '../config.js'
import type { DrillFacts, DrillStop } from '../drill/facts.js'
import { CHECK_ERROR } from '../verify/checks/custom.js'
import { DRILL_ATTACHMENT_NAME } from '../safety.js'
import { drillAppNote } from '../steps/drill-app.js'
import { emptyCleanup } from '../steps/cleanup.js'
import { restoreTooSlow } from '../rules/restore-time.js'
import { settingsOf } from '../inputs.js'
import { formatUtc } from '../format.js'
import type { Verification } from '../verify/types.js'
import { logForReport } from '../verify/warnings.js'
import {
  compareWithHistory,
  historyFailures,
  type HistoryComparison,
  type HistoryInput
} from '../history/compare.js'
import { figuresOfReport, latestCoverage, sourceCountsOf } from '../history/figures.js'
import { nextCoverage } from '../verify/coverage.js'
import type { ContentCoverage } from '../verify/types.js'
import { REPORT_VERSION, type DrillReport, type ExitTargetFacts, type Outcome } from './model.js'
import { upgradeOf } from './upgrade.js'
import { dryRunPlanOf } from './dry-run.js'
import { runbookCommands } from './runbook.js'
import { judgeOutcome, type CopyMade } from './verdict.js'

export const TOOL_NAME = 'heroku-postgres-restore-drill'
export const TOOL_VERSION = '1.0.0'

const NO_SCHEDULE_FACTS: DrillReport['backups'] = {
  scheduled: false,
  schedule: null,
  newestBackup: null,
  recentBackups: []
}

/** Policy failures that do not stop the drill: a slow restore, a failed check of the promote drill. */
export function policyFailures(config: DrillConfig, facts: DrillFacts): string[] {
  const slow = restoreTooSlow(config, facts.restore?.seconds)
  const promoteChecks = (facts.promote?.checks ?? [])
    .filter((c) => c.status === 'failed')
    .map((c) => `check ${c.title} failed: ${c.detail}`)
  return [...(slow ? [slow] : []), ...promoteChecks]
}

/**
 * The outcome of the drill (passed / failed / error) and its verdict line. With history, a table
 * that lost more than max-row-drop % of its rows fails it too.
 */
export function outcomeOf(config: DrillConfig, facts: DrillFacts, history?: HistoryInput) {
  const comparison = history ? compareOf(config, facts, history, 'passed') : null
  return judgeOutcome({
    error: facts.stop ?? checkErrorOf(facts.verification),
    dryRun: config.dryRun,
    copy: copyOf(facts),
    restoreSeconds: facts.restore?.seconds ?? 0,
    verification: facts.verification,
    failures: [...policyFailures(config, facts), ...historyFailures(comparison)],
    cleanupProblems: facts.cleanup?.problems ?? []
  })
}

/**
 * A custom check whose SQL gives no true/false answer (`select count(*) from t`) is the workflow's
 * error, not a mismatch of the backup: the drill could not judge it.
 */
function checkErrorOf(v: Verification | undefined): DrillStop | undefined {
  const broken = v?.findings.find((f) => f.check === CHECK_ERROR)
  return broken ? { message: broken.message, outcome: 'error' } : undefined
}

/** What was restored, for the verdict: the backup, or the fork / rollback Heroku made. */
function copyOf(facts: DrillFacts): CopyMade {
  const recovery = facts.preflight?.recovery
  const source = facts.preflight?.source.addonName ?? 'the source'
  if (recovery?.method === 'fork') return { label: `fork of ${source}`, method: 'fork' }
  if (recovery?.method === 'rollback') {
    const to = recovery.targetTime ? ` to ${formatUtc(recovery.targetTime)}` : ''
    return { label: `rollback of ${source}${to}`, method: 'rollback' }
  }
  return { label: `backup ${facts.backup?.id}`, method: 'backup' }
}

/** This drill, with the outcome given, compared with the earlier drills of the app. */
function compareOf(
  config: DrillConfig,
  facts: DrillFacts,
  history: HistoryInput,
  outcome: Outcome
): HistoryComparison {
  // The source as this drill read it (a rollback's verification counts may be an earlier read's).
  const current = figuresOfReport({
    startedAt: facts.startedAt.toISOString(),
    app: config.app,
    outcome,
    method: facts.preflight?.recovery?.method ?? 'backup',
    sourceCounts: sourceCountsOfFacts(facts),
    verification: facts.verification && facts.before ? facts.verification : null,
    backup: facts.backup ?? null,
    restore: facts.restore ? { seconds: facts.restore.seconds } : null,
    timings: facts.timings
  })
  return compareWithHistory(current, history, {
    maxRowDrop: config.maxRowDrop,
    maxRestoreMinutes: config.maxRestoreMinutes
  })
}

/**
 * Which drill last verified each table's contents, this one included: the history's newest record
 * carried forward (verify-budget hashes least recently verified tables first from it).
 */
function coverageOfDrill(facts: DrillFacts, history?: HistoryInput): ContentCoverage | null {
  const verification = facts.verification
  if (!verification?.contents) return null
  return nextCoverage(
    latestCoverage(history?.earlier),
    facts.startedAt.toISOString(),
    verification.contents.verified,
    verification.tables.map((t) => t.table),
    verification.contents.rowsPerSecond
  )
}

function sourceCountsOfFacts(facts: DrillFacts): DrillReport['sourceCounts'] {
  const pre = facts.preflight
  return facts.before && pre ? sourceCountsOf(pre.source.addonName, facts.before.counts) : null
}

/** `history` is what main read of earlier drills; without it the report has no comparison. */
export function buildReport(
  config: DrillConfig,
  facts: DrillFacts,
  redact: (text: string) => string,
  history?: HistoryInput
): DrillReport {
  const pre = facts.preflight
  const finishedAt = facts.finishedAt ?? facts.startedAt
  const judged = outcomeOf(config, facts, history)
  const report: DrillReport = {
    version: REPORT_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    app: config.app,
    outcome: judged.outcome,
    verdict: redact(judged.verdict),
    ...(judged.errorLine ? { error: redact(judged.errorLine) } : {}),
    startedAt: facts.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    settings: settingsOf(config),
    source: {
      addonName: pre?.source.addonName ?? '',
      attachment: pre?.source.attachment ?? config.database,
      plan: pre?.source.plan ?? '',
      databaseBytes: facts.before?.databaseBytes ?? pre?.databaseBytes ?? null,
      ...(pre?.postgresVersion ? { postgresVersion: String(pre.postgresVersion) } : {})
    },
    backups: backupsSection(facts),
    method: config.method,
    recovery: recoverySection(facts),
    backup: facts.backup ?? null,
    restore: restoreSection(facts),
    exitTarget: facts.exitTarget ?? null,
    verification: verificationWithPromoteChecks(config, facts),
    promote: facts.promote
      ? {
          promoted: facts.promote.promoted,
          promotedBack: facts.promote.promotedBack,
          finalDatabaseAddon: facts.promote.finalDatabaseAddon,
          maintenanceOff: facts.promote.maintenanceOff
        }
      : null,
    timings: facts.timings,
    timeline: facts.timeline,
    // An exit drill keeps its copy outside Heroku: no drill app.
    drillApp: config.targetUrl ? null : drillAppSection(facts),
    cleanup: cleanupSection(config, facts, redact),
    notes: notesOf(config, facts).map(redact),
    runbook: { restoreSeconds: facts.restore?.seconds ?? null, commands: [] },
    sourceCounts: sourceCountsOfFacts(facts),
    contentCoverage: coverageOfDrill(facts, history),
    history: history
      ? redactComparison(compareOf(config, facts, history, judged.outcome), redact)
      : null,
    versions: pre?.versions ?? null,
    upgrade: upgradeOf(pre?.versions, facts.verification),
    sourceConnections: pre
      ? {
          peak: facts.sourceConnections ?? 0,
          max: pre.sourcePool.size,
          before: pre.sourcePool.before
        }
      : null,
    tokenScopes: pre?.tokenScopes ?? null,
    dryRun: config.dryRun && pre?.versions ? dryRunPlanOf(config, pre) : null
  }
  report.runbook.commands = runbookCommands(report)
  return report
}

/** Question 1's facts, also when preflight stopped after reading them. */
function backupsSection(facts: DrillFacts): DrillReport['backups'] {
  const read = facts.preflight?.scheduleFacts ?? facts.scheduleRead
  return {
    ...(read ?? NO_SCHEDULE_FACTS),
    read: read !== undefined,
    ...(facts.backupsPushedOut?.length ? { pushedOut: facts.backupsPushedOut } : {})
  }
}

/** The history's problem line may quote an error from outside; its notes name tables only. */
function redactComparison(
  comparison: HistoryComparison,
  redact: (text: string) => string
): HistoryComparison {
  return comparison.problem ? { ...comparison, problem: redact(comparison.problem) } : comparison
}

function restoreSection(facts: DrillFacts): DrillReport['restore'] {
  if (facts.exitTarget) return exitRestoreSection(facts, facts.exitTarget)
  if (!facts.addon) return null
  return {
    addonName: facts.addon.name,
    attachment: DRILL_ATTACHMENT_NAME,
    plan: facts.addon.plan?.name ?? '',
    ...(facts.restore?.transfer ? { transferId: facts.restore.transfer.uuid } : {}),
    seconds: facts.restore?.seconds ?? null,
    // Restored data never leaves the database: log lines that could quote rows are trimmed.
    logs: logForReport(facts.restore?.logs ?? [])
  }
}

function recoverySection(facts: DrillFacts): DrillReport['recovery'] {
  const pre = facts.preflight
  if (!pre?.recovery) return null
  const { method, targetTime, earliest } = pre.recovery
  return {
    method,
    sourceAddon: pre.source.addonName,
    targetTime: targetTime ? formatUtc(targetTime) : null,
    earliest: earliest ? formatUtc(earliest) : null,
    readySeconds: facts.restore?.seconds ?? null,
    ...(method === 'rollback' ? { readBefore: facts.rollbackReadAt ?? null } : {})
  }
}

/**
 * Checks run through DATABASE_URL during the promote drill join the verification table. Two
 * checks are told as they are: a fork or rollback runs no pg_restore, so it has no restore
 * warnings to pass; with an existing backup, checksum-tables: auto hashes none (no window watched).
 */
function verificationWithPromoteChecks(
  config: DrillConfig,
  facts: DrillFacts
): Verification | null {
  if (!facts.verification) return null
  const promoteChecks = facts.promote?.checks ?? []
  const checks = facts.verification.checks.map((c) => {
    if (c.id === 'restore-warnings' && facts.preflight?.recovery)
      return {
        ...c,
        status: 'skipped' as const,
        detail: 'no pg_restore runs on a fork or rollback'
      }
    if (c.id === 'checksums' && c.status === 'skipped' && autoWithoutWindow(config))
      return {
        ...c,
        detail: `checksum-tables: auto hashes no table with backup: ${settingsOf(config).backup}: no quiet window is watched around an existing backup; name tables to hash them anyway`
      }
    return c
  })
  // What the schema check found across majors is the report's `upgrade`, not part of verification.
  const { acrossMajors, ...verification } = facts.verification
  void acrossMajors
  return { ...verification, checks: [...checks, ...promoteChecks] }
}

/** checksum-tables left at auto (or named none) with a backup this drill did not capture. */
function autoWithoutWindow(config: DrillConfig): boolean {
  return config.method === 'backup' && config.backup.mode !== 'capture'
}

function backupNotes(config: DrillConfig, facts: DrillFacts): string[] {
  const notes = (facts.backupsPushedOut ?? []).map(
    (id) =>
      `Backup ${id} disappeared when the drill captured: Heroku expired it to make room for the capture.`
  )
  const captured = facts.backup && config.backup.mode === 'capture' ? facts.backup.id : undefined
  if (captured && facts.cleanup?.backupDeleted === captured) {
    notes.push(
      `The captured backup ${captured} was deleted at the end, so drills never fill the manual-backup slots (keep-backup: true keeps it).`
    )
  } else if (captured && config.keepBackup) {
    notes.push(
      `The captured backup ${captured} is kept (keep-backup: true). Manual backups rotate: it takes one of the manual-backup slots.`
    )
  } else if (captured && !facts.cleanup?.backupDeleted && facts.verification?.passed !== true) {
    const app = config.app
    notes.push(
      `The captured backup ${captured} is kept because the drill did not prove it, so the team can look at it (heroku pg:backups:info ${captured} --app ${app}). ` +
        `Manual backups rotate: it takes one of the manual-backup slots until deleted (heroku pg:backups:delete ${captured} --app ${app} --confirm ${app}).`
    )
  }
  return notes
}

/** Where the copy lived; with drill-app: NAME, the releases the drill made there. */
function drillAppSection(facts: DrillFacts): DrillReport['drillApp'] {
  const plan = facts.preflight?.drillApp
  if (!plan) return null
  return {
    name: plan.name,
    mode: plan.mode,
    deleted: (facts.cleanup?.appDeleted ?? null) !== null,
    ...(plan.mode === 'named' ? { releases: namedAppReleases(facts) } : {})
  }
}

function cleanupSection(
  config: DrillConfig,
  facts: DrillFacts,
  redact: (text: string) => string
): DrillReport['cleanup'] {
  const cleanup = facts.cleanup ?? emptyCleanup()
  // The app the add-on was created on, as Heroku answered: the drill app, or production.
  const keptOn = facts.addon?.app.name ?? facts.preflight?.drillApp.name ?? config.app
  return {
    destroyed: cleanup.destroyed,
    appDeleted: cleanup.appDeleted,
    backupDeleted: cleanup.backupDeleted,
    staleDestroyed: facts.staleDestroyed,
    kept: cleanup.kept ? { ...cleanup.kept, app: keptOn } : null,
    problems: cleanup.problems.map(redact)
  }
}

/**
 * drill-app: NAME: what the drill changed on that app, each a release (heroku-api.md §18.1): the
 * add-on created with its attachment, its config var set once Heroku made it ready, its detach when
 * destroyed. From what the drill did: a create Heroku refused made nothing there.
 */
function namedAppReleases(facts: DrillFacts): string[] {
  const cleanup = facts.cleanup
  const ready = facts.addon !== undefined
  const destroyed = (cleanup?.destroyed.length ?? 0) > 0
  if (!ready && !destroyed && !cleanup?.kept) return []
  const name = DRILL_ATTACHMENT_NAME
  return [
    `attach ${name} (the add-on created)`,
    ...(ready ? [`${name}_URL set (the add-on ready)`] : []),
    ...(destroyed ? [`detach ${name} (the add-on destroyed)`] : [])
  ]
}

/** What a reader should know that did not fail the drill, then the policy failures. */
function notesOf(config: DrillConfig, facts: DrillFacts): string[] {
  const pre = facts.preflight
  const notes = [...(pre?.warnings ?? []), ...(pre?.notes ?? [])]
  if (facts.maintenanceWasOn)
    notes.push('Maintenance mode was already on; the drill left it as it was.')
  notes.push(...backupNotes(config, facts))
  if (pre && !config.dryRun)
    notes.push(
      drillAppNote(pre.drillApp, config.app, facts.cleanup?.kept != null, namedAppReleases(facts))
    )
  if (pre?.drillApp.create && !pre.drillApp.create.team)
    notes.push(
      `${config.app} is a personal app: the drill app is created, and billed, in the token's own account.`
    )
  if (facts.promoteSkipped)
    notes.push('The promote drill was skipped: the restore did not pass verification.')
  if (facts.promote) {
    notes.push(
      'Maintenance mode stops web traffic only: worker and scheduler dynos kept running during the promote drill and may have written to the promoted database.'
    )
  }
  notes.push(...policyFailures(config, facts))
  if (facts.heartbeatProblem) notes.push(`heartbeat-url: ${facts.heartbeatProblem}`)
  return notes
}

/** target-url: the copy is the drill's database on the target server; never its URL. */
function exitRestoreSection(facts: DrillFacts, target: ExitTargetFacts): DrillReport['restore'] {
  return {
    addonName: target.database,
    attachment: '',
    plan: `PostgreSQL ${target.serverVersion} on ${target.host}`,
    seconds: facts.restore?.seconds ?? null,
    logs: logForReport(facts.restore?.logs ?? [])
  }
}
