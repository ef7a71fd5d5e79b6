// The pieces of a step's dependencies that several steps share. Each step declares its own narrow
// `…Deps` from these and the clients it calls; the drill's runtime satisfies every one of them.

/** The step's log lines (redacted before they are printed). */
export interface StepLog {
  info(line: string): void
  warning(line: string): void
}
