// Provisioning starts with the source snapshot, not after it: a snapshot held up by a lock on a
// source table (as a long count of a big table would be) costs no time while the add-on
// provisions, and when provisioning fails meanwhile no backup is captured for a drill that stops.
// The restore starts as soon as the capture is done, without waiting for the closing counts.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import pg from 'pg'
import type { SimApp } from '../../sim/server.js'
import type { PhaseRecord } from '../../src/report/model.js'
import {
  addonsOf,
  armFault,
  chinookApp,
  disarmFaults,
  drill,
  report,
  startE2E,
  writesOf,
  type E2E
} from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E({ provisionDelaySeconds: 1 })
})
afterAll(async () => {
  await e2e?.close()
})

/**
 * Holds an ACCESS EXCLUSIVE lock on the source's track table (its count(*) waits) until `done`
 * says so, or `maxMs` at most: a condition, not a fixed time, so a busy machine cannot release
 * the lock before the drill got there.
 */
async function lockTrackUntil(
  app: SimApp,
  done: () => Promise<boolean>,
  maxMs = 30_000
): Promise<{ released: Promise<void> }> {
  const client = new pg.Client({ connectionString: app.databaseUrl })
  await client.connect()
  await client.query('BEGIN; LOCK TABLE track IN ACCESS EXCLUSIVE MODE')
  const until = Date.now() + maxMs
  // Wrapped: an async function returning a bare promise would wait for it.
  const released = (async () => {
    while (Date.now() < until && !(await done())) await new Promise((r) => setTimeout(r, 100))
    await client.query('COMMIT')
    await client.end()
  })()
  return { released }
}

/** The drill's add-on on `app`, if it has one now. */
async function drillAddon(app: SimApp): Promise<{ state: string } | undefined> {
  return (await addonsOf(e2e, app.name)).find((a) => a.name.startsWith('restore-drill-'))
}

const phaseEnd = (p: PhaseRecord) => Date.parse(p.startedAt) + p.seconds * 1000

test('the add-on provisions while a slow source snapshot runs', async () => {
  const app = await chinookApp(e2e, 'overlap')
  // Released half a second after the add-on is provisioned: the snapshot outlasts provisioning.
  let provisionedAt = 0
  const { released } = await lockTrackUntil(app, async () => {
    if (!provisionedAt && (await drillAddon(app))?.state === 'provisioned')
      provisionedAt = Date.now()
    return provisionedAt > 0 && Date.now() - provisionedAt > 500
  })
  const run = await drill(e2e, app)
  await released
  expect(run.outputs.outcome).toBe('passed')
  const timeline = report(run).timeline as PhaseRecord[]
  const snapshot = timeline.find((p) => p.phase === 'snapshot')!
  const provision = timeline.find((p) => p.phase === 'provision')!
  expect(snapshot.seconds).toBeGreaterThanOrEqual(1)
  // Provisioning (1 s) was over before the held-up snapshot was.
  expect(phaseEnd(provision)).toBeLessThan(phaseEnd(snapshot))
}, 120_000)

test('provisioning fails during the snapshot: no backup is captured, nothing is left', async () => {
  const app = await chinookApp(e2e, 'overlap-fail')
  await armFault(e2e, { kind: 'provision-fail' })
  const start = e2e.sim.audit().length
  try {
    // Released once the failed add-on is gone: provisioning failed while the snapshot waited.
    let seen = false
    const { released } = await lockTrackUntil(app, async () => {
      const addon = await drillAddon(app)
      seen ||= addon !== undefined
      return seen && (addon === undefined || addon.state !== 'provisioning')
    })
    const run = await drill(e2e, app)
    await released
    expect(run.outputs.outcome).toBe('error')
    expect(report(run).error).toMatch(/provision/i)
    const captures = writesOf(e2e.sim.audit(), start).filter((w) => /\/backups$/.test(w.path))
    expect(captures).toEqual([])
    expect((await addonsOf(e2e, app.name)).map((a) => a.id)).toEqual([app.addonId])
  } finally {
    await disarmFaults(e2e)
  }
}, 120_000)

test('the restore starts as soon as the capture ends, while the closing counts are read', async () => {
  const app = await chinookApp(e2e, 'overlap-after')
  // The capture (2 s) outlasts provisioning (1 s), so the restore waits only for the capture.
  await armFault(e2e, { kind: 'transfer-slow', transfer: 'capture', seconds: 2 })
  try {
    const run = await drill(e2e, app)
    expect(run.outputs.outcome).toBe('passed')
    const timeline = report(run).timeline as PhaseRecord[]
    const after = timeline.find(
      (p) => p.phase === 'snapshot' && p.detail === 'counts after the capture'
    )!
    const restore = timeline.find((p) => p.phase === 'restore')!
    expect(Date.parse(restore.startedAt)).toBeLessThan(phaseEnd(after))
  } finally {
    await disarmFaults(e2e)
  }
}, 120_000)
