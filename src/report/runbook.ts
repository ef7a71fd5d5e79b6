// The emergency runbook: the exact Heroku CLI commands to restore the backup this drill just
// proved, onto this app; when the drill did not prove it, what to do instead. From the report alone.
import type { DrillReport } from './model.js'
import { formatCount, formatDuration, plural } from '../format.js'

/** Attachment name used by the fresh-add-on path, so its config var is EMERGENCY_RESTORE_URL. */
export const EMERGENCY_ATTACHMENT = 'EMERGENCY_RESTORE'

export interface RunbookSection {
  id: 'in-place' | 'fresh-addon' | 'kept-addon' | 'inspect' | 'other-backup' | 'recover'
  title: string
  /** Why and when to take this path, one or two sentences. */
  explanation: string
  commands: string[]
}

/**
 * How the CLI should name the database: `DATABASE` → `DATABASE_URL`, `HEROKU_POSTGRESQL_CYAN_URL`
 * unchanged, an add-on name (lowercase, the CLI accepts those too) unchanged, empty → `DATABASE_URL`.
 */
export function configVarOf(attachment: string): string {
  if (!attachment) return 'DATABASE_URL'
  if (!/^[A-Z][A-Z0-9_]*$/.test(attachment)) return attachment
  return attachment.endsWith('_URL') ? attachment : `${attachment}_URL`
}

/** `standard-0` or `heroku-postgresql:standard-0` → `heroku-postgresql:standard-0`. */
export function addonPlanOf(plan: string): string {
  const bare = plan.replace(/^heroku-postgresql:/, '')
  return `heroku-postgresql:${bare || 'essential-0'}`
}

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
  if (report.recovery) return recoverySections(report, report.recovery)
  if (!report.backup) return []
  return backupProven(report) ? restoreSections(report) : insteadSections(report, options)
}

function restoreSections(report: DrillReport): RunbookSection[] {
  const backupId = report.backup?.id as string
  const app = report.app
  const target = configVarOf(report.source.attachment)
  const source = `${app}::${backupId}`
  const sections: RunbookSection[] = []

  if (report.cleanup.kept) {
    const kept = report.cleanup.kept
    sections.push({
      id: 'kept-addon',
      title: 'Use the verified restore kept by this run',
      explanation:
        `${kept.addonName} holds backup ${backupId}, restored by this run; verification compared ${comparedText(report)} and found no mismatch. ` +
        `Promoting it makes it the app's DATABASE_URL (data written after the backup is not in it). ` +
        `It is billed by the hour on plan ${report.restore?.plan || 'the source plan'} until destroyed.`,
      commands: [
        `heroku maintenance:on --app ${app}`,
        `heroku pg:promote ${configVarOf(kept.attachment)} --app ${app}`,
        `heroku maintenance:off --app ${app}`,
        `# not needed after all? stop the billing:`,
        destroyCommand(kept.addonName, app)
      ]
    })
  }

  sections.push({
    id: 'in-place',
    title: `Restore ${backupId} over the current database`,
    explanation: `Overwrites ${target} with backup ${backupId}: everything written after the backup is lost. Fastest path when the current data is unusable.`,
    commands: [
      `heroku maintenance:on --app ${app}`,
      `heroku pg:backups:restore ${source} ${target} --app ${app} --confirm ${app}`,
      `heroku maintenance:off --app ${app}`
    ]
  })

  sections.push({
    id: 'fresh-addon',
    title: `Restore ${backupId} onto a fresh add-on, then promote it`,
    explanation: `Keeps the current database untouched for forensics or copying late writes; the fresh add-on is billed from creation.`,
    commands: [
      `heroku addons:create ${addonPlanOf(report.source.plan)} --app ${app} --as ${EMERGENCY_ATTACHMENT}`,
      `heroku pg:wait --app ${app}`,
      `heroku pg:backups:restore ${source} ${EMERGENCY_ATTACHMENT}_URL --app ${app} --confirm ${app}`,
      `heroku maintenance:on --app ${app}`,
      `heroku pg:promote ${EMERGENCY_ATTACHMENT}_URL --app ${app}`,
      `heroku maintenance:off --app ${app}`
    ]
  })
  return sections
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
  const source = `${app}::${configVarOf(report.source.attachment)}`
  const how =
    recovery.method === 'fork' ? `--fork ${source}` : `--rollback ${source} --to '<UTC time>'`
  const ready = recovery.readySeconds === null ? null : formatDuration(recovery.readySeconds)
  if (report.verification?.passed !== true) {
    return [
      {
        id: 'inspect',
        title: `Do not rely on a ${recovery.method} before reading the findings`,
        explanation: `This drill's ${recovery.method} of ${recovery.sourceAddon} ${report.verification ? 'failed verification (listed above)' : 'could not be verified'}. Check the rollback window and the plan first; a logical backup (pg:backups) is the other path.`,
        commands: [
          `heroku pg:info ${configVarOf(report.source.attachment)} --app ${app}`,
          `heroku pg:backups --app ${app}`
        ]
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
        (ready
          ? `This drill's ${recovery.method} was ready in ${ready}; Heroku says it can take from minutes to hours. `
          : '') +
        `The new add-on is billed from creation.`,
      commands: [
        `heroku addons:create ${addonPlanOf(report.source.plan)} --app ${app} --as ${EMERGENCY_ATTACHMENT} -- ${how}`,
        `heroku pg:wait --app ${app}`,
        `heroku maintenance:on --app ${app}`,
        `heroku pg:promote ${EMERGENCY_ATTACHMENT}_URL --app ${app}`,
        `heroku maintenance:off --app ${app}`
      ]
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
  const app = report.app
  const holds = recovery.targetTime
    ? `the source as it was at ${recovery.targetTime}`
    : 'the source as it was when the fork was asked for'
  const elsewhere = report.drillApp ? report.drillApp.name !== app : false
  return [
    {
      id: 'kept-addon',
      title: `Use the verified ${recovery.method} kept by this run`,
      explanation: `${kept.addonName} holds ${holds}, and passed verification${elsewhere ? `; it lives on ${report.drillApp?.name}, so it is attached to ${app} first` : ''}. It is billed by the hour until destroyed.`,
      commands: [
        ...(elsewhere
          ? [`heroku addons:attach ${kept.addonName} --app ${app} --as ${EMERGENCY_ATTACHMENT}`]
          : []),
        `heroku maintenance:on --app ${app}`,
        `heroku pg:promote ${elsewhere ? `${EMERGENCY_ATTACHMENT}_URL` : configVarOf(kept.attachment)} --app ${app}`,
        `heroku maintenance:off --app ${app}`
      ]
    }
  ]
}

/** The backup was not proven: how to look into it, and which backup to turn to instead. */
function insteadSections(report: DrillReport, options: RunbookOptions): RunbookSection[] {
  const backupId = report.backup?.id as string
  const app = report.app
  const v = report.verification
  const mismatches = v ? v.findings.filter((f) => f.severity === 'mismatch').length : 0
  const sections: RunbookSection[] = []
  const kept = report.cleanup.kept
  if (kept) {
    sections.push({
      id: 'kept-addon',
      title: 'Inspect the restored copy kept by this run',
      explanation:
        `${kept.addonName} holds backup ${backupId} as this run restored it; ` +
        (v
          ? `verification found ${plural(mismatches, 'mismatch', 'mismatches')} (listed above), so do not promote it. `
          : 'it was not verified, so do not promote it. ') +
        `Look into it, then destroy it: it is billed by the hour until destroyed.`,
      commands: [
        `heroku pg:psql ${configVarOf(kept.attachment)} --app ${app}`,
        destroyCommand(kept.addonName, app)
      ]
    })
  } else {
    const why = v
      ? `This drill restored ${backupId} and verification found ${plural(mismatches, 'mismatch', 'mismatches')}, listed above.`
      : `This drill could not prove ${backupId}: ${restoreFailed(report) ? 'its restore failed' : 'it stopped before verification'}.`
    sections.push({
      id: 'inspect',
      title: `Do not restore ${backupId} before reading the findings`,
      explanation:
        `${why} Its restore commands are left out on purpose. To look at the restored copy yourself, ` +
        `run the drill again with backup: ${backupId} and keep-database: true: it keeps the restored add-on and prints how to connect.`,
      commands: [`heroku pg:backups:info ${backupId} --app ${app}`]
    })
  }
  const last = options.lastPassedBackup
  sections.push({
    id: 'other-backup',
    title: 'Find a backup to rely on',
    explanation: last
      ? `The last backup that passed a drill of ${app} is ${last.id} (drilled ${last.drilledAt}); it is usable while Heroku still lists it. ` +
        `Drill another backup with backup: <ID> (an ID from the list).`
      : `List the backups and drill one with backup: <ID> before relying on it in an emergency.`,
    commands: [`heroku pg:backups --app ${app}`]
  })
  return sections
}

function restoreFailed(report: DrillReport): boolean {
  return report.timeline.some((p) => p.phase === 'restore' && p.status === 'failed')
}

function destroyCommand(addonName: string, app: string): string {
  return `heroku addons:destroy ${addonName} --app ${app} --confirm ${app}`
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
    `# ${section.title}`,
    ...section.commands
  ])
}
