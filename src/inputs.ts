// Every input of action.yml parsed and validated into one DrillConfig, before anything is created.
// A bad value ends the run with one line: the input, what is wrong, and an example of a good value.
// The parsers are in inputs/, by what the inputs are about; this module puts them together.
import type { DrillConfig } from './config.js'
import { AUTO_CHECKSUMS, rollbackLabel } from './config.js'
import type { DrillSettings } from './report/model.js'
import { combinationProblems } from './inputs/combinations.js'
import { DEFAULTS } from './inputs/defaults.js'
import { InputError, echoWithout, type Got } from './inputs/input-error.js'
import { backupLabel, drillAppLabel } from './inputs/labels.js'
import {
  readApiKey,
  readApp,
  readBackup,
  readDatabase,
  readDrillApp,
  readPlan,
  readPostgresVersion
} from './inputs/heroku.js'
import { readMethod, readRollbackTo } from './inputs/recovery.js'
import {
  readGithubToken,
  readHeartbeatUrl,
  readHistory,
  readReportName
} from './inputs/reporting.js'
import {
  readBoolean,
  readDuration,
  readInteger,
  readOptionalInteger,
  readPercentage
} from './inputs/values.js'
import { readChecks, readRestoreWarnings, readTableList } from './inputs/verification.js'
import { readTargetUrl, secretPartsOf } from './inputs/target.js'
import { readSelfTest, readSourceStatementTimeout, readVerifyBudget } from './inputs/verify-load.js'

const fail = (input: string, message: string): never => {
  throw new InputError(input, message)
}

export { AUTO_CHECKSUMS, rollbackLabel } from './config.js'
export { InputError } from './inputs/input-error.js'
export { drillAppLabel } from './inputs/labels.js'

/**
 * Reads and validates every input; throws InputError on the first bad value, or with every rule
 * across inputs that the values break.
 */
export function readConfig(getInput: (name: string) => string): DrillConfig {
  const apiKey = readApiKey(getInput('heroku-api-key') ?? '')
  const githubToken = readGithubToken(getInput('github-token') ?? '')
  const raw = (name: string): string => {
    const value = (getInput(name) ?? '').trim()
    return value === '' ? (DEFAULTS[name] ?? '') : value
  }
  const targetUrl = readTargetUrl(getInput('target-url') ?? '')
  // A value pasted into the wrong input is never echoed with a secret in it.
  const got = echoWithout([apiKey, githubToken, ...secretPartsOf(targetUrl)])
  const app = readApp(raw('app'), got)

  const config: DrillConfig = {
    app,
    apiKey,
    database: readDatabase(raw('database'), got),
    backup: readBackup(raw('backup'), got),
    plan: readPlan(raw('plan'), got),
    maintenance: readBoolean('maintenance', raw('maintenance'), got),
    canary: readBoolean('canary', raw('canary'), got),
    checks: readChecks(getInput('checks') ?? '', got),
    checksumTables: readChecksumTables(getInput('checksum-tables') ?? '', got),
    promote: readBoolean('promote', raw('promote'), got),
    keepDatabase: readBoolean('keep-database', raw('keep-database'), got),
    keepBackup: readBoolean('keep-backup', raw('keep-backup'), got),
    drillApp: readDrillApp(raw('drill-app'), app, got),
    method: readMethod(raw('method'), got),
    rollbackTo: null,
    maxBackupAgeSeconds: readDuration(
      'max-backup-age',
      (getInput('max-backup-age') ?? '').trim(),
      got
    ),
    requireSchedule: readBoolean('require-schedule', raw('require-schedule'), got),
    restoreWarnings: readRestoreWarnings(raw('restore-warnings'), got),
    maxRestoreMinutes: readOptionalInteger(
      'max-restore-minutes',
      raw('max-restore-minutes'),
      1,
      1440,
      '30',
      got
    ),
    heartbeatUrl: readHeartbeatUrl(raw('heartbeat-url')),
    timeoutMinutes: readInteger('timeout-minutes', raw('timeout-minutes'), 1, 360, '120', got),
    reportName: readReportName(raw('report-name'), app, got),
    verifyConnections: readInteger('verify-connections', raw('verify-connections'), 1, 8, '3', got),
    verifyBudgetSeconds: readVerifyBudget(getInput('verify-budget') ?? '', fail),
    sourceStatementTimeoutSeconds: readSourceStatementTimeout(
      getInput('source-statement-timeout') ?? '',
      fail
    ),
    selfTest: readSelfTest(getInput('self-test') ?? '', fail),
    history: readHistory(raw('history'), got),
    maxRowDrop: readPercentage('max-row-drop', raw('max-row-drop'), got),
    githubToken,
    dryRun: readBoolean('dry-run', raw('dry-run'), got),
    privateNetwork: readBoolean('private-network', raw('private-network'), got),
    postgresVersion: readPostgresVersion(raw('postgres-version'), got),
    targetUrl
  }
  config.rollbackTo = readRollbackTo(config.method, raw('rollback-to'), got)
  const broken = combinationProblems(config)
  if (broken.length) throw InputError.all(broken)
  return withEffectiveChecksums(config)
}

/**
 * The tables actually hashed, decided once, for `auto` (for a rollback, by the drill): with maintenance on for a fresh capture the
 * window is quiet, so every table is hashed. Without a capture no window is watched (the backup
 * predates every counter read), so no table can be shown quiet and `auto` hashes none.
 */
export function withEffectiveChecksums(config: DrillConfig): DrillConfig {
  if (config.checksumTables[0] !== AUTO_CHECKSUMS) return config
  // A rollback's window is known only once the history is read: the drill decides then.
  if (config.method === 'rollback') return config
  if (config.backup.mode !== 'capture') return { ...config, checksumTables: [] }
  if (config.maintenance) return { ...config, checksumTables: ['*'] }
  return config
}

/** checksum-tables: `auto` (the default), `none`, or a list of tables (see readTableList). */
function readChecksumTables(value: string, got: Got): string[] {
  const keyword = value.trim().toLowerCase()
  if (keyword === '' || keyword === AUTO_CHECKSUMS) return [AUTO_CHECKSUMS]
  if (keyword === 'none') return []
  return readTableList(value, got)
}

/** The settings recorded in the report: everything that shaped the drill except secrets and SQL. */
export function settingsOf(config: DrillConfig): DrillSettings {
  return {
    database: config.database,
    backup: backupLabel(config.backup),
    plan: config.plan,
    maintenance: config.maintenance,
    canary: config.canary,
    promote: config.promote,
    keepDatabase: config.keepDatabase,
    keepBackup: config.keepBackup,
    drillApp: drillAppLabel(config.drillApp),
    method: config.method,
    ...(config.rollbackTo ? { rollbackTo: rollbackLabel(config.rollbackTo) } : {}),
    checks: config.checks.map((check) => check.name),
    checksumTables: config.checksumTables,
    maxBackupAgeSeconds: config.maxBackupAgeSeconds,
    requireSchedule: config.requireSchedule,
    restoreWarnings: config.restoreWarnings,
    maxRestoreMinutes: config.maxRestoreMinutes,
    timeoutMinutes: config.timeoutMinutes,
    verifyConnections: config.verifyConnections,
    verifyBudgetSeconds: config.verifyBudgetSeconds,
    sourceStatementTimeoutSeconds: config.sourceStatementTimeoutSeconds,
    selfTest: config.selfTest,
    heartbeat: config.heartbeatUrl !== null,
    history: config.history.mode,
    maxRowDrop: config.maxRowDrop
  }
}
