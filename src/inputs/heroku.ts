// Parsers of the inputs that name things on Heroku: the token, the app, its database, the backup,
// the plan of the drill copy and the app it lives on.
import type { BackupChoice, DrillAppChoice } from '../config.js'
import { DRILL_ADDON_PREFIX, DRILL_ATTACHMENT_NAME } from '../safety.js'
import { InputError, type Got } from './input-error.js'

const APP_NAME = /^[a-z][a-z0-9-]{1,29}$/
const CONFIG_VAR_NAME = /^[A-Z][A-Z0-9_]*$/
const ADDON_NAME = /^[a-z][a-z0-9-]*$/
const BACKUP_ID = /^[ab]\d{3,}$/
const PLAN_NAME = /^[a-z]+(-[a-z0-9]+)*$/

export function readApiKey(value: string): string {
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

export function readApp(app: string, got: Got): string {
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
  return app
}

export function readDatabase(value: string, got: Got): string {
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

export function readBackup(value: string, got: Got): BackupChoice {
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

export function readPlan(value: string, got: Got): string {
  if (value === 'same') return 'same'
  const plan = value.replace(/^heroku-postgresql:/, '')
  if (PLAN_NAME.test(plan)) return plan
  throw new InputError(
    'plan',
    `Input "plan" must be "same" or a heroku-postgresql plan name, e.g. essential-0, standard-0 or heroku-postgresql:premium-2 ${got(value)}.`
  )
}

/** `auto`, `same`, or the name of an existing app that is not the production app. */
export function readDrillApp(value: string, app: string, got: Got): DrillAppChoice {
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
