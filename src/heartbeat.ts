// heartbeat-url: one GET after a passing drill, so an outside monitor notices when drills stop
// passing or stop running. A failing heartbeat is a warning, never a failed drill.

export const HEARTBEAT_TIMEOUT_MS = 10_000

/** null when the heartbeat was answered with 2xx/3xx, otherwise the problem (without the URL). */
export async function sendHeartbeat(
  url: string,
  timeoutMs = HEARTBEAT_TIMEOUT_MS
): Promise<string | null> {
  try {
    const res = await fetch(url, {
      method: 'GET',
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'User-Agent': 'heroku-postgres-restore-drill' }
    })
    // The body is not needed; release the connection.
    await res.arrayBuffer().catch(() => undefined)
    if (res.status >= 400) return `heartbeat answered ${res.status}`
    return null
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; errors?: { code?: string }[] } }
    if (e.name === 'TimeoutError') return `heartbeat timed out after ${timeoutMs / 1000} s`
    // Error codes only: messages could repeat the URL, which may hold a monitor key.
    const code = e.cause?.code ?? e.cause?.errors?.find((x) => x.code)?.code ?? 'network error'
    return `heartbeat failed: ${code}`
  }
}
