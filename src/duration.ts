// Time arithmetic of the drill (formatting for people is in format.ts).

/** Seconds between two instants, milliseconds kept: sub-second phases are what users compare. */
export function secondsBetween(fromMs: number, toMs: number): number {
  return Math.round(toMs - fromMs) / 1000
}
