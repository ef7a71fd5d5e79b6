import { describe, expect, it } from '@jest/globals'
import {
  pollIntervalMs,
  progressLine,
  stillWaiting,
  waitFor,
  type WaitOptions
} from '../../../src/heroku/wait.js'
import { fakeClock } from '../../fakes/fake-server.js'

describe('pollIntervalMs', () => {
  it('is 15% of the time waited, at least 1 s, at most a minute (or the maximum given)', () => {
    expect(pollIntervalMs(0)).toBe(1000)
    expect(pollIntervalMs(6_000)).toBe(1000)
    expect(pollIntervalMs(20_000)).toBe(3000)
    expect(pollIntervalMs(600_000)).toBe(60_000)
    expect(pollIntervalMs(7_200_000)).toBe(60_000)
    expect(pollIntervalMs(600_000, 1000, 30_000)).toBe(30_000)
  })
})

describe('waitFor', () => {
  it('polls until the probe returns a value, with waits growing with time already waited', async () => {
    const clock = fakeClock()
    const start = clock.nowMs
    const result = await waitFor(
      async () => (clock.nowMs - start >= 90_000 ? 'ready' : undefined),
      {
        what: 'the add-on',
        deadline: new Date(start + 600_000),
        sleep: clock.sleep,
        now: clock.now
      }
    )
    expect(result).toBe('ready')
    expect(clock.sleeps[0]).toBe(1000)
    expect(Math.min(...clock.sleeps)).toBeGreaterThanOrEqual(1000)
    let elapsed = 0
    for (const s of clock.sleeps) {
      // Latency never exceeds 15% of the time already waited (or the 1 s floor).
      expect(s).toBeLessThanOrEqual(Math.max(1000, elapsed * 0.15 + 1))
      elapsed += s
    }
    expect(clock.sleeps.length).toBeLessThan(30) // 90 s in far fewer than 90 one-second polls
  })

  it('gives up at the deadline with a message naming what it waited for', async () => {
    const clock = fakeClock()
    let probes = 0
    await expect(
      waitFor(
        async () => {
          probes++
          return undefined
        },
        {
          what: 'restore r003 to finish',
          deadline: new Date(clock.nowMs + 30_000),
          sleep: clock.sleep,
          now: clock.now
        }
      )
    ).rejects.toThrow('timed out after 30s waiting for restore r003 to finish')
    expect(clock.nowMs - Date.parse('2026-11-25T06:00:00Z')).toBe(30_000) // never slept past the deadline
    expect(probes).toBeGreaterThan(2)
  })

  it('stops at once when cancelled during a sleep', async () => {
    const controller = new AbortController()
    const started = Date.now()
    const waiting = waitFor(async () => undefined, {
      what: 'provisioning',
      deadline: new Date(Date.now() + 600_000),
      minIntervalMs: 60_000,
      maxIntervalMs: 60_000,
      signal: controller.signal
    })
    setTimeout(() => controller.abort(), 20)
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('stops at once when cancelled while a probe is still running', async () => {
    const controller = new AbortController()
    const waiting = waitFor(() => new Promise<string | undefined>(() => {}), {
      what: 'a slow probe',
      deadline: new Date(Date.now() + 600_000),
      signal: controller.signal
    })
    setTimeout(() => controller.abort(), 20)
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('lets errors from the probe through', async () => {
    const clock = fakeClock()
    await expect(
      waitFor(
        async () => {
          throw new Error('provisioning failed')
        },
        { what: 'x', deadline: new Date(clock.nowMs + 10_000), sleep: clock.sleep, now: clock.now }
      )
    ).rejects.toThrow('provisioning failed')
  })
})

/** A wait on the fake clock that ends after `durationMs`; returns the probes made and the lines logged. */
async function timedWait(
  durationMs: number,
  seen: (elapsedMs: number) => Parameters<typeof stillWaiting>[0],
  extra: Partial<WaitOptions> = {}
): Promise<{ probes: number; lines: { atMs: number; line: string }[]; endedMs: number }> {
  const clock = fakeClock()
  const start = clock.nowMs
  const lines: { atMs: number; line: string }[] = []
  let probes = 0
  await waitFor(
    async () => {
      probes++
      const elapsed = clock.nowMs - start
      return elapsed >= durationMs ? ('done' as const) : stillWaiting(seen(elapsed))
    },
    {
      what: 'restore of b042 onto restore-drill-1',
      deadline: new Date(start + 3 * 3600_000),
      sleep: clock.sleep,
      now: clock.now,
      onProgress: (line) => lines.push({ atMs: clock.nowMs - start, line }),
      ...extra
    }
  )
  return { probes, lines, endedMs: clock.nowMs - start }
}

describe('waitFor progress and cost', () => {
  it('logs a progress line once a minute: never two within a minute, none missing', async () => {
    const { lines } = await timedWait(70 * 60_000, (ms) => ({
      state: 'running',
      bytes: Math.round(ms * 10)
    }))
    expect(lines.length).toBe(69) // minutes 1..69 of a 70-minute restore
    let previous = 0
    for (const { atMs } of lines) {
      expect(atMs - previous).toBeGreaterThanOrEqual(60_000)
      expect(atMs - previous).toBeLessThanOrEqual(61_000)
      previous = atMs
    }
    expect(lines[0].line).toBe(
      'waiting for restore of b042 onto restore-drill-1: 1m 0s so far, state running, 600 kB processed'
    )
    expect(lines[59].line).toBe(
      'waiting for restore of b042 onto restore-drill-1: 1h 0m so far, state running, 36 MB processed'
    )
  })

  it('says nothing during a wait under a minute, and one line in a 70 s wait', async () => {
    expect((await timedWait(45_000, () => ({}))).lines).toEqual([])
    const { lines } = await timedWait(70_000, () => ({ state: 'provisioning' }))
    expect(lines.map((l) => l.line)).toEqual([
      'waiting for restore of b042 onto restore-drill-1: 1m 0s so far, state provisioning'
    ])
  })

  it('a 1-hour wait costs at most 100 polls, a short one is noticed within a second', async () => {
    const hour = await timedWait(3600_000, () => ({ state: 'running' }))
    expect(hour.probes).toBeLessThanOrEqual(100)
    expect(hour.probes).toBeGreaterThan(60) // still at least one poll a minute
    const short = await timedWait(5_000, () => ({}))
    expect(short.endedMs - 5_000).toBeLessThanOrEqual(1000)
    const eight = await timedWait(8_000, () => ({}))
    expect(eight.endedMs - 8_000).toBeLessThanOrEqual(1200)
  })

  it('without onProgress it still ends, at the same poll cost', async () => {
    const quiet = await timedWait(3600_000, () => ({}), { onProgress: undefined })
    expect(quiet.probes).toBeLessThanOrEqual(100)
  })

  it('a progress line says what the last poll saw, and only what it saw', () => {
    expect(progressLine('capture b042', 125_000)).toBe('waiting for capture b042: 2m 5s so far')
    expect(progressLine('capture b042', 60_000, stillWaiting({ bytes: 0 }))).toBe(
      'waiting for capture b042: 1m 0s so far, 0 bytes processed'
    )
    expect(progressLine('x', 3 * 3600_000, stillWaiting({ state: 'running', bytes: null }))).toBe(
      'waiting for x: 3h 0m so far, state running'
    )
  })
})
