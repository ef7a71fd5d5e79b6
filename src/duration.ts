// How long something took or how old it is, in the words the summary, the logs and the errors use.

/** `42 s`, `12 min`, `3.5 h`, `2.0 days`. */
export function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`
  return `${(seconds / 86400).toFixed(1)} days`
}

/** Seconds between two instants, milliseconds kept: sub-second phases are what users compare. */
export function secondsBetween(fromMs: number, toMs: number): number {
  return Math.round(toMs - fromMs) / 1000
}
