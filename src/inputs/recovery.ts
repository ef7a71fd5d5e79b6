// Parsers of the recovery path: method (backup, fork, rollback) and a rollback's target time.
import type { RecoveryMethod, RollbackTarget } from '../config.js'
import { DEFAULTS } from './defaults.js'
import { InputError, type Got } from './input-error.js'
import { DURATION, durationSeconds } from './values.js'

export function readMethod(value: string, got: Got): RecoveryMethod {
  const lower = value.toLowerCase()
  if (lower === 'backup' || lower === 'fork' || lower === 'rollback') return lower
  throw new InputError(
    'method',
    `Input "method" must be backup (a logical backup restored with pg:backups), fork or rollback (Continuous Protection, Standard tier and up), e.g. method: fork ${got(value)}.`
  )
}

const UTC_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:Z| ?UTC| ?\+00:?00)$/i

/**
 * `rollback-to`: `30m`, `2h`, `1d` before the drill's start, or a UTC time such as
 * `2026-12-01T04:00:00Z`. Read only with method rollback; another value with another method is an error.
 */
export function readRollbackTo(
  method: RecoveryMethod,
  value: string,
  got: Got
): RollbackTarget | null {
  if (method !== 'rollback') {
    if (value === DEFAULTS['rollback-to']) return null
    throw new InputError(
      'rollback-to',
      `Input "rollback-to" is used only with method: rollback, e.g. method: rollback with rollback-to: 2h ${got(value)}.`
    )
  }
  const ago = DURATION.exec(value)
  if (ago) {
    const seconds = durationSeconds(ago)
    if (seconds > 0 && seconds <= 7 * 86400) return { mode: 'ago', seconds, text: value }
  }
  const m = UTC_TIME.exec(value)
  const time = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0))) : null
  // Date.UTC rolls 2026-13-01 over into 2027; a real time reads back as written.
  if (time && m && time.toISOString().slice(0, 16) === `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}`) {
    return { mode: 'at', time }
  }
  throw new InputError(
    'rollback-to',
    `Input "rollback-to" must be how far back (more than 0 and at most 7d, like 30m, 2h or 1d) or a UTC time, e.g. rollback-to: 2026-12-01T04:00:00Z ${got(value)}.`
  )
}
