// How durations, counts and sizes are written everywhere a person reads them (log lines, the job
// summary, the runbook, error messages), so one figure never appears in two shapes.

/** `0.4s`, `42s`, `4m 12s`, `23h 53m`, `3d 0h`: tenths only under 10 s, where they matter. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds)) return 'unknown'
  const exact = Math.max(0, totalSeconds)
  if (exact < 9.95) return `${exact.toFixed(1)}s`
  const s = Math.round(exact)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`
}

/** A limit as a user writes it in an input (`26h`, `3d`, `90m`), for messages about that limit. */
export function formatLimit(totalSeconds: number): string {
  if (totalSeconds % 86400 === 0) return `${totalSeconds / 86400}d`
  if (totalSeconds % 3600 === 0) return `${totalSeconds / 3600}h`
  return `${Math.round(totalSeconds / 60)}m`
}

/** `15,607`: thousands grouped, whole numbers. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** `1 mismatch`, `3 mismatches`, `1,204 tables`: the count formatted, the noun agreeing with it. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(n)} ${Math.round(n) === 1 ? singular : pluralForm}`
}

/** `512 bytes`, `1.2 MB`, `23 GB` (powers of 1000, as Heroku shows sizes). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB']
  let value = n
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  if (unit === 0) return plural(n, 'byte')
  // 9.96 MB rounds to "10.0": show it as 10 MB.
  return value < 9.95 ? `${value.toFixed(1)} ${units[unit]}` : `${Math.round(value)} ${units[unit]}`
}

/** `2026-12-01T04:00:00Z`: a moment in UTC to the second, as inputs and the Heroku CLI take it. */
export function formatUtc(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
