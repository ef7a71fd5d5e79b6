/** The guards: which apps, add-ons and backups this run may touch, and redaction of secrets from any text. */

/** Every add-on this action creates is named `restore-drill-<runId>-<attempt>-<random4>`. */
export const DRILL_ADDON_PREFIX = 'restore-drill-'
/**
 * A keep-database copy is named `restore-kept-…` instead: neither stale rule matches it, so no
 * later drill deletes a copy the team chose to keep (the runbook may have made it production).
 */
export const KEPT_ADDON_PREFIX = 'restore-kept-'
/** Attachment name of the fresh add-on, so its URL is `RESTORE_DRILL_URL`. */
export const DRILL_ATTACHMENT_NAME = 'RESTORE_DRILL'
/** An add-on of ours left behind by an earlier run is stale once it is this old. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000

export interface AddonRef {
  id: string
  name: string
  app?: { id?: string; name: string }
}

/**
 * `restore-drill-<app-ish>-<runId>-<attempt>-<rand4>` (`restore-kept-…` with keep-database):
 * recognisable, globally unique, ≤ 60 chars.
 */
export function drillAddonName(
  app: string,
  runId: string,
  attempt: string,
  rand: string,
  kept = false
): string {
  const run = runId.replace(/[^A-Za-z0-9]/g, '').slice(-12) || 'local'
  const att = attempt.replace(/[^0-9]/g, '').slice(0, 3) || '1'
  return `${kept ? KEPT_ADDON_PREFIX : DRILL_ADDON_PREFIX}${addonAppish(app)}-${run}-${att}-${rand}`
}

function addonAppish(app: string): string {
  return (
    app
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 20)
      .replace(/-+$/, '') || 'app'
  )
}

/** The one database an exit drill creates on the target server (target-url), and all it ever drops. */
export const EXIT_DATABASE_PATTERN = /^restore_drill_[a-z0-9]{1,12}_[a-z0-9]{1,3}_[a-z0-9]{6}$/

/** `restore_drill_<runId>_<attempt>_<rand6>`: says whose it is; a valid unquoted identifier. */
export function exitDatabaseName(runId: string, attempt: string, rand: string): string {
  const run =
    runId
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(-12) || 'local'
  const att = attempt.replace(/[^0-9]/g, '').slice(0, 3) || '1'
  return `restore_drill_${run}_${att}_${rand}`
}

/** Exactly the names drillAddonName gives the (not kept) add-ons of `app`'s drills. */
export function drillAddonPattern(app: string): RegExp {
  return new RegExp(
    `^${DRILL_ADDON_PREFIX}${addonAppish(app)}-[A-Za-z0-9]{1,12}-[0-9]{1,3}-[0-9a-f]{4}$`
  )
}

/**
 * A left-over add-on of an earlier run: our name prefix AND created more than 24 h before `now`
 * (callers also make sure it is attached nowhere but as the drill's own attachment).
 */
export function isStaleDrillAddon(addon: { name: string; created_at: string }, now: Date): boolean {
  if (!addon.name.startsWith(DRILL_ADDON_PREFIX)) return false
  const createdMs = Date.parse(addon.created_at)
  if (Number.isNaN(createdMs)) return false
  return now.getTime() - createdMs > STALE_AFTER_MS
}

/** Every app this action creates is named `restore-drill-<app-ish>-<random6>` (≤ 30 characters). */
export const DRILL_APP_PATTERN = /^restore-drill-[a-z0-9-]*[a-z0-9]-[0-9a-f]{6}$/

/**
 * A left-over drill app of an earlier run: our name pattern, created more than 24 h before `now`,
 * and holding nothing but drill add-ons (`addonNames`).
 */
export function isStaleDrillApp(
  app: { name: string; created_at?: string },
  addonNames: string[],
  now: Date
): boolean {
  if (!DRILL_APP_PATTERN.test(app.name)) return false
  const createdMs = Date.parse(app.created_at ?? '')
  if (Number.isNaN(createdMs) || now.getTime() - createdMs <= STALE_AFTER_MS) return false
  return addonNames.every((name) => name.startsWith(DRILL_ADDON_PREFIX))
}

export class OwnershipError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OwnershipError'
  }
}

/**
 * What this run may touch. The Heroku clients consult it before every destructive request:
 * restore only onto add-ons created by this run; delete those or recorded stale ones; attach
 * (promote) those or the recorded original (the documented promote-back).
 */
export class Ownership {
  private readonly created = new Map<string, AddonRef>()
  private readonly stale = new Map<string, AddonRef>()
  private readonly originals = new Map<string, AddonRef | { id: string; name?: string }>()
  private readonly apps = new Set<string>()
  private readonly staleApps = new Set<string>()
  private readonly backups = new Set<string>()
  private readonly aliases = new Set<string>()

  /** An app this run created (by name; app names are unique). */
  recordCreatedApp(name: string): void {
    this.apps.add(name)
  }

  /** A drill app of an earlier run; refused unless `isStaleDrillApp` holds. */
  recordStaleApp(
    app: { name: string; created_at?: string },
    addonNames: string[],
    now: Date
  ): void {
    if (!isStaleDrillApp(app, addonNames, now)) {
      throw new OwnershipError(
        `refusing to treat app ${app.name} as stale: only apps named restore-drill-*, older than 24 h and holding only drill add-ons are`
      )
    }
    this.staleApps.add(app.name)
  }

  isCreatedApp(name: string): boolean {
    return this.apps.has(name)
  }

  /** Deleting an app is allowed for apps this run created and recorded stale drill apps. */
  assertAppDeletable(name: string): void {
    if (!this.apps.has(name) && !this.staleApps.has(name)) {
      throw new OwnershipError(
        `refusing to delete app ${name}: this run did not create it and it is not a stale drill app`
      )
    }
  }

  /** The backup this run captured (`app` is the source's billing app, `num` the transfer number). */
  recordCapturedBackup(app: string, num: number): void {
    this.backups.add(`${app}#${num}`)
  }

  /** Deleting a backup is allowed only for the one this run captured. */
  assertBackupDeletable(app: string, num: number): void {
    if (!this.backups.has(`${app}#${num}`)) {
      throw new OwnershipError(
        `refusing to delete backup ${num} of app ${app}: this run did not capture it`
      )
    }
  }

  /** The alias attachment this run gave the original before a promote (by attachment id). */
  recordCreatedAlias(attachmentId: string): void {
    this.aliases.add(attachmentId)
  }

  /** Detaching is allowed only for the alias this run created: production's own attachments stay. */
  assertDetachable(attachmentId: string): void {
    if (!this.aliases.has(attachmentId)) {
      throw new OwnershipError(
        `refusing to detach attachment ${attachmentId}: this run did not create it`
      )
    }
  }

  /** An add-on this run created (also used by the post step with the saved add-on). */
  recordCreated(addon: AddonRef): void {
    this.created.set(addon.id, { id: addon.id, name: addon.name, app: addon.app })
  }

  /** A left-over add-on of an earlier run; refused unless `isStaleDrillAddon` holds. */
  recordStale(addon: AddonRef & { created_at: string }, now: Date = new Date()): void {
    if (!isStaleDrillAddon(addon, now)) {
      throw new OwnershipError(
        `refusing to treat add-on ${addon.name} as stale: only add-ons named ${DRILL_ADDON_PREFIX}* and older than 24 h are`
      )
    }
    this.stale.set(addon.id, { id: addon.id, name: addon.name, app: addon.app })
  }

  /** The source add-on, so that promoting it back to DATABASE is allowed. */
  recordOriginal(addon: string | { id: string; name?: string }): void {
    const ref = typeof addon === 'string' ? { id: addon } : { id: addon.id, name: addon.name }
    this.originals.set(ref.id, ref)
  }

  isCreated(addonId: string): boolean {
    return this.created.has(addonId)
  }

  isStale(addonId: string): boolean {
    return this.stale.has(addonId)
  }

  isOriginal(addonId: string): boolean {
    return this.originals.has(addonId)
  }

  /** The id of a created or original add-on with that name, if this run knows it by name. */
  idForName(addonName: string): string | undefined {
    for (const ref of [...this.created.values(), ...this.originals.values()]) {
      if (ref.name === addonName) return ref.id
    }
    return undefined
  }

  createdAddons(): AddonRef[] {
    return [...this.created.values()]
  }

  staleAddons(): AddonRef[] {
    return [...this.stale.values()]
  }

  /** Throws "refusing to <action> add-on X: this run did not create it" unless it did. */
  assertCreated(addonId: string, action: string): void {
    if (!this.isCreated(addonId)) {
      throw new OwnershipError(
        `refusing to ${action} add-on ${addonId}: this run did not create it`
      )
    }
  }

  /** Delete is allowed for add-ons created by this run and recorded stale ones. */
  assertDeletable(addonId: string): void {
    if (!this.isCreated(addonId) && !this.isStale(addonId)) {
      throw new OwnershipError(
        `refusing to delete add-on ${addonId}: this run did not create it and it is not a stale drill add-on`
      )
    }
  }

  /** Attach (promote) is allowed for add-ons created by this run and the recorded original. */
  assertAttachable(addonId: string, attachmentName: string): void {
    if (!this.isCreated(addonId) && !this.isOriginal(addonId)) {
      throw new OwnershipError(
        `refusing to attach add-on ${addonId} as ${attachmentName}: it is neither created by this run nor the original source`
      )
    }
  }
}

const MIN_SECRET_LENGTH = 6

// user:password@ in any URL (postgres://, postgresql://, redis://, https://...); the password may hold a raw @.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:'"]*:[^\s/'"]*@/gi
// 8+ characters, so prose like "Basic auth" survives.
const AUTH_HEADER_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g
// libpq key/value connection strings: password=...
const KEYWORD_PASSWORD = /\b(password\s*=\s*)('[^']*'|[^\s'"]+)/gi

/** `text` with every secret, URL credential, Authorization value and password=... replaced by ***. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text
  // Longest first, so a secret containing a shorter one is removed whole.
  const sorted = [...secrets]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
  for (const secret of sorted) out = out.split(secret).join('***')
  return out
    .replace(URL_CREDENTIALS, '$1***:***@')
    .replace(AUTH_HEADER_VALUE, '$1 ***')
    .replace(KEYWORD_PASSWORD, '$1***')
}

/**
 * The secrets of this run (token, database URLs and passwords). `onAdd` lets the caller mask each
 * new secret at once (e.g. core.setSecret). Values shorter than 6 characters are ignored: masking
 * them would garble ordinary text.
 */
export class SecretRegistry {
  private readonly secrets = new Set<string>()

  constructor(private readonly onAdd?: (secret: string) => void) {}

  add(secret: string | undefined | null): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return
    this.secrets.add(secret)
    this.onAdd?.(secret)
  }

  /** Registers a URL and, separately, its password (which may appear alone in error text). */
  addUrl(url: string | undefined | null): void {
    if (!url) return
    this.add(url)
    try {
      const parsed = new URL(url)
      if (parsed.password) {
        this.add(parsed.password)
        this.add(decodeURIComponent(parsed.password))
      }
    } catch {
      // not a URL: registered whole above
    }
  }

  has(secret: string): boolean {
    return this.secrets.has(secret)
  }

  redact(text: string): string {
    return redact(text, this.secrets)
  }
}
