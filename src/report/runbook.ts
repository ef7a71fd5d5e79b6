// The emergency runbook: the exact Heroku CLI commands to restore the backup this drill just
// proved, onto this app, with the time the drill just measured. Built from the report alone.
import type { DrillReport } from './model.js'

/** Attachment name used by the fresh-add-on path, so its config var is EMERGENCY_RESTORE_URL. */
export const EMERGENCY_ATTACHMENT = 'EMERGENCY_RESTORE'

export interface RunbookSection {
  id: 'in-place' | 'fresh-addon' | 'kept-addon'
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

/** The runbook sections for this report; [] when no backup was identified (nothing to restore). */
export function runbookSections(report: DrillReport): RunbookSection[] {
  const backupId = report.backup?.id
  if (!backupId) return []
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
        `${kept.addonName} holds backup ${backupId}, restored and verified by this run; promoting it makes it the app's DATABASE_URL ` +
        `(data written after the backup is not in it). It is billed by the hour on plan ${report.restore?.plan || 'the source plan'} until destroyed.`,
      commands: [
        `heroku maintenance:on --app ${app}`,
        `heroku pg:promote ${configVarOf(kept.attachment)} --app ${app}`,
        `heroku maintenance:off --app ${app}`,
        `# not needed after all? stop the billing:`,
        `heroku addons:destroy ${kept.addonName} --app ${app} --confirm ${app}`
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

/** Every command of the runbook, in order, for `report.runbook.commands` (comment lines included). */
export function runbookCommands(report: DrillReport): string[] {
  return runbookSections(report).flatMap((section) => [`# ${section.title}`, ...section.commands])
}
