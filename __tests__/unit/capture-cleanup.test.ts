/**
 * Issue 25 #4: the drill's capture at clean-up. A capture still running is cancelled before it is
 * deleted (Heroku refuses to delete a running transfer); a capture whose request got no answer is
 * found from the mark saved before the request; two candidates are never guessed between.
 */
import { describe, expect, test } from '@jest/globals'
import { settleCapture, type CaptureCleanupDeps } from '../../src/steps/capture-cleanup.js'
import type { Transfer } from '../../src/heroku/types.js'
import { Ownership } from '../../src/safety.js'
import { DrillState, type SavedState } from '../../src/state.js'

const T0 = Date.parse('2026-12-05T10:00:00Z')

function capture(num: number, running: boolean, createdMs = T0 + 1000): Transfer {
  const at = new Date(createdMs).toISOString()
  return {
    uuid: `u-${num}`,
    num,
    from_type: 'pg_dump',
    to_type: 'gof3r',
    from_name: 'DATABASE',
    to_name: 'BACKUP',
    schedule: null,
    source_bytes: null,
    processed_bytes: 0,
    succeeded: running ? null : true,
    warnings: 0,
    created_at: at,
    started_at: at,
    finished_at: running ? null : at,
    canceled_at: null
  }
}

/** A data API over a list of transfers: cancel stops one, delete refuses a running one (409). */
function setup(saved: Partial<SavedState>, transfers: Transfer[]) {
  const calls: string[] = []
  const byId = (id: string) => transfers.find((t) => t.uuid === id || String(t.num) === id)!
  const data: CaptureCleanupDeps['data'] = {
    listTransfers: async () => transfers,
    getTransfer: async (_app, id) => byId(id),
    cancelTransfer: async (_app, uuid) => {
      calls.push(`cancel ${uuid}`)
      const t = byId(uuid)
      Object.assign(t, { canceled_at: 'now', finished_at: 'now', succeeded: false })
    },
    deleteBackup: async (_app, num) => {
      if (!byId(String(num)).finished_at) throw new Error('409 conflict: still running')
      calls.push(`delete ${num}`)
      return 'deleted'
    }
  }
  const state = new DrillState({ saveState: () => {} }, 'shop')
  state.update(saved)
  const deps: CaptureCleanupDeps = {
    data,
    ownership: new Ownership(),
    state,
    log: () => {},
    pollMs: 1
  }
  return { deps, calls, state }
}

describe('settleCapture', () => {
  test('a capture still running is cancelled, then deleted', async () => {
    const s = setup({ capture: { app: 'shop', num: 7, name: 'b007', uuid: 'u-7' } }, [
      capture(7, true)
    ])
    const done = await settleCapture(s.deps)
    expect(s.calls).toEqual(['cancel u-7', 'delete 7'])
    expect(done).toEqual({ cancelled: 'b007', deleted: 'b007', problem: null })
  })

  test('killed before the capture request was answered: found from the saved mark, cancelled and deleted', async () => {
    const s = setup({ captureRequest: { app: 'shop', afterNum: 6, sinceMs: T0 } }, [
      capture(5, false, T0 - 86_400_000),
      capture(6, false, T0 - 3_600_000),
      capture(7, true)
    ])
    const done = await settleCapture(s.deps)
    expect(s.calls).toEqual(['cancel u-7', 'delete 7'])
    expect(done.deleted).toBe('b007')
    expect(s.state.value.capture?.num).toBe(7)
  })

  test('two captures started when the drill asked for one: neither is touched, and the problem says so', async () => {
    const s = setup({ captureRequest: { app: 'shop', afterNum: 6, sinceMs: T0 } }, [
      capture(7, true),
      capture(8, true)
    ])
    const done = await settleCapture(s.deps)
    expect(s.calls).toEqual([])
    expect(done.problem).toMatch(/2 manual captures started .*b007, b008.*none was touched/)
  })

  test('keep-backup keeps a finished capture, but a cancelled one is no backup and is deleted', async () => {
    const kept = setup(
      { keepBackup: true, capture: { app: 'shop', num: 7, name: 'b007', uuid: 'u-7' } },
      [capture(7, false)]
    )
    expect((await settleCapture(kept.deps)).deleted).toBeNull()
    expect(kept.calls).toEqual([])
    const running = setup(
      { keepBackup: true, capture: { app: 'shop', num: 7, name: 'b007', uuid: 'u-7' } },
      [capture(7, true)]
    )
    await settleCapture(running.deps)
    expect(running.calls).toEqual(['cancel u-7', 'delete 7'])
  })
})
