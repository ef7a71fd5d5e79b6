// Verification of a restored database against the source: runs every check module in CHECKS and
// gathers their findings. Adding a check = adding a module to the list.
import type pg from 'pg'
import { canaryCheck } from './checks/canary.js'
import {
  checksumsCheck,
  countsFromHashes,
  hashRestoredTables,
  type RestoredHashes,
  type SourceHashes
} from './checks/checksums.js'
import { hashSourceTables } from './checks/source-hashes.js'
export { hashSourceTables } from './checks/source-hashes.js'
export type { SourceHashes } from './checks/checksums.js'
import type { CheckContext, CheckModule, CheckOutcome, TablePart } from './checks/context.js'
import { countsCheck } from './checks/counts.js'
import { customCheck } from './checks/custom.js'
import { integrityCheck } from './checks/integrity.js'
import { largeObjectsCheck } from './checks/large-objects.js'
import { matviewsCheck } from './checks/matviews.js'
import { restoreWarningsCheck } from './checks/restore-warnings.js'
import { schemaCheck } from './checks/schema.js'
import { sequencesCheck } from './checks/sequences.js'
import {
  countTables,
  readCountersAfterFlush,
  readWriteCounters,
  snapshotSchema
} from './snapshot.js'
import type {
  AcrossMajors,
  CheckSummary,
  CountSnapshot,
  Finding,
  NotVerified,
  SchemaObject,
  SelfTestResult,
  SourceSnapshot,
  TableResult,
  TransferLogLine,
  Verification,
  VerifyOptions,
  WriteCounters
} from './types.js'
import { classifyRestoreLog } from './warnings.js'
import { defectDescription, selfTestLine, selfTestVerifier } from './self-test.js'

export const CHECKS: CheckModule[] = [
  restoreWarningsCheck,
  schemaCheck,
  integrityCheck,
  countsCheck,
  sequencesCheck,
  checksumsCheck,
  largeObjectsCheck,
  matviewsCheck,
  canaryCheck,
  customCheck
]

export interface VerifyArgs {
  source: pg.Pool
  restored: pg.Pool
  before: SourceSnapshot
  after: CountSnapshot
  restoreLogs: TransferLogLine[]
  options: VerifyOptions
  /** From hashSourceTables, started while the restore ran; hashed during the verify otherwise. */
  sourceChecksums?: Promise<SourceHashes>
}

const once = <T>(read: () => Promise<T>): (() => Promise<T>) => {
  let result: Promise<T> | undefined
  return () => (result ??= read())
}

function contextFor(args: VerifyArgs): CheckContext {
  const restoredSchema = once<SchemaObject[]>(() => snapshotSchema(args.restored))
  // The source hashes decide which tables are compared (with 'auto' the quiet ones, with
  // verify-budget those it had time for), and hold the source statement timeout's cancels.
  const sourceChecksums =
    args.sourceChecksums ??
    (args.options.checksumTables.length > 0
      ? hashSourceTables(args.source, args.before, args.options)
      : undefined)
  sourceChecksums?.catch(() => {})
  const restoredChecksums = once<RestoredHashes>(() =>
    hashRestoredTables(args.restored, args.before, args.options, sourceChecksums)
  )
  // A hashed table's count comes with its hash: a table is read once on the restored side. If
  // hashing fails, every table is counted, so the counts check still judges on its own.
  const restoredCounts = once<CountSnapshot>(async () => {
    const hashes =
      args.options.checksumTables.length > 0 ? await restoredChecksums().catch(() => null) : null
    const known = hashes ? countsFromHashes(hashes) : undefined
    return countTables(args.restored, { parallelism: args.options.parallelism, known })
  })
  // Closing reads of the source's counters: one now, and one at least statsFlushWaitMs after the
  // window closed, when every write of the window has reached the statistics. A later read only
  // widens a bound, so the second (which may wait) is taken only when the first leaves a count out.
  const windowClosedAt = Date.parse(args.after.finishedAt ?? args.after.takenAt)
  const closingCounters = once<WriteCounters | null>(() =>
    readWriteCounters(args.source).catch(() => null)
  )
  const closingCountersAfterFlush = once<WriteCounters | null>(() =>
    readCountersAfterFlush(args.source, windowClosedAt, args.options).catch(() => null)
  )
  return {
    ...args,
    ...(sourceChecksums ? { sourceChecksums } : {}),
    sourceHashedAhead: args.sourceChecksums !== undefined,
    restoredSchema,
    restoredCounts,
    restoredChecksums,
    closingCounters,
    closingCountersAfterFlush
  }
}

async function runCheck(check: CheckModule, ctx: CheckContext): Promise<CheckOutcome> {
  try {
    return await check.run(ctx)
  } catch (err) {
    const message = `check could not run: ${(err as Error).message}`
    return {
      findings: [{ check: check.id, object: check.title, message, severity: 'mismatch' }],
      detail: message
    }
  }
}

/**
 * The verifier's self-test after the checks: a planted defect not caught is a mismatch (a
 * verifier that cannot see damage on this schema proves nothing); a self-test that could not
 * run is a warning.
 */
async function runSelfTest(
  ctx: CheckContext,
  tables: TableResult[]
): Promise<{ result?: SelfTestResult; findings: Finding[]; summary: CheckSummary }> {
  const startedAt = performance.now()
  const base = { id: 'self-test', title: 'Verifier self-test' }
  const seconds = () => Math.round(performance.now() - startedAt) / 1000
  try {
    const result = await selfTestVerifier(ctx, tables)
    const findings: Finding[] = result.planted
      .filter((d) => !d.caught)
      .map((d) => ({
        check: 'self-test',
        object: d.object,
        message: `${defectDescription(d.kind)} planted here was not caught by the ${d.check} check (it said: ${d.finding}); the verifier cannot be trusted on this schema`,
        severity: 'mismatch'
      }))
    const status = result.passed ? 'passed' : 'failed'
    return {
      result,
      findings,
      summary: { ...base, status, detail: selfTestLine(result), seconds: seconds() }
    }
  } catch (err) {
    const message = `the self-test could not run: ${(err as Error).message}`
    return {
      findings: [{ check: 'self-test', object: base.title, message, severity: 'warning' }],
      summary: { ...base, status: 'skipped', detail: message, seconds: seconds() }
    }
  }
}

/** The tables not verified (a warning each) and what content hashing covered. */
async function coverageOf(
  ctx: CheckContext,
  tables: TableResult[]
): Promise<Pick<Verification, 'notVerified' | 'contents'>> {
  const notVerified: NotVerified[] = [
    ...(ctx.before.counts.timedOut ?? []).map((table) => ({ table, why: 'count-timeout' as const }))
  ]
  const ahead = ctx.sourceChecksums ? await ctx.sourceChecksums.catch(() => null) : null
  if (!ahead) return { notVerified }
  const restored = await ctx.restoredChecksums().catch(() => null)
  const deferred: string[] = [...(restored?.cutOff ?? [])]
  for (const [table, why] of ahead.notHashed ?? []) {
    if (why === 'budget') deferred.push(table)
    else notVerified.push({ table, why: why === 'timeout' ? 'hash-timeout' : 'beyond-budget' })
  }
  const budgetSeconds = ctx.options.contentBudget?.seconds
  return {
    notVerified,
    contents: {
      ...(budgetSeconds !== undefined ? { budgetSeconds } : {}),
      verified: tables.filter((t) => t.checksum?.match).map((t) => t.table),
      deferred: deferred.sort(),
      sourceRows: ahead.rows ?? 0,
      sourceSeconds: ahead.seconds,
      ...(ahead.rowsPerSecond ? { rowsPerSecond: ahead.rowsPerSecond } : {}),
      restoredSeconds: restored?.seconds ?? 0
    }
  }
}

/** Verifies the restored database; `passed` when no finding is a mismatch. */
export async function verifyRestore(args: VerifyArgs): Promise<Verification> {
  const ctx = contextFor(args)
  const findings: Finding[] = []
  const checks: CheckSummary[] = []
  const tables = new Map<string, TablePart>()
  let acrossMajors: AcrossMajors | undefined
  for (const check of CHECKS) {
    const startedAt = performance.now()
    const outcome = await runCheck(check, ctx)
    const seconds = Math.round(performance.now() - startedAt) / 1000
    findings.push(...outcome.findings)
    acrossMajors ??= outcome.acrossMajors
    for (const table of outcome.tables ?? [])
      tables.set(table.table, { ...tables.get(table.table), ...table })
    const failed = outcome.findings.some((f) => f.severity === 'mismatch')
    checks.push({
      id: check.id,
      title: check.title,
      status: outcome.skipped ? 'skipped' : failed ? 'failed' : 'passed',
      detail: outcome.detail,
      seconds
    })
  }
  // Only tables the counts check judged are reported (a checksum alone does not make a row).
  const tableResults = [...tables.values()].filter((t): t is TableResult => t.status !== undefined)
  const selfTest = args.options.selfTest ? await runSelfTest(ctx, tableResults) : undefined
  if (selfTest) {
    findings.push(...selfTest.findings)
    checks.push(selfTest.summary)
  }
  const ordered = [
    ...findings.filter((f) => f.severity === 'mismatch'),
    ...findings.filter((f) => f.severity !== 'mismatch')
  ]
  return {
    passed: !findings.some((f) => f.severity === 'mismatch'),
    ...(acrossMajors ? { acrossMajors } : {}),
    ...(await coverageOf(ctx, tableResults)),
    tables: tableResults,
    checks,
    findings: ordered,
    ...(selfTest?.result ? { selfTest: selfTest.result } : {}),
    restoreWarnings: classifyRestoreLog(args.restoreLogs),
    tablesChecked: tableResults.length,
    rowsChecked: tableResults.reduce((sum, t) => sum + (t.restored ?? 0), 0)
  }
}
