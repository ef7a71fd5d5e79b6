// Parsers of plain values: true/false, durations, whole numbers and percentages.
import { InputError, type Got } from './input-error.js'

export const DURATION = /^(\d{1,6})(m|h|d)$/

/** YAML 1.2 core schema booleans, as @actions/core getBooleanInput accepts them. */
export function readBoolean(input: string, value: string, got: Got): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(
    input,
    `Input "${input}" must be true or false, e.g. ${input}: true ${got(value)}.`
  )
}

/** `26h`, `3d`, `90m` to seconds; empty means no limit. */
export function readDuration(input: string, value: string, got: Got): number | null {
  if (value === '') return null
  const match = DURATION.exec(value)
  const seconds = match ? durationSeconds(match) : 0
  if (!match || seconds <= 0 || seconds > 366 * 86400) {
    const problem = match
      ? 'must be more than 0 and at most 366d, e.g. 26h, 3d or 90m'
      : 'must be a duration like 26h, 3d or 90m'
    throw new InputError(input, `Input "${input}" ${problem}, or empty for no limit ${got(value)}.`)
  }
  return seconds
}

/** A DURATION match (`26h`) in seconds. */
export function durationSeconds(match: RegExpExecArray): number {
  return Number(match[1]) * { m: 60, h: 3600, d: 86400 }[match[2] as 'm' | 'h' | 'd']
}

export function readInteger(
  input: string,
  value: string,
  min: number,
  max: number,
  example: string,
  got: Got
): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN
  if (Number.isInteger(n) && n >= min && n <= max) return n
  throw new InputError(
    input,
    `Input "${input}" must be a whole number from ${min} to ${max}, e.g. ${input}: ${example} ${got(value)}.`
  )
}

export function readOptionalInteger(
  input: string,
  value: string,
  min: number,
  max: number,
  example: string,
  got: Got
): number | null {
  if (value === '') return null
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN
  if (Number.isInteger(n) && n >= min && n <= max) return n
  throw new InputError(
    input,
    `Input "${input}" must be a whole number from ${min} to ${max} or empty for no limit, e.g. ${input}: ${example} ${got(value)}.`
  )
}

/** A percentage above 0 and at most 100 (decimals allowed); empty means none. */
export function readPercentage(input: string, value: string, got: Got): number | null {
  if (value === '') return null
  const n = /^\d{1,3}(\.\d{1,3})?%?$/.test(value) ? Number(value.replace('%', '')) : NaN
  if (n > 0 && n <= 100) return n
  throw new InputError(
    input,
    `Input "${input}" must be a percentage above 0 and at most 100, or empty to only warn, e.g. ${input}: 50 ${got(value)}.`
  )
}
