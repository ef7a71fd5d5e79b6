// The ways a drill stops early. Each is a value the report can describe in one line.

/** A drill that stops. `outcome` `failed` for a policy the backups break, `error` otherwise. */
export class DrillError extends Error {
  constructor(
    message: string,
    readonly outcome: 'failed' | 'error' = 'error'
  ) {
    super(message)
    this.name = 'DrillError'
  }
}

/** The drill was cancelled (SIGINT/SIGTERM): main exits and leaves the clean-up to the post step. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'CancelledError'
  }
}
