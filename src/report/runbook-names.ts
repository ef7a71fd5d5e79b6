// The names the runbook's commands use: attachments it creates, how the CLI names a database and
// a plan, and the shape of a runbook section.

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
