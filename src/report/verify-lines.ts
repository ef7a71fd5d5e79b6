// The verification's coverage in a few lines for the summary (pure): the contents verified this
// drill and over the last drills (verify-budget), the load on production, the verifier's self-test.
import { coverageLine } from '../verify/coverage.js'
import { selfTestLine, sourceLoadLine } from '../verify/lines.js'
import type { DrillReport } from './model.js'

export function verificationLines(report: DrillReport): string[] {
  const v = report.verification
  if (!v) return []
  const lines: string[] = []
  if (report.contentCoverage && v.contents)
    lines.push(
      coverageLine(
        report.contentCoverage,
        v.tables.map((t) => t.table)
      )
    )
  if (v.sourceLoad) lines.push(sourceLoadLine(v.sourceLoad))
  if (v.selfTest) lines.push(selfTestLine(v.selfTest))
  return lines
}
