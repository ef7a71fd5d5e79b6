// The names the runbook's commands use: attachments it creates, how the CLI names a database and
// a plan, the shape of a runbook section, and the one way a command line is written (cli), which
// refuses any name that is not a plain Heroku name.

/** Attachment name used by the fresh-add-on path, so its config var is EMERGENCY_RESTORE_URL. */
export const EMERGENCY_ATTACHMENT = 'EMERGENCY_RESTORE'
/**
 * Attachment name of a kept copy attached to production before its promote (VERIFIED_RESTORE_URL):
 * not EMERGENCY_RESTORE, so the fresh-add-on path still works after it.
 */
export const KEPT_ATTACHMENT = 'VERIFIED_RESTORE'

export interface RunbookSection {
  id:
    | 'in-place'
    | 'fresh-addon'
    | 'kept-addon'
    | 'stop-billing'
    | 'inspect'
    | 'other-backup'
    | 'capture-first'
    | 'recover'
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

/**
 * What every Heroku name a command holds looks like (an app, add-on, attachment or config var,
 * backup ID, plan, UTC time, `app::b042`): letters, digits and `_ . : -`, never a leading `-`. To
 * a shell that is one plain word, never an option: nothing to quote, nothing to break out of.
 */
const HEROKU_WORD = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/

/** A name for a command that is not a plain Heroku name (it came from outside: Heroku, the database, a report). */
export class NotAHerokuName extends Error {}

/**
 * A command line: the template's words as written, each name put in only when it is a plain
 * Heroku name (else NotAHerokuName). The only way the runbook writes a command.
 */
export function cli(parts: TemplateStringsArray, ...names: string[]): string {
  if (!names.every((name) => HEROKU_WORD.test(name))) throw new NotAHerokuName()
  return parts.reduce((line, part, i) => line + names[i - 1] + part)
}

/** Said instead of a section's commands when a name they need is not a plain Heroku name. */
export const COMMANDS_LEFT_OUT =
  '# left out: a name these commands need is not a valid Heroku name (letters, digits, _ . : - only), so no command is written with it; check the names above with heroku addons and heroku pg:backups'

/**
 * A section's commands, all of them or none: half of a restore sequence (maintenance on, and no
 * restore) is worse than none.
 */
export function commandsOf(write: () => string[]): string[] {
  return orInstead(write, [COMMANDS_LEFT_OUT])
}

/** write(), or `instead` when a name it needs is not a plain Heroku name. */
export function orInstead<T>(write: () => T, instead: T): T {
  try {
    return write()
  } catch (err) {
    if (err instanceof NotAHerokuName) return instead
    throw err
  }
}
