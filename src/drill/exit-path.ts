// target-url (an exit drill): the backup restored outside Heroku, on a server the team names. No
// Heroku app or add-on is created; the source window and the capture are the backup path's own.
//
//   (preflight checked the target server and the runner's pg_restore: steps/target-check.ts)
//   the source window opened, then the capture (or the chosen backup)
//   → download ∥ closing counts of the source, then the client checked against the dump,
//     the drill's database created, pg_restore into it
import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import { both } from '../concurrency.js'
import { DrillError } from '../errors.js'
import { backupName, type Transfer } from '../heroku/types.js'
import { formatBytes, formatDuration } from '../format.js'
import { clientTooOld, dumpedByOf } from '../rules/dump-version.js'
import { exitDatabaseName } from '../safety.js'
import type { RestoreResult } from '../steps/restore.js'
import { downloadBackup, runnerTemp, type Downloaded } from '../target/download.js'
import { clientVersionOf, type TargetChecked } from '../steps/target-check.js'
import { listDump, restoreDump } from '../target/pg-restore.js'
import type { TargetServer } from '../target/server.js'
import { hashSource, snapshotAndCapture } from './backup-path.js'
import { verifyOptionsFor, type CopyMade, type PathContext, type RecoveryPath } from './path.js'

export const exitPath: RecoveryPath = {
  handles: (pre) => pre.recovery === null && pre.exitTarget === true,
  makeCopy: restoreOutsideHeroku
}

async function restoreOutsideHeroku(ctx: PathContext): Promise<CopyMade> {
  const { rt, timeline, pre, source } = ctx
  const target = rt.target
  // Checked in preflight, before any write to production: it answers and may create a database.
  if (!target || !pre.target) throw new DrillError('target-url is set but no target was checked')
  const checked = pre.target
  rt.log.startGroup(pre.chosenBackup ? 'Snapshot' : 'Snapshot and capture')
  // Nothing is provisioned: the capture need not wait for an add-on.
  const captured = await snapshotAndCapture(ctx, rt.signal, Promise.resolve()).finally(() =>
    rt.log.endGroup()
  )
  const options = await verifyOptionsFor(rt, captured.canary)
  const sourceHashes = hashSource(source, captured.before, options)
  const [restored, after] = await both(
    rt.signal,
    async (signal) => {
      const file = await timeline.phase('download', 'Download the backup', () =>
        downloadStep(ctx, captured.backup, signal)
      )
      try {
        return await timeline.phase('restore', 'Restore on the target', () =>
          restoreStep(ctx, target, checked, file, signal)
        )
      } finally {
        await file.remove()
        rt.state.update({ exitDownload: { dir: dirname(file.path), removed: true } })
      }
    },
    () => captured.closingCounts
  )
  ctx.record({ restore: restored.restore })
  return {
    restoredUrl: restored.url,
    restore: restored.restore,
    before: captured.before,
    after,
    options,
    ...(sourceHashes ? { sourceHashes } : {})
  }
}

async function downloadStep(
  ctx: PathContext,
  backup: Transfer,
  signal: AbortSignal
): Promise<Downloaded> {
  const { rt, pre } = ctx
  const url = await rt.data.backupUrl(pre.source.addonApp, backup)
  // The signed URL opens the backup to anyone who has it.
  rt.secrets.addUrl(url)
  rt.log.info(`downloading ${backupName(backup)} to the runner`)
  const file = await downloadBackup(url, {
    tempDir: runnerTemp(),
    log: (line) => rt.log.info(line),
    signal,
    onFolder: (dir) => rt.state.update({ exitDownload: { dir } })
  })
  rt.log.info(`downloaded ${formatBytes(file.bytes)} in ${formatDuration(file.seconds)}`)
  return file
}

async function restoreStep(
  ctx: PathContext,
  target: TargetServer,
  checked: TargetChecked,
  file: Downloaded,
  signal: AbortSignal
): Promise<{ url: string; restore: RestoreResult }> {
  const { rt, pre, record } = ctx
  const { info, client } = checked
  const { bin, major: clientMajor } = client
  // The client is checked against the pg_dump that made the dump before anything is created.
  const listing = await listDump(bin, file.path)
  const tooOld = clientTooOld(clientMajor, listing ? dumpedByOf(listing) : null, pre.sourceMajor)
  if (tooOld) throw new DrillError(tooOld)
  if (listing === null) throw new DrillError(`${bin} could not read the backup file`)
  const database = exitDatabaseName(rt.runId, rt.runAttempt, randomBytes(3).toString('hex'))
  record({
    exitTarget: {
      host: info.host,
      serverVersion: info.serverVersion,
      database,
      client: clientVersionOf(client.text),
      downloadBytes: file.bytes,
      downloadSeconds: file.seconds
    }
  })
  // Saved before the create: a killed main's post step drops it.
  rt.state.update({ exitDatabase: { name: database } })
  await target.createDatabase(database).catch((err: Error) => {
    if (/already exists/.test(err.message))
      rt.state.update({ exitDatabase: { name: database, existed: true } })
    throw err
  })
  const url = target.urlOf(database)
  rt.secrets.addUrl(url)
  const jobs = rt.config.verifyConnections || 2
  rt.log.info(`pg_restore -j ${jobs} into database ${database} on ${info.host}`)
  const ran = await restoreDump(bin, file.path, { url, clientMajor, jobs }, signal)
  const logs = ran.logs.map((l) => ({ ...l, message: rt.secrets.redact(l.message) }))
  if (ran.failed) {
    const last = logs.at(-1)?.message ?? 'no message'
    throw new DrillError(`pg_restore into ${database} on ${info.host} failed: ${last}`)
  }
  rt.log.info(`restore finished in ${formatDuration(ran.seconds)} on ${info.host}`)
  const damage = rt.testOnly?.damageTargetTable
  if (damage) await target.damageForTest(database, damage)
  return { url, restore: { seconds: ran.seconds, logs } }
}
