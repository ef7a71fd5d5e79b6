// Every input of action.yml parsed and validated into one DrillConfig, before anything is created.
// A bad value ends the run with one line: the input, what is wrong, and an example of a good value.
import type {
  BackupChoice,
  DrillAppChoice,
  DrillConfig,
  HistoryChoice,
  RecoveryMethod,
  RollbackTarget
} from './config.js'
import { AUTO_CHECKSUMS, rollbackLabel } from './config.js'
import type { DrillSettings } from './report/model.js'
import { DRILL_ADDON_PREFIX, DRILL_ATTACHMENT_NAME } from './safety.js'

export { AUTO_CHECKSUMS, rollbackLabel } from './config.js'

/** A bad input value. `message` is one line; `input` names the offending input. */
export class InputError extends Error {
  readonly input: string

  constructor(input: string, message: string) {
    super(message)
    this.name = 'InputError'
    this.input = input
  }
}

/** The action.yml default of each input that has a non-empty one (the runner applies them; a harness may not). */
const DEFAULTS: Record<string, string> = {
  database: 'DATABASE_URL',
  backup: 'capture',
  plan: 'same',
  maintenance: 'false',
  canary: 'false',
  promote: 'false',
  'keep-database': 'false',
  'keep-backup': 'false',
  'drill-app': 'auto',
  method: 'backup',
  'rollback-to': '30m',
  'require-schedule': 'true',
  'restore-warnings': 'triage',
  'timeout-minutes': '120',
  'verify-connections': '3',
  history: 'artifacts'
}

const APP_NAME = /^[a-z][a-z0-9-]{1,29}$/
const CONFIG_VAR_NAME = /^[A-Z][A-Z0-9_]*$/
const ADDON_NAME = /^[a-z][a-z0-9-]*$/
const BACKUP_ID = /^[ab]\d{3,}$/
const PLAN_NAME = /^[a-z]+(-[a-z0-9]+)*$/
const DURATION = /^(\d{1,6})(m|h|d)$/
const CHECK_NAME = /^[A-Za-z0-9 _.-]+$/
const ARTIFACT_FORBIDDEN = /[":<>|*?\\/\r\n]/
const UNQUOTED_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/
const MAX_ECHO = 60

/** Reads and validates every input; throws InputError on the first bad one. */
export function readConfig(getInput: (name: string) => string): DrillConfig {
  const apiKey = readApiKey(getInput('heroku-api-key') ?? '')
  const githubToken = readGithubToken(getInput('github-token') ?? '')
  const raw = (name: string): string => {
    const value = (getInput(name) ?? '').trim()
    return value === '' ? (DEFAULTS[name] ?? '') : value
  }
  // A value echoed in an error never shows the token, even if it was pasted into the wrong input.
  const got = (value: string): string => {
    const shown = [apiKey, githubToken]
      .filter((secret) => secret)
      .reduce((text, secret) => text.split(secret).join('***'), value)
    const short = shown.length > MAX_ECHO ? `${shown.slice(0, MAX_ECHO)}…` : shown
    return `(got ${JSON.stringify(short)})`
  }

  const app = raw('app')
  if (!app)
    throw new InputError(
      'app',
      'Input "app" is required: the Heroku app name, e.g. my-app-production.'
    )
  if (!APP_NAME.test(app)) {
    throw new InputError(
      'app',
      `Input "app" must be a Heroku app name: 2 to 30 lowercase letters, digits or hyphens starting with a letter, e.g. my-app-production ${got(app)}.`
    )
  }

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
    history: readHistory(raw('history'), got),
    maxRowDrop: readPercentage('max-row-drop', raw('max-row-drop'), got),
    githubToken
  }
  config.rollbackTo = readRollbackTo(config.method, raw('rollback-to'), got)
  checkCombinations(config)
  checkRecoveryCombinations(config)
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

type Got = (value: string) => string

/** `auto`, `same`, or the name of an existing app that is not the production app. */
function readDrillApp(value: string, app: string, got: Got): DrillAppChoice {
  const choice = value.toLowerCase()
  if (choice === 'auto' || choice === 'same') return { mode: choice }
  if (!APP_NAME.test(value)) {
    throw new InputError(
      'drill-app',
      `Input "drill-app" must be auto, same, or the name of an existing Heroku app (2 to 30 lowercase letters, digits or hyphens), e.g. drill-app: my-app-drills ${got(value)}.`
    )
  }
  if (value === app) {
    throw new InputError(
      'drill-app',
      `Input "drill-app" names the production app itself: to drill on it (its dynos restart twice) write same, or name another app, e.g. drill-app: same ${got(value)}.`
    )
  }
  return { mode: 'named', name: value }
}

function readMethod(value: string, got: Got): RecoveryMethod {
  const lower = value.toLowerCase()
  if (lower === 'backup' || lower === 'fork' || lower === 'rollback') return lower
  throw new InputError(
    'method',
    `Input "method" must be backup (a logical backup restored with pg:backups), fork or rollback (Continuous Protection, Standard tier and up), e.g. method: fork ${got(value)}.`
  )
}

const UTC_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:Z| ?UTC| ?\+00:?00)$/i

/**
 * `rollback-to`: `30m`, `2h`, `1d` before the drill's start, or a UTC time such as
 * `2026-12-01T04:00:00Z`. Read only with method rollback; another value with another method is an error.
 */
function readRollbackTo(method: RecoveryMethod, value: string, got: Got): RollbackTarget | null {
  if (method !== 'rollback') {
    if (value === DEFAULTS['rollback-to']) return null
    throw new InputError(
      'rollback-to',
      `Input "rollback-to" is used only with method: rollback, e.g. method: rollback with rollback-to: 2h ${got(value)}.`
    )
  }
  const ago = DURATION.exec(value)
  if (ago) {
    const seconds = durationSeconds(ago)
    if (seconds > 0 && seconds <= 7 * 86400) return { mode: 'ago', seconds, text: value }
  }
  const m = UTC_TIME.exec(value)
  const time = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0))) : null
  // Date.UTC rolls 2026-13-01 over into 2027; a real time reads back as written.
  if (time && m && time.toISOString().slice(0, 16) === `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}`) {
    return { mode: 'at', time }
  }
  throw new InputError(
    'rollback-to',
    `Input "rollback-to" must be how far back (more than 0 and at most 7d, like 30m, 2h or 1d) or a UTC time, e.g. rollback-to: 2026-12-01T04:00:00Z ${got(value)}.`
  )
}

function readApiKey(value: string): string {
  const key = value.trim()
  if (!key) {
    throw new InputError(
      'heroku-api-key',
      'Input "heroku-api-key" is required: a Heroku API token, e.g. heroku-api-key: ${{ secrets.HEROKU_RESTORE_DRILL_TOKEN }}.'
    )
  }
  // Never echo the value: it is the secret.
  if (/\s/.test(key)) {
    throw new InputError(
      'heroku-api-key',
      'Input "heroku-api-key" must be a single Heroku API token with no spaces or line breaks inside (value not shown), e.g. heroku-api-key: ${{ secrets.HEROKU_RESTORE_DRILL_TOKEN }}.'
    )
  }
  return key
}

function readGithubToken(value: string): string {
  const token = value.trim()
  // An expression no runner expanded (a local harness applying action.yml defaults): no token.
  if (/^\$\{\{.*\}\}$/.test(token)) return ''
  // Never echo the value: it is a secret.
  if (/\s/.test(token)) {
    throw new InputError(
      'github-token',
      'Input "github-token" must be a single GitHub token with no spaces or line breaks inside (value not shown), e.g. github-token: ${{ github.token }}.'
    )
  }
  return token
}

/** `artifacts`, `none`, or the path of a JSON-lines file (read, then appended). */
function readHistory(value: string, got: Got): HistoryChoice {
  const lower = value.toLowerCase()
  if (lower === 'artifacts' || lower === 'none') return { mode: lower }
  if (/[\0\r\n]/.test(value) || value.endsWith('/') || value.length > 1000) {
    throw new InputError(
      'history',
      `Input "history" must be artifacts, none, or the path of a JSON-lines file, e.g. history: .restore-drill/history.jsonl ${got(value)}.`
    )
  }
  return { mode: 'file', path: value }
}

/** A percentage above 0 and at most 100 (decimals allowed); empty means none. */
function readPercentage(input: string, value: string, got: Got): number | null {
  if (value === '') return null
  const n = /^\d{1,3}(\.\d{1,3})?%?$/.test(value) ? Number(value.replace('%', '')) : NaN
  if (n > 0 && n <= 100) return n
  throw new InputError(
    input,
    `Input "${input}" must be a percentage above 0 and at most 100, or empty to only warn, e.g. ${input}: 50 ${got(value)}.`
  )
}

function readDatabase(value: string, got: Got): string {
  // The drill's own add-on is never a source: it would restore a copy onto itself.
  if (
    value.replace(/_URL$/, '') === DRILL_ATTACHMENT_NAME ||
    value.startsWith(DRILL_ADDON_PREFIX)
  ) {
    throw new InputError(
      'database',
      `Input "database" names the drill's own restored add-on, not a production database; use the source, e.g. DATABASE_URL ${got(value)}.`
    )
  }
  if (CONFIG_VAR_NAME.test(value) || ADDON_NAME.test(value)) return value
  throw new InputError(
    'database',
    `Input "database" must be an attachment or config var name in capitals or an add-on name, e.g. DATABASE_URL, HEROKU_POSTGRESQL_CYAN_URL, CYAN or postgresql-shaped-12345 ${got(value)}.`
  )
}

function readBackup(value: string, got: Got): BackupChoice {
  const lower = value.toLowerCase()
  if (lower === 'capture') return { mode: 'capture' }
  if (lower === 'latest') return { mode: 'latest' }
  // Heroku's backup names are lowercase; B042 is accepted as b042.
  if (BACKUP_ID.test(lower)) return { mode: 'id', id: lower }
  const example = 'e.g. capture, latest, b042 (manual) or a008 (scheduled)'
  let problem = 'must be capture, latest or a backup ID'
  if (/^r\d+$/.test(lower)) {
    problem = `names a restore (r…), not a backup: restore transfers hold no data; pick a backup ID from "heroku pg:backups"`
  } else if (/^c\d+$/.test(lower)) {
    problem = `names a database copy (c…), not a backup: copies hold no data; pick a backup ID from "heroku pg:backups"`
  } else if (/^o[ab]\d+$/.test(lower)) {
    problem =
      'names a legacy PGBackups transfer, which cannot be restored by this action; pick a current backup ID'
  } else if (/^[ab]\d{1,2}$/.test(lower)) {
    problem = `must be a backup ID as Heroku names it, with at least 3 digits (${lower[0]}${lower.slice(1).padStart(3, '0')})`
  } else if (/^\d+$/.test(lower)) {
    problem = 'must be a backup ID with its letter: a for scheduled, b for manual backups'
  }
  throw new InputError('backup', `Input "backup" ${problem}, ${example} ${got(value)}.`)
}

function readPlan(value: string, got: Got): string {
  if (value === 'same') return 'same'
  const plan = value.replace(/^heroku-postgresql:/, '')
  if (PLAN_NAME.test(plan)) return plan
  throw new InputError(
    'plan',
    `Input "plan" must be "same" or a heroku-postgresql plan name, e.g. essential-0, standard-0 or heroku-postgresql:premium-2 ${got(value)}.`
  )
}

/** YAML 1.2 core schema booleans, as @actions/core getBooleanInput accepts them. */
function readBoolean(input: string, value: string, got: Got): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(
    input,
    `Input "${input}" must be true or false, e.g. ${input}: true ${got(value)}.`
  )
}

/** `26h`, `3d`, `90m` to seconds; empty means no limit. */
function readDuration(input: string, value: string, got: Got): number | null {
  if (value === '') return null
  const match = DURATION.exec(value)
  const seconds = match ? durationSeconds(match) : 0
  if (!match || seconds <= 0 || seconds > 366 * 86400) {
    const problem = match
      ? 'must be more than 0 and at most 366d, e.g. 26h, 3d or 90m'
      : 'must be a duration like 26h, 3d or 90m'
    throw new InputError(input, `Input "${input}" ${problem}, or empty for no limit ${got(value)}.`)
  }
  return seconds
}

/** A DURATION match (`26h`) in seconds. */
function durationSeconds(match: RegExpExecArray): number {
  return Number(match[1]) * { m: 60, h: 3600, d: 86400 }[match[2] as 'm' | 'h' | 'd']
}

function readInteger(
  input: string,
  value: string,
  min: number,
  max: number,
  example: string,
  got: Got
): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN
  if (Number.isInteger(n) && n >= min && n <= max) return n
  throw new InputError(
    input,
    `Input "${input}" must be a whole number from ${min} to ${max}, e.g. ${input}: ${example} ${got(value)}.`
  )
}

function readOptionalInteger(
  input: string,
  value: string,
  min: number,
  max: number,
  example: string,
  got: Got
): number | null {
  if (value === '') return null
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN
  if (Number.isInteger(n) && n >= min && n <= max) return n
  throw new InputError(
    input,
    `Input "${input}" must be a whole number from ${min} to ${max} or empty for no limit, e.g. ${input}: ${example} ${got(value)}.`
  )
}

function readRestoreWarnings(value: string, got: Got): DrillConfig['restoreWarnings'] {
  if (value === 'triage' || value === 'strict' || value === 'allow') return value
  throw new InputError(
    'restore-warnings',
    `Input "restore-warnings" must be triage, strict or allow, e.g. restore-warnings: triage ${got(value)}.`
  )
}

/** One check per line, `name: SQL`; the first colon separates (names cannot hold one, SQL may: `::int`). */
function readChecks(value: string, got: Got): DrillConfig['checks'] {
  const checks: DrillConfig['checks'] = []
  const seenOnLine = new Map<string, number>()
  const example = 'e.g. "orders present: select count(*) > 0 from orders"'
  value.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (!line) return
    const lineNo = index + 1
    const colon = line.indexOf(':')
    if (colon < 0) {
      throw new InputError(
        'checks',
        `Input "checks" line ${lineNo} must be "name: SQL", ${example} ${got(line)}.`
      )
    }
    const name = line.slice(0, colon).trim()
    const sql = line.slice(colon + 1).trim()
    if (!CHECK_NAME.test(name)) {
      throw new InputError(
        'checks',
        `Input "checks" line ${lineNo} needs a name of letters, digits, spaces, _ . or - before the colon, ${example} ${got(line)}.`
      )
    }
    if (!sql) {
      throw new InputError(
        'checks',
        `Input "checks" line ${lineNo} has no SQL after "${name}:", ${example} ${got(line)}.`
      )
    }
    const earlier = seenOnLine.get(name)
    if (earlier !== undefined) {
      throw new InputError(
        'checks',
        `Input "checks" names must be unique: "${name}" is on lines ${earlier} and ${lineNo}; rename one, e.g. "${name} 2".`
      )
    }
    seenOnLine.set(name, lineNo)
    checks.push({ name, sql })
  })
  return checks
}

/**
 * `auto` (the default), `none`, or comma or newline separated `schema.table`, `table` (public assumed) or `*`, as display names
 * `schema.table` without quotes (TableCount.table). Unquoted identifiers fold to lowercase as in
 * PostgreSQL; quoted ones ("My Schema"."Odd Table") keep their case, spaces and commas.
 */
function readChecksumTables(value: string, got: Got): string[] {
  const keyword = value.trim().toLowerCase()
  if (keyword === '' || keyword === AUTO_CHECKSUMS) return [AUTO_CHECKSUMS]
  if (keyword === 'none') return []
  const items = splitOutsideQuotes(value, got)
  const tables: string[] = []
  for (const item of items) {
    if (item === '*') return ['*']
    const parts = parseQualifiedName(item)
    if (!parts) {
      throw new InputError(
        'checksum-tables',
        `Input "checksum-tables" must list tables as schema.table or table (public assumed), or *, comma or newline separated, e.g. public.orders, "Sales"."Line Items" ${got(item)}.`
      )
    }
    const display = (parts.length === 1 ? ['public', parts[0]] : parts).join('.')
    if (!tables.includes(display)) tables.push(display)
  }
  return tables
}

function splitOutsideQuotes(value: string, got: Got): string[] {
  const items: string[] = []
  let current = ''
  let quoted = false
  for (const ch of value) {
    if (ch === '"') quoted = !quoted // a doubled "" inside quotes toggles twice: still quoted
    if (!quoted && (ch === ',' || ch === '\n' || ch === '\r')) {
      items.push(current)
      current = ''
    } else {
      current += ch
    }
  }
  if (quoted) {
    throw new InputError(
      'checksum-tables',
      `Input "checksum-tables" has an unclosed double quote, e.g. "My Schema"."Odd Table" ${got(value.trim())}.`
    )
  }
  items.push(current)
  return items.map((item) => item.trim()).filter((item) => item !== '')
}

/** `a.b`, `"A b"."C"`, `t` → identifier parts (1 or 2), or null when not a valid name. */
function parseQualifiedName(text: string): string[] | null {
  const parts: string[] = []
  let rest = text
  for (;;) {
    rest = rest.trimStart()
    let part: string
    if (rest.startsWith('"')) {
      const match = /^"((?:[^"]|"")+)"/.exec(rest)
      if (!match) return null
      part = match[1].replace(/""/g, '"')
      rest = rest.slice(match[0].length)
    } else {
      const match = /^[^."\s]+/.exec(rest)
      if (!match || !UNQUOTED_IDENTIFIER.test(match[0])) return null
      part = match[0].toLowerCase()
      rest = rest.slice(match[0].length)
    }
    parts.push(part)
    rest = rest.trimStart()
    if (rest === '') break
    if (!rest.startsWith('.')) return null
    rest = rest.slice(1)
  }
  return parts.length <= 2 ? parts : null
}

function readHeartbeatUrl(value: string): string | null {
  if (value === '') return null
  // The URL may carry a monitor's secret key in its path: errors show the scheme and host only.
  let url: URL | null = null
  try {
    url = new URL(value)
  } catch {
    url = null
  }
  const shown = url ? `${url.protocol}//${url.host}/…` : 'a value that is not a URL'
  const local = url !== null && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  const ok =
    url !== null &&
    !/\s/.test(value) &&
    url.username === '' &&
    url.password === '' &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && local))
  if (ok) return value
  throw new InputError(
    'heartbeat-url',
    `Input "heartbeat-url" must be an https:// URL (http:// only to localhost) without credentials, e.g. https://hc-ping.com/<your-check-uuid> (got ${shown}).`
  )
}

function readReportName(value: string, app: string, got: Got): string {
  if (value === '') return `restore-drill-${app}`
  if (!ARTIFACT_FORBIDDEN.test(value) && value.length <= 200) return value
  throw new InputError(
    'report-name',
    `Input "report-name" must be an artifact name without " : < > | * ? \\ / or line breaks (at most 200 characters), e.g. restore-drill-${app}-nightly ${got(value)}.`
  )
}

function checkCombinations(config: DrillConfig): void {
  if (config.promote && config.drillApp.mode !== 'same') {
    throw new InputError(
      'promote',
      `Input "promote" needs drill-app: same: the promote drill attaches the restored add-on to the production app as DATABASE, so it must live there, e.g. promote: true with drill-app: same (got drill-app "${drillAppLabel(config.drillApp)}").`
    )
  }
  if (config.promote && !config.maintenance) {
    throw new InputError(
      'promote',
      'Input "promote" needs maintenance: true, so web traffic is stopped while DATABASE_URL points at the restored copy, e.g. promote: true with maintenance: true.'
    )
  }
  if (config.promote && config.keepDatabase) {
    throw new InputError(
      'promote',
      'Input "promote" cannot be combined with keep-database: true: a promoted drill copy has taken writes from worker dynos and must not be kept for recovery; choose one, e.g. keep-database: true without promote.'
    )
  }
  // Promoting a restore of an older backup (latest or an ID) makes the app's DATABASE_URL point at
  // stale data for the promote window; maintenance stops only web dynos, so worker and scheduler
  // dynos would act on old state (re-send, re-charge) and write into a copy that is then thrown
  // away. A careful SRE rehearses the switch only with a capture taken moments earlier.
  if (config.promote && config.backup.mode !== 'capture') {
    throw new InputError(
      'promote',
      `Input "promote" needs backup: capture (taken under maintenance); promoting an older backup would point the app at stale data, e.g. promote: true with backup: capture (got backup "${backupLabel(config.backup)}").`
    )
  }
  // Maintenance covers the capture window only; with an existing backup there is none, and taking
  // the app's web traffic down for nothing is the opposite of what a drill is for.
  if (config.maintenance && config.backup.mode !== 'capture') {
    throw new InputError(
      'maintenance',
      `Input "maintenance" needs backup: capture: it stops web traffic for the capture window, and an existing backup has none, e.g. maintenance: false with backup: ${backupLabel(config.backup)} (got backup "${backupLabel(config.backup)}").`
    )
  }
  if (config.canary && config.backup.mode !== 'capture') {
    throw new InputError(
      'canary',
      `Input "canary" needs backup: capture: the canary row is written just before the capture, so an existing backup cannot hold it, e.g. canary: true with backup: capture (got backup "${backupLabel(config.backup)}").`
    )
  }
}

/** fork / rollback make no logical backup: the inputs about one cannot apply. */
function checkRecoveryCombinations(config: DrillConfig): void {
  const method = config.method
  if (method === 'backup') return
  const refuse = (input: string, why: string, instead: string): never => {
    throw new InputError(input, `Input "${input}" ${why} with method: ${method}, e.g. ${instead}.`)
  }
  if (config.backup.mode !== 'capture')
    refuse(
      'backup',
      `cannot name a logical backup (${backupLabel(config.backup)}): Heroku makes the copy from physical backups and WAL`,
      `method: backup with backup: ${backupLabel(config.backup)}`
    )
  if (config.keepBackup)
    refuse('keep-backup', 'has nothing to keep: no backup is captured', 'keep-backup: false')
  if (config.promote)
    refuse(
      'promote',
      'is not drilled: the promote drill rehearses with a capture taken under maintenance',
      'promote: true with method: backup'
    )
  if (method === 'rollback' && config.maintenance)
    refuse(
      'maintenance',
      'cannot quiet the past: the rollback target is before the drill starts',
      'maintenance: false'
    )
  if (method === 'rollback' && config.canary)
    refuse(
      'canary',
      'cannot work: a canary written now is after the rollback target, so the copy cannot hold it',
      'canary: true with method: fork'
    )
}

export function drillAppLabel(choice: DrillAppChoice): string {
  return choice.mode === 'named' ? choice.name : choice.mode
}

function backupLabel(choice: BackupChoice): string {
  return choice.mode === 'id' ? choice.id : choice.mode
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
    heartbeat: config.heartbeatUrl !== null,
    history: config.history.mode,
    maxRowDrop: config.maxRowDrop
  }
}
