// Step: verify the restored database against the source (schema, counts within bounds,
// sequences, checksums, canary, custom checks, restore warnings). The verification engine in
// verify/ never calls Heroku; this step finds the restored URL and hands both databases over.
import type { DrillConfig } from '../config.js'
import { DrillError } from '../errors.js'
import type { Addon } from '../heroku/types.js'
import type { Databases, SourceDatabaseConnection } from '../databases.js'
import type { PlatformApi } from '../heroku/platform.js'
import type { StepLog } from './deps.js'
import { DRILL_ATTACHMENT_NAME } from '../safety.js'
import type { SourceHashes } from '../verify/verify.js'
import type { CountSnapshot, SourceSnapshot, Verification, VerifyOptions } from '../verify/types.js'
import { mismatchCount } from '../verify/types.js'
import { plural } from '../format.js'
import { budgetFrom } from '../verify/coverage.js'
import type { ContentCoverage } from '../verify/types.js'
import type { RestoreResult } from './restore.js'

/** What verifying the restored copy needs. */
export interface VerifyDeps {
  platform: PlatformApi
  databases: Pick<Databases, 'verifyRestored'>
  log: StepLog
}

export interface VerifyStepInput {
  source: SourceDatabaseConnection
  /** The Heroku add-on holding the copy; absent when the copy is outside Heroku (restoredUrl). */
  restoredAddon?: Addon
  /** target-url: the copy's URL on the server outside Heroku (a secret). */
  restoredUrl?: string
  /** The app the restored add-on is attached to. */
  drillApp: string
  restore: RestoreResult
  before: SourceSnapshot
  /** The closing counts of a capture; read now for `latest` / an ID (the source moved on). */
  after: CountSnapshot | undefined
  options: VerifyOptions
  sourceHashes?: Promise<SourceHashes>
}

/** What verification compares, from the config, the canary (if one was written) and the history. */
export function verifyOptionsOf(
  config: DrillConfig,
  canary: { id: string } | undefined,
  extra: { coverage?: ContentCoverage; brokenChecksums?: boolean } = {}
): VerifyOptions {
  return {
    backupMode: config.method === 'backup' ? config.backup.mode : config.method,
    checksumTables: config.checksumTables,
    checks: config.checks,
    restoreWarnings: config.restoreWarnings,
    canary,
    parallelism: config.verifyConnections,
    sourceStatementTimeoutMs: config.sourceStatementTimeoutSeconds * 1000,
    selfTest: config.selfTest,
    ...(config.verifyBudgetSeconds !== null
      ? { contentBudget: budgetFrom(config.verifyBudgetSeconds, extra.coverage) }
      : {}),
    ...(extra.brokenChecksums ? { testOnlyBrokenChecksums: true } : {})
  }
}

export async function verifyRestoredCopy(
  deps: VerifyDeps,
  input: VerifyStepInput
): Promise<{ verification: Verification; after: CountSnapshot }> {
  const after = input.after ?? (await input.source.countTables())
  const restoredUrl =
    input.restoredUrl ?? (await restoredUrlOf(deps, input.drillApp, input.restoredAddon))
  const verification = await deps.databases.verifyRestored({
    source: input.source,
    restoredUrl,
    before: input.before,
    after,
    restoreLogs: input.restore.logs,
    options: input.options,
    ...(input.sourceHashes ? { sourceHashes: input.sourceHashes } : {})
  })
  deps.log.info(
    `verification ${verification.passed ? 'passed' : 'failed'}: ${plural(verification.tablesChecked, 'table')}, ` +
      `${plural(verification.rowsChecked, 'row')}, ${plural(mismatchCount(verification), 'mismatch', 'mismatches')}`
  )
  return { verification, after }
}

async function restoredUrlOf(
  deps: VerifyDeps,
  drillApp: string,
  addon: Addon | undefined
): Promise<string> {
  if (!addon) throw new DrillError('the restored copy has neither an add-on nor a URL')
  const vars = await deps.platform.getConfigVars(drillApp)
  const varName = (addon.config_vars ?? []).find((v) => vars[v]) ?? `${DRILL_ATTACHMENT_NAME}_URL`
  const url = vars[varName]
  if (!url) throw new DrillError(`config var ${varName} of the restored add-on is not set`)
  return url
}
