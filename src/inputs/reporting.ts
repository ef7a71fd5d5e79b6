// Parsers of where the drill reports: the GitHub token, the history, the report artifact's name
// and the heartbeat monitor.
import type { HistoryChoice } from '../config.js'
import { InputError, type Got } from './input-error.js'

const ARTIFACT_FORBIDDEN = /[":<>|*?\\/\r\n]/

export function readGithubToken(value: string): string {
  const token = value.trim()
  // An expression no runner expanded (a local harness applying action.yml defaults): no token.
  if (/^\$\{\{.*\}\}$/.test(token)) return ''
  // Never echo the value: it is a secret.
  if (/\s/.test(token)) {
    throw new InputError(
      'github-token',
      'Input "github-token" must be a single GitHub token with no spaces or line breaks inside (value not shown), e.g. github-token: ${{ github.token }}.'
    )
  }
  return token
}

/** `artifacts`, `none`, or the path of a JSON-lines file (read, then appended). */
export function readHistory(value: string, got: Got): HistoryChoice {
  const lower = value.toLowerCase()
  if (lower === 'artifacts' || lower === 'none') return { mode: lower }
  if (/[\0\r\n]/.test(value) || value.endsWith('/') || value.length > 1000) {
    throw new InputError(
      'history',
      `Input "history" must be artifacts, none, or the path of a JSON-lines file, e.g. history: .restore-drill/history.jsonl ${got(value)}.`
    )
  }
  return { mode: 'file', path: value }
}

export function readReportName(value: string, app: string, got: Got): string {
  if (value === '') return `restore-drill-${app}`
  if (!ARTIFACT_FORBIDDEN.test(value) && value.length <= 200) return value
  throw new InputError(
    'report-name',
    `Input "report-name" must be an artifact name without " : < > | * ? \\ / or line breaks (at most 200 characters), e.g. restore-drill-${app}-nightly ${got(value)}.`
  )
}

export function readHeartbeatUrl(value: string): string | null {
  if (value === '') return null
  // The URL may carry a monitor's secret key in its path: errors show the scheme and host only.
  let url: URL | null = null
  try {
    url = new URL(value)
  } catch {
    url = null
  }
  const shown = url ? `${url.protocol}//${url.host}/…` : 'a value that is not a URL'
  const local = url !== null && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  const ok =
    url !== null &&
    !/\s/.test(value) &&
    url.username === '' &&
    url.password === '' &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && local))
  if (ok) return value
  throw new InputError(
    'heartbeat-url',
    `Input "heartbeat-url" must be an https:// URL (http:// only to localhost) without credentials, e.g. https://hc-ping.com/<your-check-uuid> (got ${shown}).`
  )
}
