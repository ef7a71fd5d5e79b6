// One shape for each kind of figure a person reads: durations, counts, sizes, limits, plurals.
import { describe, expect, it } from '@jest/globals'
import { formatBytes, formatCount, formatDuration, formatLimit, plural } from '../../src/format.js'

describe('formatDuration', () => {
  it('keeps tenths under 10 s, whole seconds under a minute, then two units', () => {
    expect(formatDuration(0.04)).toBe('0.0s')
    expect(formatDuration(1.04)).toBe('1.0s')
    expect(formatDuration(9.94)).toBe('9.9s')
    expect(formatDuration(9.96)).toBe('10s')
    expect(formatDuration(59.4)).toBe('59s')
    expect(formatDuration(59.6)).toBe('1m 0s')
    expect(formatDuration(252)).toBe('4m 12s')
    expect(formatDuration(3600)).toBe('1h 0m')
    expect(formatDuration(85_980)).toBe('23h 53m')
    expect(formatDuration(3 * 86400 + 7200)).toBe('3d 2h')
  })

  it('never prints a negative or a NaN duration', () => {
    expect(formatDuration(-3)).toBe('0.0s')
    expect(formatDuration(NaN)).toBe('unknown')
  })
})

describe('counts, sizes, limits', () => {
  it('groups thousands the same way everywhere', () => {
    expect(formatCount(15607)).toBe('15,607')
    expect(formatCount(999.6)).toBe('1,000')
  })

  it('agrees the noun with the count', () => {
    expect(plural(1, 'mismatch', 'mismatches')).toBe('1 mismatch')
    expect(plural(3, 'mismatch', 'mismatches')).toBe('3 mismatches')
    expect(plural(0, 'table')).toBe('0 tables')
    expect(plural(12_345_678, 'byte')).toBe('12,345,678 bytes')
  })

  it('writes sizes in powers of 1000, as Heroku does', () => {
    expect(formatBytes(1)).toBe('1 byte')
    expect(formatBytes(512)).toBe('512 bytes')
    expect(formatBytes(175_874)).toBe('176 kB')
    expect(formatBytes(1_234_567)).toBe('1.2 MB')
    expect(formatBytes(9_960_000)).toBe('10 MB')
    expect(formatBytes(23_456_789_000)).toBe('23 GB')
  })

  it('writes a limit as the input would', () => {
    expect(formatLimit(93_600)).toBe('26h')
    expect(formatLimit(3 * 86400)).toBe('3d')
    expect(formatLimit(5400)).toBe('90m')
  })
})
