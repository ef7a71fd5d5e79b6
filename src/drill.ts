// The drill, phase by phase (PRODUCT.md §3): preflight; provision ∥ (source snapshot, capture);
// restore ∥ after-snapshot; verify; promote (opt-in); clean up; report. Every Heroku write goes
// through the guarded clients; everything this run creates is saved to state before and after
// it is created, so the post step can clean up when main is killed.
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { cleanUp, type CleanupResult } from './cleanup.js'
import type { DrillConfig } from './config.js'
import { openDatabase } from './db.js'
import type { DataApi } from './heroku/data.js'
import type { PlatformApi } from './heroku/platform.js'
import { backupName, HerokuApiError, type Addon, type Transfer } from './heroku/types.js'
import { abortable, AbortError, waitFor, WaitTimeoutError } from './heroku/wait.js'
import { settingsOf } from './inputs.js'
import { DrillError, formatAge, preflight, type Preflight } from './preflight.js'
import { runPromoteDrill, type PromoteResult } from './promote.js'
import type { BackupFacts, DrillReport, PhaseName, PhaseRecord, Timings } from './report/model.js'
import { REPORT_VERSION } from './report/model.js'
import { runbookCommands } from './report/runbook.js'
import { judgeOutcome } from './report/verdict.js'
import {
  DRILL_ADDON_PREFIX,
  DRILL_ATTACHMENT_NAME,
  type Ownership,
  type SecretRegistry
} from './safety.js'
import type { DrillState } from './state.js'
import { writeCanary } from './verify/canary.js'
import { countTables, snapshotSource } from './verify/snapshot.js'
import type {
  CountSnapshot,
  SourceSnapshot,
  TransferLogLine,
  Verification,
  VerifyOptions
} from './verify/types.js'
import { hashSourceTables, verifyRestore, type SourceHashes } from './verify/verify.js'
import { logForReport } from './verify/warnings.js'

export const TOOL_NAME = 'heroku-postgres-restore-drill'
export const TOOL_VERSION = '1.0.0'

/** Statement timeout on the source: exact counts of big tables take a while, but never forever. */
const SOURCE_STATEMENT_TIMEOUT_MS = 10 * 60_000
const RESTORED_STATEMENT_TIMEOUT_MS = 30 * 60_000

export interface DrillLog {
  info(line: string): void
  warning(line: string): void
  /** An error annotation (a mismatch). */
  error(line: string, title?: string): void
  startGroup(name: string): void
  endGroup(): void
}

export interface DrillDeps {
  config: DrillConfig
  /** Clients whose requests stop when the drill is aborted (deadline or cancel). */
  platform: PlatformApi
  data: DataApi
  /** Clients for the clean-up, which must still work after the deadline. */
  cleanupPlatform: PlatformApi
  ownership: Ownership
  secrets: SecretRegistry
  state: DrillState
  log: DrillLog
  /** Fires at the deadline (reason 'deadline') or on cancel (reason 'cancel'). */
  signal: AbortSignal
  /** Fires on cancel only: then main exits at once and the post step cleans up. */
  cancelSignal: AbortSignal
  deadline: Date
  runId: string
  runAttempt: string
  now?: () => Date
  openDb?: typeof openDatabase
}

/** The drill was cancelled (SIGINT/SIGTERM): main exits and leaves the clean-up to the post step. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'CancelledError'
  }
}

/** `restore-drill-<app-ish>-<runId>-<attempt>-<rand4>`: recognisable, globally unique, ≤ 60 chars. */
export function drillAddonName(app: string, runId: string, attempt: string, rand: string): string {
  const appish =
    app
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 20)
      .replace(/-+$/, '') || 'app'
  const run = runId.replace(/[^A-Za-z0-9]/g, '').slice(-12) || 'local'
  const att = attempt.replace(/[^0-9]/g, '').slice(0, 3) || '1'
  return `${DRILL_ADDON_PREFIX}${appish}-${run}-${att}-${rand}`
}

// Milliseconds kept: sub-second phases (verify, snapshot) are what a user compares between runs.
function seconds(fromMs: number, toMs: number): number {
  return Math.round(toMs - fromMs) / 1000
}

function planOnly(plan: string): string {
  return plan.replace(/^heroku-postgresql:/, '')
}

/** The last lines of a transfer log for an error line, without anything that could quote row values. */
function lastLogLines(logs: TransferLogLine[] | undefined, n = 3): string {
  const lines = logForReport(logs ?? [])
    .map((l) => l.message.replace(/\s+/g, ' ').trim())
    .filter((m) => m !== '')
  return lines.slice(-n).join(' | ')
}

async function endPool(pool: pg.Pool | undefined): Promise<void> {
  if (!pool) return
  await Promise.race([pool.end().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))])
}

interface Work {
  pre?: Preflight
  before?: SourceSnapshot
  after?: CountSnapshot
  /** The closing counts of a capture, taken while the restore starts; `after` once they are in. */
  afterSnapshot?: Promise<CountSnapshot>
  canary?: { id: string }
  created?: Addon
  backup?: Transfer
  backupFacts?: BackupFacts
  restoreTransfer?: Transfer
  restoreSeconds?: number
  restoreLogs: TransferLogLine[]
  verification?: Verification
  promote?: PromoteResult
  staleDestroyed: string[]
  /** Policy failures that do not stop the drill (max-restore-minutes). */
  failures: string[]
  warnings: string[]
  notes: string[]
  sourcePool?: pg.Pool
  restoredPool?: pg.Pool
}

export async function runDrill(deps: DrillDeps): Promise<DrillReport> {
  const { config, platform, data, state, log, ownership } = deps
  const now = deps.now ?? (() => new Date())
  const openDb = deps.openDb ?? openDatabase
  const startedAt = now()
  const timeline: PhaseRecord[] = []
  const timings: Timings = { drillSeconds: 0 }
  const work: Work = { restoreLogs: [], staleDestroyed: [], failures: [], warnings: [], notes: [] }
  const signal = deps.signal
  const say = (line: string): void => log.info(deps.secrets.redact(line))

  async function phase<T>(
    name: PhaseName,
    title: string,
    fn: () => Promise<T>,
    opts: { group?: boolean; detail?: string } = {}
  ): Promise<T> {
    const startMs = Date.now()
    const record: PhaseRecord = {
      phase: name,
      startedAt: new Date(startMs).toISOString(),
      seconds: 0,
      status: 'ok',
      ...(opts.detail ? { detail: opts.detail } : {})
    }
    timeline.push(record)
    if (opts.group !== false) log.startGroup(title)
    try {
      return await fn()
    } catch (err) {
      record.status = 'failed'
      record.detail = deps.secrets.redact((err as Error).message)
      throw err
    } finally {
      record.seconds = seconds(startMs, Date.now())
      const key = `${name}Seconds` as keyof Timings
      if (key !== 'drillSeconds') timings[key] = (timings[key] ?? 0) + record.seconds
      if (opts.group !== false) log.endGroup()
    }
  }

  async function waitTransfer(
    app: string,
    transfer: Transfer,
    what: string,
    sig: AbortSignal
  ): Promise<Transfer> {
    return waitFor(
      async () => {
        const t = await data.getTransfer(app, transfer.uuid)
        return t.finished_at ? t : undefined
      },
      { what, deadline: deps.deadline, signal: sig }
    )
  }

  // ---- phase 3a: capture (or the chosen backup) ----------------------------------------------
  async function captureFlow(sig: AbortSignal): Promise<void> {
    const pre = work.pre as Preflight
    if (pre.chosenBackup) {
      work.backup = pre.chosenBackup
      return
    }
    await phase(
      'capture',
      'Capture',
      async () => {
        say(`capturing a fresh backup of ${pre.source.addonName}`)
        const started = await data.captureBackup(pre.source.addonId, { app: pre.source.addonApp })
        say(`capture ${backupName(started)} started`)
        const done = await waitTransfer(
          pre.source.addonApp,
          started,
          `capture ${backupName(started)}`,
          sig
        )
        if (!done.succeeded) {
          const verbose = await data
            .getTransfer(pre.source.addonApp, done.uuid, { verbose: true })
            .catch(() => done)
          const tail = lastLogLines(verbose.logs)
          throw new DrillError(`capture ${backupName(done)} failed${tail ? ': ' + tail : ''}`)
        }
        work.backup = done
        say(`capture ${backupName(done)} finished (${done.processed_bytes} bytes)`)
      },
      { group: false }
    )
    // Phase 4: the closing counts, as soon as the capture is done. The restore does not wait for
    // them (they read production, the restore writes the new add-on): exact counts of a large
    // source would otherwise sit on the critical path. Maintenance goes off once they are read.
    work.afterSnapshot = phase(
      'snapshot',
      'Snapshot after',
      () =>
        countTables(work.sourcePool as pg.Pool, {
          parallelism: config.verifyConnections,
          pool: work.sourcePool
        }),
      { group: false, detail: 'counts after the capture' }
    ).finally(() => maintenanceOff())
    // Awaited before the verify; handled here so a failure while the restore runs is not unhandled.
    work.afterSnapshot.catch(() => undefined)
  }

  // ---- phase 3b: provision ---------------------------------------------------------------------
  async function provisionFlow(sig: AbortSignal): Promise<void> {
    const pre = work.pre as Preflight
    await phase(
      'provision',
      'Provision',
      async () => {
        const rand = randomBytes(2).toString('hex')
        const name = drillAddonName(config.app, deps.runId, deps.runAttempt, rand)
        const plan = config.plan === 'same' ? planOnly(pre.source.plan) : planOnly(config.plan)
        if (!plan)
          throw new DrillError(`the plan of ${pre.source.addonName} is unknown: set the plan input`)
        // Saved before the request, so post can find it by name if main dies while it is in flight.
        state.update({ created: { name, app: config.app } })
        say(`creating add-on ${name} (heroku-postgresql:${plan}) as ${DRILL_ATTACHMENT_NAME}`)
        const created = await platform
          .createAddon(config.app, { plan, name, attachmentName: DRILL_ATTACHMENT_NAME })
          .catch((err: unknown) => {
            // A definite refusal (4xx) created nothing: nothing for the clean-up to look for.
            if (err instanceof HerokuApiError && !err.ambiguous && err.status >= 400) {
              state.update({ created: undefined })
            }
            throw err
          })
        state.update({ created: { id: created.id, name: created.name, app: config.app } })
        work.created = created
        say(`created add-on ${created.name} (${created.state})`)
        let notFound = 0
        const ready = await waitFor(
          async () => {
            const addon = await platform.getAddon(config.app, created.id)
            if (!addon) {
              // A just-created add-on may lag in the API for a moment; one that stays away failed.
              if (++notFound > 10) {
                throw new DrillError(`add-on ${created.name} disappeared while provisioning`)
              }
              return undefined
            }
            if (addon.state === 'deprovisioned' || addon.state === 'deprovisioning') {
              throw new DrillError(
                `add-on ${created.name} could not be provisioned (state ${addon.state})`
              )
            }
            return addon.state === 'provisioning' ? undefined : addon
          },
          { what: `add-on ${created.name} to be provisioned`, deadline: deps.deadline, signal: sig }
        )
        work.created = { ...created, ...ready }
        await waitFor(
          async () => {
            const status = await data.waitStatus(created.id)
            if (!status) return undefined
            if (status['error?']) {
              throw new DrillError(
                `add-on ${created.name} failed to become available: ${status.message}`
              )
            }
            return status['waiting?'] ? undefined : true
          },
          { what: `database ${created.name} to be available`, deadline: deps.deadline, signal: sig }
        )
        say(`add-on ${created.name} is available`)
      },
      { group: false }
    )
  }

  async function maintenanceOn(): Promise<void> {
    const pre = work.pre as Preflight
    if (!config.maintenance || config.backup.mode !== 'capture') return
    const app = await platform.getApp(config.app)
    if (app.maintenance) {
      work.notes.push('Maintenance mode was already on; the drill left it as it was.')
      return
    }
    state.update({ maintenanceOn: true })
    await platform.setMaintenance(pre.app.name, true)
    say('maintenance mode on for the capture window')
  }

  async function maintenanceOff(): Promise<void> {
    if (!state.value.maintenanceOn) return
    await deps.cleanupPlatform.setMaintenance(config.app, false)
    state.update({ maintenanceOn: false })
    say('maintenance mode off')
  }

  let caught: unknown
  try {
    await abortable(
      (async () => {
        // ---- 1. preflight ----
        work.pre = await phase('preflight', 'Preflight', async () => {
          const pre = await preflight({ config, platform, data, now, log: say })
          for (const w of pre.warnings) {
            log.warning(w)
            work.warnings.push(w)
          }
          work.notes.push(...pre.notes)
          ownership.recordOriginal({ id: pre.source.addonId, name: pre.source.addonName })
          state.update({ original: { id: pre.source.addonId, name: pre.source.addonName } })
          for (const stale of pre.stale) {
            ownership.recordStale({ ...stale, created_at: stale.created_at }, now())
            say(
              `destroying stale add-on ${stale.name} of an earlier run (created ${stale.created_at})`
            )
            await platform.deleteAddon(config.app, stale.id)
            work.staleDestroyed.push(stale.name)
          }
          return pre
        })
        const pre = work.pre

        // ---- 2. source snapshot ∥ provision, then 3. capture (4. after-snapshot in the capture flow) ----
        // Provisioning needs nothing from the source, so it runs alongside the snapshot: on a large
        // database the exact counts then cost no time unless they outlast the provisioning.
        const snapshotThenCapture = async (sig: AbortSignal): Promise<void> => {
          if (sig.aborted) throw new AbortError()
          await phase(
            'snapshot',
            'Source snapshot',
            async () => {
              work.sourcePool = openDb(pre.sourceUrl, {
                role: 'source',
                maxConnections: config.verifyConnections,
                statementTimeoutMs: SOURCE_STATEMENT_TIMEOUT_MS
              })
              await maintenanceOn()
              if (config.canary) {
                const canary = await writeCanary(work.sourcePool)
                work.canary = canary
                say(`canary ${canary.id} written to the source`)
              }
              work.before = await snapshotSource(work.sourcePool, {
                parallelism: config.verifyConnections
              })
              say(
                `source: ${work.before.counts.tables.length} tables, ${work.before.counts.tables
                  .reduce((n, t) => n + t.rows, 0)
                  .toLocaleString('en-US')} rows, ${work.before.schema.length} schema objects`
              )
            },
            {
              group: false,
              detail: pre.chosenBackup ? 'schema, counts and write counters' : 'before the capture'
            }
          )
          // Provisioning failed while the snapshot ran: no capture (a write) for a drill that stops.
          if (sig.aborted) throw new AbortError()
          await captureFlow(sig)
        }
        log.startGroup(
          pre.chosenBackup ? 'Snapshot and provision' : 'Snapshot, capture and provision'
        )
        try {
          const local = new AbortController()
          const sig = AbortSignal.any([signal, local.signal])
          const results = await Promise.allSettled([
            snapshotThenCapture(sig).catch((e: unknown) => {
              local.abort()
              throw e
            }),
            provisionFlow(sig).catch((e: unknown) => {
              local.abort()
              throw e
            })
          ])
          const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
          if (failed.length > 0) {
            // The first real error, not the abort it caused in the other flow.
            const real = failed.find((r) => !(r.reason instanceof AbortError)) ?? failed[0]
            throw real.reason
          }
        } finally {
          log.endGroup()
        }
        const backup = work.backup as Transfer
        const created = work.created as Addon
        const id = backupName(backup)
        work.backupFacts = {
          id,
          choice: config.backup.mode,
          transferId: backup.uuid,
          sizeBytes: backup.processed_bytes ?? null,
          capturedAt: backup.finished_at,
          ageSeconds: backup.finished_at
            ? Math.max(0, Math.round((now().getTime() - Date.parse(backup.finished_at)) / 1000))
            : null,
          sourceDatabase: pre.source.addonName
        }
        if (config.backup.mode === 'capture') {
          work.notes.push(
            `The captured backup ${id} is kept (it is a good fresh backup). Manual backups rotate: this capture may have pushed out the oldest manual backup.`
          )
        }

        // ---- 5. restore (the source's content hashes are computed meanwhile) ----
        const verifyOptions: VerifyOptions = {
          backupMode: config.backup.mode,
          checksumTables:
            config.checksumTables.length === 0 &&
            config.maintenance &&
            config.backup.mode === 'capture'
              ? ['*']
              : config.checksumTables,
          checks: config.checks,
          restoreWarnings: config.restoreWarnings,
          canary: work.canary,
          parallelism: config.verifyConnections
        }
        let sourceChecksums: Promise<SourceHashes> | undefined
        if (verifyOptions.checksumTables.length > 0) {
          sourceChecksums = hashSourceTables(
            work.sourcePool as pg.Pool,
            work.before as SourceSnapshot,
            verifyOptions
          )
          // Handled here so a restore failure does not leave an unhandled rejection behind.
          sourceChecksums.catch(() => undefined)
        }
        await phase('restore', 'Restore', async () => {
          const backupUrl = await data.backupUrl(pre.source.addonApp, backup)
          const extensions = (work.before as SourceSnapshot).extensions.filter(
            (e) => e !== 'plpgsql'
          )
          say(
            `restoring ${id} onto ${created.name}${extensions.length ? ` (extensions: ${extensions.join(', ')})` : ''}`
          )
          const startMs = Date.now()
          const started = await data.restoreBackup(created.id, { backupUrl, extensions })
          const done = await waitTransfer(
            config.app,
            started,
            `restore of ${id} onto ${created.name}`,
            signal
          )
          const endMs = Date.now()
          const serverSeconds =
            done.finished_at && (done.created_at || done.started_at)
              ? seconds(
                  Date.parse(done.started_at ?? done.created_at),
                  Date.parse(done.finished_at)
                )
              : NaN
          work.restoreSeconds =
            Number.isFinite(serverSeconds) && serverSeconds >= 0
              ? serverSeconds
              : seconds(startMs, endMs)
          work.restoreTransfer = done
          const verbose = await data
            .getTransfer(config.app, done.uuid, { verbose: true })
            .catch((e: Error) => {
              log.warning(`could not read the restore logs: ${e.message}`)
              return done
            })
          work.restoreLogs = (verbose.logs ?? []).map((l) => ({
            created_at: l.created_at,
            level: l.level,
            message: deps.secrets.redact(l.message)
          }))
          if (!done.succeeded) {
            const tail = lastLogLines(work.restoreLogs)
            throw new DrillError(
              `restore of ${id} onto ${created.name} failed${tail ? ': ' + tail : ''}`
            )
          }
          say(
            `restore finished in ${work.restoreSeconds} s${done.warnings ? ` with ${done.warnings} warnings` : ''}`
          )
          if (
            config.maxRestoreMinutes !== null &&
            work.restoreSeconds > config.maxRestoreMinutes * 60
          ) {
            work.failures.push(
              `restore took ${formatAge(work.restoreSeconds)}, longer than max-restore-minutes ${config.maxRestoreMinutes}`
            )
          }
        })

        // ---- 6. verify ----
        if (work.afterSnapshot) work.after = await work.afterSnapshot
        work.verification = await phase('verify', 'Verify', async () => {
          if (!work.after) {
            // latest / ID: the source moved on since the backup; read its counts now.
            work.after = await countTables(work.sourcePool as pg.Pool, {
              parallelism: config.verifyConnections,
              pool: work.sourcePool
            })
          }
          const vars = await platform.getConfigVars(config.app)
          const varName =
            (work.created?.config_vars ?? []).find((v) => vars[v]) ?? `${DRILL_ATTACHMENT_NAME}_URL`
          const restoredUrl = vars[varName]
          if (!restoredUrl)
            throw new DrillError(`config var ${varName} of the restored add-on is not set`)
          work.restoredPool = openDb(restoredUrl, {
            role: 'restored',
            maxConnections: config.verifyConnections,
            statementTimeoutMs: RESTORED_STATEMENT_TIMEOUT_MS
          })
          const verification = await verifyRestore({
            source: work.sourcePool as pg.Pool,
            restored: work.restoredPool,
            before: work.before as SourceSnapshot,
            after: work.after,
            restoreLogs: work.restoreLogs,
            options: verifyOptions,
            ...(sourceChecksums ? { sourceChecksums } : {})
          })
          say(
            `verification ${verification.passed ? 'passed' : 'failed'}: ${verification.tablesChecked} tables, ` +
              `${verification.rowsChecked.toLocaleString('en-US')} rows, ` +
              `${verification.findings.filter((f) => f.severity === 'mismatch').length} mismatches`
          )
          return verification
        })

        // ---- 7. promote drill ----
        if (config.promote) {
          if (!work.verification.passed || work.failures.length > 0) {
            work.notes.push('The promote drill was skipped: the restore did not pass verification.')
          } else {
            work.promote = await phase('promote', 'Promote drill', async () => {
              const r = await runPromoteDrill(
                {
                  app: config.app,
                  platform,
                  ownership,
                  state,
                  signal,
                  deadline: deps.deadline,
                  log: say,
                  openRestored: (url) =>
                    openDb(url, {
                      role: 'restored',
                      maxConnections: 1,
                      statementTimeoutMs: RESTORED_STATEMENT_TIMEOUT_MS
                    })
                },
                { id: created.id, name: created.name },
                { id: pre.source.addonId, name: pre.source.addonName },
                config.checks
              )
              work.promote = r
              work.notes.push(
                'Maintenance mode stops web traffic only: worker and scheduler dynos kept running during the promote drill and may have written to the promoted database.'
              )
              for (const check of r.checks.filter((c) => c.status === 'failed')) {
                work.failures.push(`check ${check.title} failed: ${check.detail}`)
              }
              if (r.problem) throw new DrillError(`promote drill: ${r.problem}`)
              return r
            })
          }
        }
      })(),
      signal
    )
  } catch (err) {
    caught = err
  }

  // Cancelled: exit at once; the post step cleans up from the saved state.
  if (deps.cancelSignal.aborted) throw new CancelledError()

  // ---- 9. clean up (before the report, so the report says what was destroyed) ----
  await Promise.all([endPool(work.sourcePool), endPool(work.restoredPool)])
  state.update({ keep: config.keepDatabase && caught === undefined && work.created !== undefined })
  let cleanup: CleanupResult = {
    destroyed: [],
    kept: null,
    problems: [],
    promotedBack: false,
    maintenanceOff: false
  }
  try {
    cleanup = await phase('cleanup', 'Clean up', () =>
      cleanUp(
        { platform: deps.cleanupPlatform, ownership, state, log: say, signal: deps.cancelSignal },
        DRILL_ATTACHMENT_NAME
      )
    )
  } catch (err) {
    if (deps.cancelSignal.aborted) throw new CancelledError()
    cleanup.problems.push((err as Error).message)
  }
  if (deps.cancelSignal.aborted) throw new CancelledError()
  for (const p of cleanup.problems) log.error(deps.secrets.redact(p), 'Clean-up')

  // ---- outcome ----
  const judged = judgeOutcome({
    error:
      caught === undefined
        ? undefined
        : {
            message: describeError(caught, deps, signal),
            outcome: caught instanceof DrillError ? caught.outcome : 'error'
          },
    backupId: work.backupFacts?.id,
    restoreSeconds: work.restoreSeconds ?? 0,
    verification: work.verification,
    failures: work.failures,
    cleanupProblems: cleanup.problems
  })
  const { outcome, errorLine } = judged
  const verdict = deps.secrets.redact(judged.verdict)

  const finishedAt = now()
  timings.drillSeconds = seconds(startedAt.getTime(), finishedAt.getTime())
  const pre = work.pre
  const created = work.created
  const report: DrillReport = {
    version: REPORT_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    app: config.app,
    outcome,
    verdict,
    ...(errorLine ? { error: deps.secrets.redact(errorLine) } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    settings: settingsOf(config),
    source: {
      addonName: pre?.source.addonName ?? '',
      attachment: pre?.source.attachment ?? config.database,
      plan: pre?.source.plan ?? '',
      databaseBytes: work.before?.databaseBytes ?? pre?.databaseBytes ?? null,
      ...(pre?.postgresVersion ? { postgresVersion: String(pre.postgresVersion) } : {})
    },
    backups: pre?.scheduleFacts ?? {
      scheduled: false,
      schedule: null,
      newestBackup: null,
      recentBackups: []
    },
    backup: work.backupFacts ?? null,
    restore: created
      ? {
          addonName: created.name,
          attachment: DRILL_ATTACHMENT_NAME,
          plan: created.plan?.name ?? '',
          ...(work.restoreTransfer ? { transferId: work.restoreTransfer.uuid } : {}),
          seconds: work.restoreSeconds ?? null,
          // Restored data never leaves the database: log lines that could quote rows are trimmed.
          logs: logForReport(work.restoreLogs)
        }
      : null,
    verification: work.verification ?? null,
    promote: work.promote
      ? {
          promoted: work.promote.promoted,
          promotedBack: work.promote.promotedBack,
          finalDatabaseAddon: work.promote.finalDatabaseAddon,
          maintenanceOff: work.promote.maintenanceOff
        }
      : null,
    timings,
    timeline,
    cleanup: {
      destroyed: cleanup.destroyed,
      staleDestroyed: work.staleDestroyed,
      kept: cleanup.kept,
      problems: cleanup.problems.map((p) => deps.secrets.redact(p))
    },
    notes: [...work.warnings, ...work.notes, ...work.failures].map((n) => deps.secrets.redact(n)),
    runbook: { restoreSeconds: work.restoreSeconds ?? null, commands: [] }
  }
  report.runbook.commands = runbookCommands(report)
  if (work.promote) {
    // Checks run through DATABASE_URL during the promote drill join the verification table.
    report.verification?.checks.push(...work.promote.checks)
  }
  return report
}

function describeError(err: unknown, deps: DrillDeps, signal: AbortSignal): string {
  if (signal.aborted && signal.reason === 'deadline') {
    return `the drill did not finish within timeout-minutes ${deps.config.timeoutMinutes}; everything it created was cleaned up`
  }
  if (err instanceof WaitTimeoutError) return deps.secrets.redact(err.message)
  const message = err instanceof Error ? err.message : String(err)
  return deps.secrets.redact(message.split('\n')[0])
}
