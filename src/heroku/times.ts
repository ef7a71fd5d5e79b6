/**
 * Heroku's two time formats: the Platform API answers whole-second ISO 8601
 * (`2018-01-09T19:16:26Z`), the Postgres data API `2020-12-13 16:22:40 +0000`.
 */

const DATA_API_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?([+-]\d{2}):?(\d{2})$/

/** Milliseconds since the epoch of either format; NaN when unreadable. */
export function parseHerokuTime(text: string): number {
  const m = DATA_API_TIME.exec(text.trim())
  // Rewritten to ISO 8601 rather than left to Date.parse, whose reading of other forms varies.
  if (m) return Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4]}`)
  return /^\d{4}-\d{2}-\d{2}T/.test(text.trim()) ? Date.parse(text) : NaN
}

/** Either format as ISO 8601 in UTC; null stays null, an unreadable text is kept as it is. */
export function toIsoTime(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null
  const ms = parseHerokuTime(text)
  return Number.isNaN(ms) ? text : new Date(ms).toISOString()
}
