// postgres-version above the source's (an upgrade rehearsal): what changed on the newer major.
// Names come from the databases: handed over as plain strings, escaped by render.ts.
import { plural } from '../../format.js'
import type { DrillReport, UpgradeFacts } from '../model.js'
import type { Block, Inline } from '../render.js'

/** Names shown inline before the rest is left to the JSON report. */
const SHOWN = 5

function someOf(names: string[]): string {
  const shown = names.slice(0, SHOWN).join(', ')
  return names.length > SHOWN ? `${shown} and ${names.length - SHOWN} more` : shown
}

function extensionsLine(u: UpgradeFacts): Inline {
  return u.unavailableExtensions.length
    ? [
        { strong: `Not available on PostgreSQL ${u.copyMajor}:` },
        ` ${plural(u.unavailableExtensions.length, 'extension')} of the source (${someOf(u.unavailableExtensions)}); an upgrade would lose them and what uses them`
      ]
    : `Every extension of the source is available on PostgreSQL ${u.copyMajor}`
}

function restoreWarningsLine(report: DrillReport): Inline {
  const w = report.verification?.restoreWarnings
  if (!w) return 'Restore warnings: none read (no pg_restore log)'
  if (!w.real.length && !w.harmless.length) return 'Restore warnings: none'
  return `Restore warnings: ${w.real.length} real, ${w.harmless.length} harmless (listed with the verification)`
}

function judgedEqualLines(u: UpgradeFacts): Inline[] {
  const lines: Inline[] = [
    u.judgedEqual.length
      ? `${plural(u.judgedEqual.length, 'object')} differ only in form between ${u.sourceMajor} and ${u.copyMajor} and were judged equal: ${someOf(u.judgedEqual)}`
      : `No object differs only in form between ${u.sourceMajor} and ${u.copyMajor}`
  ]
  if (u.notNullConstraints > 0)
    lines.push(
      `${plural(u.notNullConstraints, 'NOT NULL constraint row')} of PostgreSQL ${u.copyMajor} compared as the columns' NOT NULL`
    )
  return lines
}

function realDifferencesLine(report: DrillReport): Inline {
  const real = (report.verification?.findings ?? []).filter(
    (f) => f.check === 'schema' && f.severity === 'mismatch'
  )
  return real.length
    ? [
        { strong: 'Really differs:' },
        ` ${plural(real.length, 'object')} (${someOf(real.map((f) => f.object))}), listed with the findings`
      ]
    : 'Really differs: nothing in the schema'
}

export function upgradeBlocks(report: DrillReport): Block[] {
  const u = report.upgrade
  if (!u) return []
  const items: Inline[] = [extensionsLine(u), restoreWarningsLine(report)]
  if (report.verification) items.push(...judgedEqualLines(u), realDifferencesLine(report))
  else items.push('The schema was not compared: verification did not run')
  return [
    { kind: 'heading', text: `PostgreSQL upgrade rehearsal ${u.sourceMajor} → ${u.copyMajor}` },
    { kind: 'list', items }
  ]
}
