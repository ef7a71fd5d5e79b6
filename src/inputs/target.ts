// Parser of target-url: an admin connection URL of a PostgreSQL server outside Heroku (an exit
// drill). The value is a secret: an error never echoes it, only what is wrong with it.
import { InputError } from './input-error.js'

const EXAMPLE =
  'target-url: ${{ secrets.EXIT_TARGET_URL }} holding postgres://admin:PASSWORD@db.example.com:5432/postgres'

/** null when the input is empty (the copy is restored on Heroku). */
export function readTargetUrl(value: string): string | null {
  const text = value.trim()
  if (text === '') return null
  const problem = targetUrlProblem(text)
  if (problem)
    throw new InputError(
      'target-url',
      `Input "target-url" ${problem} (value not shown), e.g. ${EXAMPLE}.`
    )
  return text
}

function targetUrlProblem(text: string): string | null {
  if (/\s/.test(text)) return 'must be one connection URL with no spaces or line breaks'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'must be a postgres:// or postgresql:// connection URL'
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    return `must be a postgres:// or postgresql:// connection URL, not ${url.protocol.replace(/:$/, '')}://`
  if (!url.hostname) return 'must name the server host'
  if (!url.username) return 'must name the user (an admin who can CREATE DATABASE)'
  return null
}

/** The URL and its password (decoded too): what an echo or a log must never show. */
export function secretPartsOf(url: string | null): string[] {
  if (!url) return []
  try {
    const password = new URL(url).password
    return password ? [url, password, decodeURIComponent(password)] : [url]
  } catch {
    return [url]
  }
}
