// heartbeat-url: one GET after a passing drill, so an outside monitor notices when drills stop
// passing or stop running. A failing heartbeat is a warning, never a failed drill. Sent with
// @actions/http-client like every other request, so the runner's https_proxy / no_proxy apply.
import { HttpClient } from '@actions/http-client'

export const HEARTBEAT_TIMEOUT_MS = 10_000

/** null when the heartbeat was answered with 2xx/3xx, otherwise the problem (without the URL). */
export async function sendHeartbeat(
  url: string,
  timeoutMs = HEARTBEAT_TIMEOUT_MS
): Promise<string | null> {
  // Redirects followed (http-client's default), no retries; the socket may idle `timeoutMs`.
  const client = new HttpClient('heroku-postgres-restore-drill', [], {
    allowRetries: false,
    keepAlive: false,
    socketTimeout: timeoutMs
  })
  try {
    const res = await client.get(url)
    // The body is not needed: drained in the background, the socket closes after it.
    res.message.resume()
    const status = res.message.statusCode ?? 0
    if (status >= 400) return `heartbeat answered ${status}`
    return null
  } catch (err) {
    // Codes only: http-client's messages repeat the URL, which may hold a monitor key.
    if (err instanceof Error && /^Request timeout/.test(err.message))
      return `heartbeat timed out after ${timeoutMs / 1000} s`
    const code = (err as { code?: unknown }).code
    return `heartbeat failed: ${typeof code === 'string' ? code : 'network error'}`
  }
}
