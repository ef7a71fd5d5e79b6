// Waiting for a capture or a restore, and what of its log may be shown.
import type { DataApi } from '../heroku/data.js'
import type { Transfer } from '../heroku/types.js'
import { stillWaiting, waitFor } from '../heroku/wait.js'
import type { TransferLogLine } from '../verify/types.js'
import { logForReport } from '../verify/warnings.js'

export interface TransferWait {
  data: DataApi
  deadline: Date
  signal: AbortSignal
  /** A progress line at most once a minute. */
  log: (line: string) => void
}

/** Polls the transfer until it has finished (succeeded or not). */
export function waitForTransfer(
  deps: TransferWait,
  app: string,
  transfer: Transfer,
  what: string
): Promise<Transfer> {
  return waitFor(
    async () => {
      const current = await deps.data.getTransfer(app, transfer.uuid)
      if (current.finished_at) return current
      return stillWaiting({
        state: current.started_at ? 'running' : 'pending',
        bytes: current.started_at ? current.processed_bytes : null
      })
    },
    { what, deadline: deps.deadline, signal: deps.signal, onProgress: deps.log }
  )
}

/** The last lines of a transfer log for an error line, without anything that could quote row values. */
export function lastLogLines(logs: TransferLogLine[] | undefined, n = 3): string {
  const lines = logForReport(logs ?? [])
    .map((l) => l.message.replace(/\s+/g, ' ').trim())
    .filter((m) => m !== '')
  return lines.slice(-n).join(' | ')
}
