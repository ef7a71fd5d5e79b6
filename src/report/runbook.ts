// The emergency runbook: the exact Heroku CLI commands to restore the backup this drill just
// proved, onto this app; when the drill did not prove it, what to do instead. From the report alone.
import type { DrillReport } from './model.js'
import { formatCount, formatDuration, plural } from '../format.js'
import { inspectKeptSection, promoteKeptSections, stopBillingSections } from './runbook-kept.js'
import {
  EMERGENCY_ATTACHMENT,
  addonPlanOf,
  cli,
  commandsOf,
  configVarOf,
  type RunbookSection
} from './runbook-names.js'
import { flat } from './render.js'
import { mismatchPhrase } from './verdict.js'

export {
  EMERGENCY_ATTACHMENT,
  KEPT_ATTACHMENT,
  addonPlanOf,
  configVarOf,
  type RunbookSection
} from './runbook-names.js'

export interface RunbookOptions {
  /** The newest backup that passed an earlier drill of this app, when history knows one. */
  lastPassedBackup?: { id: string; drilledAt: string }
}

/** Restoring the backup needs no more than the backup ID; a verified copy it may still be. */
export function backupProven(report: DrillReport): boolean {
  return report.backup !== null && report.verification?.passed === true
}

/**
 * The runbook sections for this report: the restore commands when this drill proved the backup
 * (it restored and verification found no mismatch), otherwise what to do instead, never a command
 * that restores the unproven backup. [] when no backup was identified.
 */
export function runbookSections(
  report: DrillReport,
  options: RunbookOptions = {}
): RunbookSection[] {
  const sections = report.recovery
    ? recoverySections(report, report.recovery)
    : !report.backup
      ? keptUnverifiedSections(report)
      : backupProven(report)
        ? restoreSections(report)
        : insteadSections(report, options)
  return sections.length ? [...sections, ...stopBillingSections(report)] : []
}

/** The backup the restore commands name, and whether it is the one this drill restored. */
export interface RunbookBackup {
  id: string
  drilled: boolean
  finishedAt: string | null
}

/**
 * The backup drilled while it still exists; after the drill deleted its capture, the newest
 * successful backup still listed (null when there is none: the runbook says to capture first).
 */
export function runbookBackup(report: DrillReport): RunbookBackup | null {
  const drilled = report.backup?.id
  if (!drilled) return null
  if (report.cleanup.backupDeleted !== drilled)
    return { id: drilled, drilled: true, finishedAt: null }
  const gone = new Set([drilled, ...(report.backups.pushedOut ?? [])])
  const listed = [
    ...report.backups.recentBackups.filter((b) => b.succeeded),
    ...(report.backups.newestBackup ? [report.backups.newestBackup] : [])
  ].filter((b) => !gone.has(b.id) && b.finishedAt)
  const newest = listed.sort(
    (x, y) => Date.parse(y.finishedAt ?? '') - Date.parse(x.finishedAt ?? '')
  )[0]
  return newest ? { id: newest.id, drilled: false, finishedAt: newest.finishedAt } : null
}

function restoreSections(report: DrillReport): RunbookSection[] {
  const drilled = report.backup?.id as string
  const app = report.app
  const target = configVarOf(report.source.attachment)
  const sections: RunbookSection[] = []
  const kept = report.cleanup.kept
  if (kept) {
    sections.push(
      ...promoteKeptSections(report, kept, {
        title: 'Use the verified restore kept by this run',
        explanation: `${kept.addonName} holds backup ${drilled}, restored by this run; verification compared ${comparedText(report)} and found no mismatch (data written after the backup is not in it).`
      })
    )
  }
  const chosen = runbookBackup(report)
  if (!chosen) return [...sections, captureFirstSection(report, drilled, target)]
  const proof = chosen.drilled
    ? ''
    : ` This drill proved ${drilled}, a fresh capture of ${target}, and deleted it at the end (keep-backup: true keeps it); ${chosen.id} is the newest backup Heroku still lists${chosen.finishedAt ? ` (finished ${chosen.finishedAt})` : ''}, made the same way from the same database.`
  const source = `${app}::${chosen.id}`
  sections.push({
    id: 'in-place',
    title: `Restore ${chosen.id} over the current database`,
    explanation: `Overwrites ${target} with backup ${chosen.id}: everything written after the backup is lost. Fastest path when the current data is unusable.${proof}`,
    commands: commandsOf(() => [
      cli`heroku maintenance:on --app ${app}`,
      cli`heroku pg:backups:restore ${source} ${target} --app ${app} --confirm ${app}`,
      cli`heroku maintenance:off --app ${app}`
    ])
  })
  sections.push({
    id: 'fresh-addon',
    title: `Restore ${chosen.id} onto a fresh add-on, then promote it`,
    explanation: `Keeps the current database untouched for forensics or copying late writes; the fresh add-on is billed from creation.`,
    commands: commandsOf(() => [
      cli`heroku addons:create ${addonPlanOf(report.source.plan)} --app ${app} --as ${EMERGENCY_ATTACHMENT}`,
      cli`heroku pg:wait --app ${app}`,
      cli`heroku pg:backups:restore ${source} ${EMERGENCY_ATTACHMENT}_URL --app ${app} --confirm ${app}`,
      cli`heroku maintenance:on --app ${app}`,
      cli`heroku pg:promote ${EMERGENCY_ATTACHMENT}_URL --app ${app}`,
      cli`heroku maintenance:off --app ${app}`
    ])
  })
  return sections
}

/** The drill deleted its capture and Heroku listed no other backup: nothing is left to restore. */
function captureFirstSection(report: DrillReport, drilled: string, target: string): RunbookSection {
  return {
    id: 'capture-first',
    title: 'Capture a backup first: none is left to restore',
    explanation: `This drill proved ${drilled}, a fresh capture of ${target}, and deleted it at the end (keep-backup: true keeps it); Heroku listed no other successful backup of it. Capture one, then restore it by the ID the capture prints.`,
    commands: commandsOf(() => [
      cli`heroku pg:backups:capture ${target} --app ${report.app}`,
      cli`heroku pg:backups --app ${report.app}`
    ])
  }
}

/**
 * method fork / rollback: Heroku's Continuous Protection path onto a fresh add-on, then promote.
 * Only when this drill proved the path; otherwise where to look first.
 */
function recoverySections(
  report: DrillReport,
  recovery: NonNullable<DrillReport['recovery']>
): RunbookSection[] {
  const app = report.app
  // After a kept copy is promoted (the path above), DATABASE_URL names that copy: the source is
  // then named by its add-on, which stays the same.
  const source = report.cleanup.kept
    ? recovery.sourceAddon
    : `${app}::${configVarOf(report.source.attachment)}`
  // The time this drill rolled back to, as the CLI takes it (2026-12-01T04:00:00Z).
  const to = recovery.targetTime ?? 'UTC-TIME'
  const ready = recovery.readySeconds === null ? null : formatDuration(recovery.readySeconds)
  if (report.verification?.passed !== true) {
    const found = report.verification ? 'failed verification' : 'could not be verified'
    return [
      ...keptUnverifiedSections(report, `holds this drill's ${recovery.method}, which ${found}`),
      {
        id: 'inspect',
        title: `Do not rely on a ${recovery.method} before reading the findings`,
        explanation: `This drill's ${recovery.method} of ${recovery.sourceAddon} ${report.verification ? 'failed verification (listed above)' : 'could not be verified'}. Check the rollback window and the plan first; a logical backup (pg:backups) is the other path.`,
        commands: commandsOf(() => [
          cli`heroku pg:info ${configVarOf(report.source.attachment)} --app ${app}`,
          cli`heroku pg:backups --app ${app}`
        ])
      }
    ]
  }
  return [
    ...keptCopySection(report, recovery),
    {
      id: 'recover',
      title:
        recovery.method === 'fork'
          ? 'Fork the database, then promote the fork'
          : 'Roll the database back to a time, then promote the copy',
      explanation:
        `Heroku makes a new add-on from physical backups and WAL; the current database stays untouched. ` +
        (recovery.method === 'rollback'
          ? `--to is the time this drill rolled back to; in an incident, write the UTC time just before the damage in the same form. `
          : '') +
        (ready
          ? `This drill's ${recovery.method} was ready in ${ready}; Heroku says it can take from minutes to hours. `
          : '') +
        `The new add-on is billed from creation.`,
      commands: commandsOf(() => [
        recovery.method === 'fork'
          ? cli`heroku addons:create ${addonPlanOf(report.source.plan)} --app ${app} --as ${EMERGENCY_ATTACHMENT} -- --fork ${source}`
          : cli`heroku addons:create ${addonPlanOf(report.source.plan)} --app ${app} --as ${EMERGENCY_ATTACHMENT} -- --rollback ${source} --to ${to}`,
        cli`heroku pg:wait --app ${app}`,
        cli`heroku maintenance:on --app ${app}`,
        cli`heroku pg:promote ${EMERGENCY_ATTACHMENT}_URL --app ${app}`,
        cli`heroku maintenance:off --app ${app}`
      ])
    }
  ]
}

/** keep-database with a verified fork or rollback: promoting the kept copy is the fastest path. */
function keptCopySection(
  report: DrillReport,
  recovery: NonNullable<DrillReport['recovery']>
): RunbookSection[] {
  const kept = report.cleanup.kept
  if (!kept) return []
  const holds = recovery.targetTime
    ? `the source as it was at ${recovery.targetTime}`
    : 'the source as it was when the fork was asked for'
  return promoteKeptSections(report, kept, {
    title: `Use the verified ${recovery.method} kept by this run`,
    explanation: `${kept.addonName} holds ${holds}, and passed verification.`
  })
}

/** A kept copy nothing proved (a drill stopped before its verdict, or a path that failed): look, never promote. */
function keptUnverifiedSections(
  report: DrillReport,
  what = 'was kept by a drill that stopped before verifying it'
): RunbookSection[] {
  const kept = report.cleanup.kept
  if (!kept) return []
  return [inspectKeptSection(report, kept, `${kept.addonName} ${what}; do not promote it.`)]
}

/** The backup was not proven: how to look into it, and which backup to turn to instead. */
function insteadSections(report: DrillReport, options: RunbookOptions): RunbookSection[] {
  const backupId = report.backup?.id as string
  const v = report.verification
  const found = v ? `verification found ${mismatchPhrase(v.findings)} (listed above)` : ''
  const sections: RunbookSection[] = []
  const kept = report.cleanup.kept
  if (kept) {
    const verdict = v
      ? `${found}, so do not promote it.`
      : 'it was not verified, so do not promote it.'
    sections.push(
      inspectKeptSection(
        report,
        kept,
        `${kept.addonName} holds backup ${backupId} as this run restored it; ${verdict}`
      )
    )
  } else if (report.cleanup.backupDeleted !== backupId) {
    sections.push(inspectBackupSection(report, backupId, found))
  }
  sections.push(otherBackupSection(report, options))
  return sections
}

/** The unproven backup still exists (a failed drill keeps its capture): how to look at it. */
function inspectBackupSection(
  report: DrillReport,
  backupId: string,
  found: string
): RunbookSection {
  const app = report.app
  const why = found
    ? `This drill restored ${backupId} and ${found}.`
    : `This drill could not prove ${backupId}: ${restoreFailed(report) ? 'its restore failed' : 'it stopped before verification'}.`
  const keptCapture =
    report.backup?.choice === 'capture'
      ? ` The drill kept its capture ${backupId} so the team can look at it.`
      : ''
  return {
    id: 'inspect',
    title: `Do not restore ${backupId} before reading the findings`,
    explanation:
      `${why} Its restore commands are left out on purpose.${keptCapture} To look at a restored copy yourself, ` +
      `run the drill again with backup: ${backupId} and keep-database: true: it keeps the restored add-on and prints how to connect.`,
    commands: commandsOf(() => [cli`heroku pg:backups:info ${backupId} --app ${app}`])
  }
}

function otherBackupSection(report: DrillReport, options: RunbookOptions): RunbookSection {
  const app = report.app
  const last = options.lastPassedBackup
  return {
    id: 'other-backup',
    title: 'Find a backup to rely on',
    explanation: last
      ? `The last backup that passed a drill of ${app} is ${last.id} (drilled ${last.drilledAt}); it is usable while Heroku still lists it. ` +
        `Drill another backup with backup: <ID> (an ID from the list).`
      : `List the backups and drill one with backup: <ID> before relying on it in an emergency.`,
    commands: commandsOf(() => [cli`heroku pg:backups --app ${app}`])
  }
}

function restoreFailed(report: DrillReport): boolean {
  return report.timeline.some((p) => p.phase === 'restore' && p.status === 'failed')
}

/**
 * What verification compared, from the checks that ran: `schema, row counts, sequences and the
 * contents of 1 of 4 tables`; a drill that hashed nothing says `contents not compared`.
 */
export function comparedText(report: DrillReport): string {
  const v = report.verification
  if (!v) return 'nothing compared'
  const ran = (id: string) => v.checks.some((c) => c.id === id && c.status !== 'skipped')
  const parts: string[] = []
  if (ran('schema')) parts.push('schema')
  const unbounded = report.recovery?.method === 'rollback' && !report.recovery.readBefore
  if (v.tables.length > 0 || ran('counts'))
    parts.push(
      unbounded ? 'row counts (as drift: no earlier read before the target)' : 'row counts'
    )
  if (ran('sequences')) parts.push('sequences')
  const hashed = v.tables.filter((t) => t.checksum).length
  if (hashed > 0)
    parts.push(`the contents of ${formatCount(hashed)} of ${formatCount(v.tablesChecked)} tables`)
  if (ran('canary')) parts.push('the canary row')
  const custom = v.checks.find((c) => c.id === 'custom' && c.status !== 'skipped')
  if (custom) parts.push(customChecksText(custom.detail))
  const listed =
    parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]
  if (!listed) return 'nothing compared'
  return hashed > 0 ? listed : `${listed} (contents not compared)`
}

/** `2 custom checks`, from the custom module's detail `N of M passed`. */
function customChecksText(detail: string): string {
  const total = Number(/of (\d+)/.exec(detail)?.[1])
  return Number.isFinite(total) ? plural(total, 'custom check') : 'the custom checks'
}

/** Every command of the runbook, in order, for `report.runbook.commands` (comment lines included). */
export function runbookCommands(report: DrillReport, options: RunbookOptions = {}): string[] {
  return runbookSections(report, options).flatMap((section) => [
    `# ${flat(section.title)}`,
    ...section.commands
  ])
}
