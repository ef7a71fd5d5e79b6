// In-memory fakes of the drill's Heroku clients and databases, for the orchestration tests: no
// server, no PostgreSQL. Every call is written to `calls` in order, so a test can assert the
// checklist's order; `fail`, `hold` and `never` make one call fail, wait for a test, or never end.
import type { DrillConfig } from '../../src/config.js'
import type { CheckRun, Databases, SourceDatabaseConnection } from '../../src/databases.js'
import type { DataApi } from '../../src/heroku/data.js'
import type { PlatformApi } from '../../src/heroku/platform.js'
import {
  HerokuApiError,
  type Addon,
  type Attachment,
  type Transfer
} from '../../src/heroku/types.js'
import type { DrillRuntime } from '../../src/drill/runtime.js'
import { Ownership, SecretRegistry } from '../../src/safety.js'
import { DrillState, type SavedState } from '../../src/state.js'
import type { CountSnapshot, SourceSnapshot, Verification } from '../../src/verify/types.js'

export const APP = { id: 'app-1', name: 'shop' }
const PLAN = { name: 'heroku-postgresql:essential-0' }
const SOURCE: Addon = {
  id: 'prod-id',
  name: 'postgresql-prod-1',
  state: 'provisioned',
  created_at: new Date(Date.now() - 86400_000 * 30).toISOString(),
  config_vars: ['DATABASE_URL'],
  plan: PLAN,
  app: APP,
  addon_service: { name: 'heroku-postgresql' }
}

export function drillConfig(over: Partial<DrillConfig> = {}): DrillConfig {
  return {
    app: 'shop',
    apiKey: 'token-xyz',
    database: 'DATABASE_URL',
    backup: { mode: 'capture' },
    plan: 'same',
    maintenance: false,
    canary: false,
    checks: [],
    checksumTables: [],
    promote: false,
    keepDatabase: false,
    keepBackup: false,
    drillApp: { mode: 'auto' },
    method: 'backup',
    rollbackTo: null,
    maxBackupAgeSeconds: 26 * 3600,
    requireSchedule: true,
    restoreWarnings: 'triage',
    maxRestoreMinutes: null,
    heartbeatUrl: null,
    timeoutMinutes: 120,
    reportName: 'restore-drill-shop',
    verifyConnections: 2,
    verifyBudgetSeconds: null,
    sourceStatementTimeoutSeconds: 600,
    selfTest: true,
    history: { mode: 'none' },
    maxRowDrop: null,
    githubToken: '',
    dryRun: false,
    privateNetwork: false,
    postgresVersion: 'same',
    targetUrl: null,
    ...over
  }
}

function transfer(
  num: number,
  kind: 'backup' | 'restore',
  extra: Partial<Transfer> = {}
): Transfer {
  const at = new Date().toISOString()
  return {
    uuid: `t-${num}`,
    num,
    from_type: kind === 'backup' ? 'pg_dump' : 'gof3r',
    to_type: kind === 'backup' ? 'gof3r' : 'pg_restore',
    from_name: 'DATABASE',
    to_name: kind === 'backup' ? 'BACKUP' : 'RESTORE_DRILL',
    to_url: kind === 'backup' ? `https://storage.example.com/b${num}` : undefined,
    schedule: null,
    source_bytes: 100,
    processed_bytes: 100,
    succeeded: true,
    warnings: 0,
    created_at: at,
    started_at: at,
    finished_at: at,
    canceled_at: null,
    ...extra
  }
}

const table = (name: string, rows: number) => ({
  table: `public.${name}`,
  schema: 'public',
  name,
  rows,
  inserted: rows,
  deleted: 0
})

function counts(): CountSnapshot {
  return { takenAt: new Date().toISOString(), tables: [table('album', 3), table('track', 5)] }
}

export function passedVerification(): Verification {
  return {
    passed: true,
    tables: [],
    checks: [{ id: 'counts', title: 'Row counts', status: 'passed', detail: '2 tables' }],
    findings: [],
    restoreWarnings: { harmless: [], real: [] },
    tablesChecked: 2,
    rowsChecked: 8
  }
}

export interface FakeOptions {
  /** A call (by its name in `calls`) that fails with a definite 422. */
  fail?: string
  /** A call that never answers (until the drill is aborted). */
  never?: string
  verification?: Verification
  checkRuns?: CheckRun[]
  /** The source's plan (default essential-0). */
  sourcePlan?: string
  /** The token's scopes as Heroku reports them (default write-protected). */
  tokenScopes?: string
  /** The source's server_version_num as SELECT 1 reads it (default 160004). */
  serverVersionNum?: number
  /** info[] of the source's database info. */
  databaseInfo?: { name: string; values: unknown[] }[]
}

export class FakeHeroku {
  readonly calls: string[] = []
  readonly addons: Addon[]
  maintenance = false
  private nextNum = 2
  /** The provisioning options of each add-on created, by name. */
  readonly addonConfigs = new Map<string, Record<string, string> | undefined>()

  constructor(private readonly options: FakeOptions = {}) {
    this.addons = [{ ...SOURCE, plan: { name: options.sourcePlan ?? PLAN.name } }]
  }

  private async call<T>(name: string, answer: () => T): Promise<T> {
    this.calls.push(name)
    if (this.options.never === name) await new Promise(() => {})
    if (this.options.fail === name) {
      throw new HerokuApiError(`${name} refused`, {
        status: 422,
        id: 'invalid_params',
        ambiguous: false,
        method: 'POST',
        path: name
      })
    }
    return answer()
  }

  /** Each restore request's body (backup URL, extensions). */
  readonly restoreRequests: { backupUrl: string; extensions: string[] }[] = []
  /** The size of the source pool the drill asked for (null: none opened). */
  sourcePoolSize: number | null = null

  /** The add-on attached as DATABASE (a promote moves it). */
  databaseHolder = SOURCE.id

  private attachments(app = APP.name): Attachment[] {
    const attachment = (a: Addon, name: string): Attachment => ({
      id: `att-${a.id}-${name}`,
      name,
      namespace: null,
      addon: { id: a.id, name: a.name, app: APP, plan: a.plan },
      app: APP,
      config_vars: [`${name}_URL`]
    })
    return this.addons
      .filter((a) => a.app.name === app)
      .flatMap((a) => [
        attachment(a, a.id === SOURCE.id ? 'HEROKU_POSTGRESQL_PROD' : 'RESTORE_DRILL'),
        ...(a.id === this.databaseHolder ? [attachment(a, 'DATABASE')] : [])
      ])
  }

  /** Apps other than the production app: name → created_at. */
  readonly apps = new Map<string, string>()
  readonly deletedBackups: number[] = []
  teamRole: string | null = 'admin'
  productionTeam: string | null = null

  private appView(name: string) {
    return {
      id: name === APP.name ? APP.id : `id-${name}`,
      name,
      maintenance: name === APP.name ? this.maintenance : false,
      created_at: this.apps.get(name) ?? new Date(Date.now() - 86400_000 * 365).toISOString(),
      region: { name: 'eu' },
      team: this.productionTeam ? { name: this.productionTeam } : null,
      space: null
    }
  }

  platform(): PlatformApi {
    return {
      createApp: (req) =>
        this.call('createApp', () => {
          this.apps.set(req.name, new Date().toISOString())
          return this.appView(req.name)
        }),
      deleteApp: (name) =>
        this.call('deleteApp', () => {
          if (!this.apps.delete(name)) return 'already-gone' as const
          // Deleting an app destroys its add-ons.
          for (const a of [...this.addons])
            if (a.app.name === name) this.addons.splice(this.addons.indexOf(a), 1)
          return 'deleted' as const
        }),
      findApp: (name) =>
        this.call('findApp', () =>
          name === APP.name || this.apps.has(name) ? this.appView(name) : null
        ),
      listApps: () =>
        this.call('listApps', () => [APP.name, ...this.apps.keys()].map((n) => this.appView(n))),
      getTeam: (team) =>
        this.call('getTeam', () => ({ id: 'team-id', name: team, role: this.teamRole })),
      tokenScopes: () => this.options.tokenScopes ?? 'write-protected',
      getApp: (name) => this.call('getApp', () => this.appView(name)),
      listAttachments: (app) => this.call('listAttachments', () => this.attachments(app)),
      // Add-ons are attached on their own app only here.
      listAddonAttachments: (id) =>
        this.call('listAddonAttachments', () => {
          const addon = this.addons.find((a) => a.id === id)
          if (!addon) return []
          return this.attachments(addon.app.name)
            .filter((a) => a.addon.id === id)
            .map((a) => ({ ...a, app: { id: `id-${addon.app.name}`, name: addon.app.name } }))
        }),
      listAddons: (app) =>
        this.call('listAddons', () => this.addons.filter((a) => a.app.name === app)),
      getAddon: (_app, idOrName) =>
        this.call(
          'getAddon',
          () => this.addons.find((a) => a.id === idOrName || a.name === idOrName) ?? null
        ),
      createAddon: (app, req) =>
        this.call('createAddon', () => {
          const addon: Addon = {
            ...SOURCE,
            id: `new-${req.name}`,
            name: req.name,
            app: { id: `id-${app}`, name: app },
            config_vars: ['RESTORE_DRILL_URL'],
            created_at: new Date().toISOString()
          }
          this.addonConfigs.set(req.name, req.config)
          this.addons.push(addon)
          return addon
        }),
      deleteAddon: (_app, id) =>
        this.call('deleteAddon', () => {
          const index = this.addons.findIndex((a) => a.id === id)
          if (index >= 0) this.addons.splice(index, 1)
          return index >= 0 ? ('deleted' as const) : ('already-gone' as const)
        }),
      getConfigVars: (app) =>
        this.call('getConfigVars', () => ({
          ...(app === APP.name
            ? { DATABASE_URL: 'postgres://u:prodsecret@db.example.com:5432/d' }
            : {}),
          ...(this.addons.some((a) => a.app.name === app && a.id !== SOURCE.id)
            ? { RESTORE_DRILL_URL: 'postgres://u:drillsecret@db2.example.com:5432/d' }
            : {})
        })),
      setMaintenance: (_app, on) =>
        this.call(on ? 'maintenanceOn' : 'maintenanceOff', () => {
          this.maintenance = on
          return { ...APP, maintenance: on }
        }),
      attach: (_app, req) =>
        this.call(`attach ${req.addonName}`, () => {
          const addon = this.addons.find((a) => a.name === req.addonName) as Addon
          if (req.name === 'DATABASE') this.databaseHolder = addon.id
          return this.attachments().find((a) => a.addon.id === addon.id) as Attachment
        }),
      // The source always has an alias here, so a promote never needs one of its own.
      detach: (id) => this.call(`detach ${id}`, () => 'detached' as const),
      listPlans: () =>
        this.call('listPlans', () =>
          [
            'essential-0',
            'essential-1',
            'essential-2',
            'standard-0',
            'standard-2',
            'premium-0'
          ].map((plan) => ({ name: `heroku-postgresql:${plan}` }))
        ),
      listProcessTypes: () => this.call('listProcessTypes', () => ['web']),
      listRecentReleases: () => this.call('listRecentReleases', () => []),
      getRelease: () =>
        this.call('getRelease', () => ({
          id: 'r',
          version: 1,
          status: 'succeeded',
          description: ''
        }))
    }
  }

  data(): DataApi {
    return {
      getDatabase: () =>
        this.call(
          'getDatabase',
          () => ({ num_bytes: 1000, info: this.options.databaseInfo ?? [] }) as never
        ),
      waitStatus: () =>
        this.call('waitStatus', () => ({
          'waiting?': false,
          'error?': false,
          message: 'available'
        })),
      listTransfers: () =>
        this.call('listTransfers', () => [transfer(1, 'backup', { schedule: { uuid: 's' } })]),
      getTransfer: (app, uuid) =>
        this.call(
          uuid.startsWith('restore') ? 'getTransfer restore' : 'getTransfer capture',
          () => {
            // A restore is listed under its target's app, a capture under the source's.
            const target = this.addons.find((a) => uuid === `restore-${a.id}`)
            const owner = uuid.startsWith('restore') ? target?.app.name : APP.name
            if (app !== owner) {
              throw new HerokuApiError(`no transfer ${uuid} on app ${app}`, {
                status: 404,
                id: 'not_found'
              })
            }
            return uuid.startsWith('restore')
              ? transfer(99, 'restore', { uuid })
              : transfer(this.nextNum - 1, 'backup', { uuid })
          }
        ),
      captureBackup: () =>
        this.call('captureBackup', () =>
          transfer(this.nextNum++, 'backup', {
            uuid: `capture-${this.nextNum}`,
            finished_at: null,
            succeeded: false
          })
        ),
      restoreBackup: (target, req) =>
        this.call('restoreBackup', () => {
          this.restoreRequests.push(req)
          return transfer(99, 'restore', { uuid: `restore-${target}`, finished_at: null })
        }),
      cancelTransfer: () => this.call('cancelTransfer', () => undefined),
      deleteBackup: (_app, num) =>
        this.call('deleteBackup', () => {
          this.deletedBackups.push(num)
          return 'deleted' as const
        }),
      backupUrl: (_app, backup) =>
        this.call('backupUrl', () => backup.to_url ?? 'https://storage.example.com/x'),
      listSchedules: () =>
        this.call(
          'listSchedules',
          () => [{ uuid: 's', name: 'DATABASE_URL', hour: 2, timezone: 'UTC' }] as never
        )
    }
  }

  databases(): Databases {
    const source: SourceDatabaseConnection = {
      probe: () =>
        this.call('probe', () => ({ serverVersionNum: this.options.serverVersionNum ?? 160004 })),
      writeCanary: () => this.call('writeCanary', () => ({ id: 'canary-1' })),
      snapshot: () =>
        this.call('snapshot', (): SourceSnapshot => ({
          schema: [],
          counts: counts(),
          extensions: ['plpgsql'],
          databaseBytes: 1000
        })),
      countTables: () => this.call('countTables', counts),
      hashTables: () =>
        this.call('hashTables', () => ({
          hashedAt: Date.now(),
          seconds: 0,
          byTable: new Map(),
          unchanged: new Set<string>()
        }))
    }
    return {
      openSource: (_url, max) => {
        this.sourcePoolSize = max ?? null
        return source
      },
      peakSourceConnections: () => (this.sourcePoolSize === null ? 0 : 1),
      verifyRestored: () =>
        this.call('verifyRestored', () => this.options.verification ?? passedVerification()),
      runChecks: (_url, checks) =>
        this.call(
          'runChecks',
          () => this.options.checkRuns ?? checks.map((c) => ({ name: c.name, problem: null }))
        ),
      closeAll: () => this.call('closeAll', () => undefined)
    }
  }
}

export interface FakeRun {
  runtime: DrillRuntime
  heroku: FakeHeroku
  lines: string[]
  saved: () => Readonly<SavedState>
  abort: (reason: 'deadline' | 'cancel') => void
}

export function fakeRuntime(config: DrillConfig, options: FakeOptions = {}): FakeRun {
  const heroku = new FakeHeroku(options)
  const lines: string[] = []
  const secrets = new SecretRegistry(() => {})
  const drillAbort = new AbortController()
  const cancel = new AbortController()
  const state = new DrillState({ saveState: () => {} }, config.app)
  const runtime: DrillRuntime = {
    config,
    platform: heroku.platform(),
    data: heroku.data(),
    cleanupPlatform: heroku.platform(),
    cleanupData: heroku.data(),
    databases: heroku.databases(),
    ownership: new Ownership(),
    secrets,
    state,
    log: {
      info: (l) => lines.push(l),
      warning: (l) => lines.push(`warning: ${l}`),
      error: (l) => lines.push(`error: ${l}`),
      startGroup: () => {},
      endGroup: () => {}
    },
    signal: drillAbort.signal,
    cancelSignal: cancel.signal,
    deadline: new Date(Date.now() + config.timeoutMinutes * 60_000),
    runId: '42',
    runAttempt: '1',
    now: () => new Date()
  }
  return {
    runtime,
    heroku,
    lines,
    saved: () => state.value,
    abort: (reason) => {
      if (reason === 'cancel') cancel.abort('cancel')
      drillAbort.abort(reason)
    }
  }
}
