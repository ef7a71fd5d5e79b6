// The runbook for a copy this run kept (keep-database): promote it when verification passed,
// look into it when not, and the one command that stops its billing. The copy lives on the drill
// app; when that is not the production app it is attached to production before the promote.
import type { DrillReport } from './model.js'
import {
  KEPT_ATTACHMENT,
  cli,
  commandsOf,
  configVarOf,
  type RunbookSection
} from './runbook-names.js'

type Kept = NonNullable<DrillReport['cleanup']['kept']>

/**
 * The app the kept copy lives on (its billing app), as the report recorded it; reports before that
 * field: the drill app, else the production app.
 */
export function keptCopyApp(report: DrillReport): string {
  return report.cleanup.kept?.app ?? report.drillApp?.name ?? report.app
}

/**
 * One command that stops the billing of the kept copy: with drill-app: auto the drill app holds
 * nothing else, so deleting it takes the add-on along; otherwise the add-on alone is destroyed.
 */
export function stopBillingCommand(report: DrillReport, kept: Kept): string {
  const holder = keptCopyApp(report)
  return deletesDrillApp(report)
    ? cli`heroku apps:destroy ${holder} --confirm ${holder}`
    : cli`heroku addons:destroy ${kept.addonName} --app ${holder} --confirm ${holder}`
}

/** With drill-app: auto the drill app holds nothing but the copy: deleting it stops the billing. */
function deletesDrillApp(report: DrillReport): boolean {
  const holder = keptCopyApp(report)
  return (
    report.drillApp?.mode === 'auto' && report.drillApp.name === holder && holder !== report.app
  )
}

/** A verified kept copy: attach it to production (when it lives elsewhere) and promote it. */
export function promoteKeptSections(
  report: DrillReport,
  kept: Kept,
  what: { title: string; explanation: string }
): RunbookSection[] {
  const app = report.app
  const holder = keptCopyApp(report)
  const elsewhere = holder !== app
  const attached = elsewhere ? `${KEPT_ATTACHMENT}_URL` : configVarOf(kept.attachment)
  return [
    {
      id: 'kept-addon',
      title: what.title,
      explanation:
        what.explanation +
        (elsewhere
          ? ` It lives on ${holder}, so it is attached to ${app} as ${KEPT_ATTACHMENT} first.`
          : '') +
        ` Promoting it makes it ${app}'s DATABASE_URL. It is billed by the hour on plan ${report.restore?.plan || 'the source plan'} until destroyed.`,
      commands: commandsOf(() => [
        ...(elsewhere
          ? [cli`heroku addons:attach ${kept.addonName} --app ${app} --as ${KEPT_ATTACHMENT}`]
          : []),
        cli`heroku maintenance:on --app ${app}`,
        cli`heroku pg:promote ${attached} --app ${app}`,
        cli`heroku maintenance:off --app ${app}`
      ])
    }
  ]
}

/**
 * Last in the runbook, after every path that promotes: the one command that stops the billing of
 * a verified kept copy (a copy that failed has it in its inspect section).
 */
export function stopBillingSections(report: DrillReport): RunbookSection[] {
  const kept = report.cleanup.kept
  if (!kept || report.verification?.passed !== true) return []
  return [
    stopBillingSection(report, kept, 'Not needed after all? Do this instead of promoting it.')
  ]
}

/** A kept copy that did not pass: look into it, never promote it, then stop its billing. */
export function inspectKeptSection(
  report: DrillReport,
  kept: Kept,
  explanation: string
): RunbookSection {
  const holder = keptCopyApp(report)
  return {
    id: 'kept-addon',
    title: 'Inspect the restored copy kept by this run',
    explanation: `${explanation} It lives on ${holder} as ${kept.attachment}; it is billed by the hour until destroyed.`,
    commands: commandsOf(() => [
      cli`heroku pg:psql ${configVarOf(kept.attachment)} --app ${holder}`,
      stopBillingCommand(report, kept)
    ])
  }
}

function stopBillingSection(report: DrillReport, kept: Kept, when: string): RunbookSection {
  const holder = keptCopyApp(report)
  return {
    id: 'stop-billing',
    title: `Stop the billing of ${kept.addonName}`,
    explanation:
      `${when} ` +
      (deletesDrillApp(report)
        ? `Deletes the drill app ${holder} and the copy with it (the app holds nothing else).`
        : `Destroys the copy; nothing else on ${holder} is touched.`),
    commands: commandsOf(() => [stopBillingCommand(report, kept)])
  }
}
