// Which add-on the `database` input names (pure): the source database of a drill, resolved from the
// app's attachments and add-ons, and the other Postgres databases of the app.
import { DrillError } from '../errors.js'
import type { Addon, Attachment } from '../heroku/types.js'
import { DRILL_ADDON_PREFIX, DRILL_ATTACHMENT_NAME, KEPT_ADDON_PREFIX } from '../safety.js'

export interface SourceDatabase {
  addonId: string
  addonName: string
  /** The billing app of the add-on (transfers are listed under it). */
  addonApp: string
  /** The attachment named by the input (DATABASE for DATABASE_URL). */
  attachment: string
  /** Every plain attachment name of the add-on on this app. */
  attachmentNames: string[]
  /** heroku-postgresql:<plan> */
  plan: string
  /** The config var holding its URL (DATABASE_URL). */
  configVar: string
}

export function isPostgresAddon(addon: {
  plan?: { name?: string }
  addon_service?: { name?: string }
}): boolean {
  return (
    addon.addon_service?.name === 'heroku-postgresql' ||
    (addon.plan?.name ?? '').startsWith('heroku-postgresql:')
  )
}

/** The input (`DATABASE_URL`, `HEROKU_POSTGRESQL_CYAN_URL`, `CYAN`, an add-on name) as one add-on. */
export function resolveSource(
  input: string,
  app: string,
  attachments: Attachment[],
  addons: Addon[]
): { attachment: Attachment; addon: Addon } {
  const trimmed = input.trim()
  const bare = trimmed.replace(/_URL$/i, '').toUpperCase()
  const addonById = new Map(addons.map((a) => [a.id, a]))
  const postgres = attachments.filter((a) => {
    const addon = addonById.get(a.addon.id)
    return addon ? isPostgresAddon(addon) : isPostgresAddon({ plan: a.addon.plan })
  })
  let matches = postgres.filter(
    (a) =>
      a.name.toUpperCase() === bare ||
      a.name.toUpperCase() === `HEROKU_POSTGRESQL_${bare}` ||
      a.addon.name === trimmed ||
      a.addon.id === trimmed ||
      (a.config_vars ?? []).includes(trimmed)
  )
  if (matches.length > 1) {
    const plain = matches.filter((a) => a.namespace === null || a.namespace === undefined)
    if (plain.length > 0) matches = plain
  }
  const ids = [...new Set(matches.map((a) => a.addon.id))]
  if (ids.length === 0) {
    const valid = [...new Set(postgres.filter((a) => !a.namespace).map((a) => `${a.name}_URL`))]
    throw new DrillError(
      `database "${trimmed}" matches no heroku-postgresql add-on of app ${app}` +
        (valid.length > 0 ? ` (valid: ${valid.join(', ')})` : ' (the app has no Postgres add-on)')
    )
  }
  if (ids.length > 1) {
    const names = [...new Set(matches.map((a) => a.addon.name))].join(', ')
    throw new DrillError(
      `database "${trimmed}" matches several add-ons of app ${app} (${names}): name one add-on or attachment`
    )
  }
  const attachment = matches[0]
  const addon =
    addonById.get(attachment.addon.id) ??
    ({
      id: attachment.addon.id,
      name: attachment.addon.name,
      state: 'provisioned',
      created_at: '',
      config_vars: attachment.config_vars ?? [],
      plan: { name: attachment.addon.plan?.name ?? '' },
      app: attachment.addon.app
    } as Addon)
  return { attachment, addon }
}

export function sourceDatabaseOf(
  found: { attachment: Attachment; addon: Addon },
  attachments: Attachment[],
  app: string
): SourceDatabase {
  const { attachment, addon } = found
  return {
    addonId: addon.id,
    addonName: addon.name,
    addonApp: addon.app?.name ?? app,
    attachment: attachment.name,
    attachmentNames: attachments
      .filter((a) => a.addon.id === addon.id && !a.namespace)
      .map((a) => a.name),
    plan: addon.plan?.name ?? attachment.addon.plan?.name ?? '',
    // Heroku upper-cases the config var of a lowercase attachment name.
    configVar: `${attachment.name.toUpperCase()}_URL`
  }
}

export function otherPostgresAttachments(
  attachments: Attachment[],
  addons: Addon[],
  source: SourceDatabase
): string[] {
  return attachments
    .filter(
      (a) =>
        a.addon.id !== source.addonId &&
        !a.addon.name.startsWith(DRILL_ADDON_PREFIX) &&
        !(a.addon.name.startsWith(KEPT_ADDON_PREFIX) && a.name === DRILL_ATTACHMENT_NAME) &&
        addons.some((x) => x.id === a.addon.id && isPostgresAddon(x))
    )
    .map((a) => a.name)
}
