// The verification's one-line summaries (pure): the self-test's result and the load on production.
// The coverage line lives with the coverage (coverage.ts).
import { formatCount, formatDuration, plural } from '../format.js'
import type { DefectKind, SelfTestResult, SourceLoad } from './types.js'

const DESCRIPTIONS: Record<DefectKind, string> = {
  'missing-row': 'a missing row',
  'sequence-behind': 'a sequence set behind its column',
  'changed-value': 'a changed value'
}

export const defectDescription = (kind: DefectKind): string => DESCRIPTIONS[kind]

/** "verifier self-test: 3 of 3 planted defects caught", then what was missed or not planted. */
export function selfTestLine(result: SelfTestResult): string {
  const caught = result.planted.filter((d) => d.caught).length
  const head = `verifier self-test: ${caught} of ${result.planted.length} planted defects caught`
  const missed = result.planted
    .filter((d) => !d.caught)
    .map((d) => `${defectDescription(d.kind)} in ${d.object} not caught by ${d.check}`)
  const skipped = result.notPlanted.map((d) => `${defectDescription(d.kind)} not planted: ${d.why}`)
  return [head, ...missed, ...skipped].join('; ')
}

/** "read production for 3m 12s (at most 3 connections at once), scanning 12,345,678 rows" */
export function sourceLoadLine(load: SourceLoad): string {
  return (
    `read production for ${formatDuration(load.readSeconds)} ` +
    `(at most ${plural(load.peakConnections, 'connection')} at once), ` +
    `scanning ${formatCount(load.rowsScanned)} rows`
  )
}
