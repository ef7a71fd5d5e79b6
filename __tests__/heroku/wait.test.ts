import { describe, expect, it } from '@jest/globals'
import { pollIntervalMs, waitFor } from '../../src/heroku/wait.js'
import { fakeClock } from './fake-server.js'

describe('pollIntervalMs', () => {
  it('is about 10% of the time waited, at least 1 s, at most the maximum', () => {
    expect(pollIntervalMs(0)).toBe(1000)
    expect(pollIntervalMs(9_000)).toBe(1000)
    expect(pollIntervalMs(20_000)).toBe(2000)
    expect(pollIntervalMs(600_000)).toBe(5000)
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
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(5000)
    let elapsed = 0
    for (const s of clock.sleeps) {
      // Latency never exceeds ~10% of the time already waited (or the 1 s floor).
      expect(s).toBeLessThanOrEqual(Math.max(1000, elapsed * 0.1 + 1))
      elapsed += s
    }
    expect(clock.sleeps.length).toBeLessThan(40) // 90 s in far fewer than 90 one-second polls
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
    ).rejects.toThrow('timed out after 30 s waiting for restore r003 to finish')
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
