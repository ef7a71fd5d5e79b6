// Production keeps writing during the drill: a writer inserts and deletes rows in the source the
// whole time. The drill must pass (no false alarm) and a missing row must still be caught when the
// database is quiet (the damage tests). With maintenance: true the capture window is closed to web
// traffic: maintenance goes on before the snapshot and off right after the capture, once each.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import pg from 'pg'
import { chinookApp, drill, report, startE2E, transcript, writesOf, type E2E } from './helpers.js'

let e2e: E2E
beforeAll(async () => {
  e2e = await startE2E({ captureDelaySeconds: 2, restoreDelaySeconds: 1 })
})
afterAll(async () => {
  await e2e?.close()
})

/** Inserts (and now and then deletes) rows of public.genre until stopped; returns the counts. */
function startWriter(url: string): { stop(): Promise<{ inserted: number; deleted: number }> } {
  const client = new pg.Client({ connectionString: url })
  let running = true
  let inserted = 0
  let deleted = 0
  const loop = (async () => {
    await client.connect()
    while (running) {
      await client.query(`insert into genre (name) values ('live ' || clock_timestamp())`)
      inserted++
      if (inserted % 5 === 0) {
        const r = await client.query(
          `delete from genre where genre_id = (select max(genre_id) from genre where name like 'live %')`
        )
        deleted += r.rowCount ?? 0
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    await client.end()
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return { inserted, deleted }
    }
  }
}

describe('a busy source', () => {
  test('writes during the capture: the drill passes, counts within bounds', async () => {
    const app = await chinookApp(e2e, 'busy')
    const writer = startWriter(app.databaseUrl)
    let run
    try {
      run = await drill(e2e, app)
    } finally {
      const w = await writer.stop()
      expect(w.inserted).toBeGreaterThan(20)
    }
    expect({
      outcome: run.outputs.outcome,
      log: run.outputs.outcome === 'passed' ? '' : transcript(run)
    }).toEqual({
      outcome: 'passed',
      log: ''
    })
    const genre = (report(run).verification.tables as { table: string; status: string }[]).find(
      (t) => t.table === 'public.genre'
    )
    expect(['match', 'within-bounds']).toContain(genre?.status)
  }, 120_000)

  test('maintenance: on for the capture window only, every table checksummed', async () => {
    const app = await chinookApp(e2e, 'maint')
    const start = e2e.sim.audit().length
    const run = await drill(e2e, app, { maintenance: 'true' })
    expect(run.outputs.outcome).toBe('passed')
    const patches = writesOf(e2e.sim.audit(), start).filter((w) => w.method === 'PATCH')
    expect(patches.map((w) => (w.body as { maintenance: boolean }).maintenance)).toEqual([
      true,
      false
    ])
    const tables = report(run).verification.tables as { checksum?: { match: boolean } }[]
    expect(tables.length).toBe(11)
    expect(tables.every((t) => t.checksum?.match === true)).toBe(true)
  }, 120_000)
})
