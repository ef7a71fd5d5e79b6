// Can this pg_restore read this dump? A pg_restore older than the pg_dump that wrote the archive
// cannot (an archive version it does not know, or objects it cannot place): refused before anything
// is created on the target, with the exact command that installs a client that can.

/** The major of `pg_restore --version` ("pg_restore (PostgreSQL) 15.18 (Debian …)"); null if unreadable. */
export function clientMajorOf(versionText: string): number | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionText)
  return match ? Number(match[1]) : null
}

/** The dump's pg_dump version from `pg_restore -l` (";     Dumped by pg_dump version: 17.2"). */
export function dumpedByOf(listing: string): { text: string; major: number } | null {
  const match = /^;\s*Dumped by pg_dump version:\s*(\d+)(?:\.[0-9A-Za-z.]+)?/m.exec(listing)
  if (!match) return null
  const text = /^;\s*Dumped by pg_dump version:\s*(\S+)/m.exec(listing)?.[1] ?? match[1]
  return { text, major: Number(match[1]) }
}

/** The command that installs a client of `major` on the runner (Ubuntu, PostgreSQL's apt repository). */
export function installCommand(major: number): string {
  return `sudo apt-get install -y postgresql-client-${major}`
}

/**
 * null when the client can restore the dump; otherwise one line: what is too old and how to fix it.
 * `dumpMajor` null: the client could not even list the archive (an unknown archive version), so the
 * source's major stands in for the dump's.
 */
export function clientTooOld(
  clientMajor: number,
  dump: { text: string; major: number } | null,
  sourceMajor: number | null
): string | null {
  const needed = dump?.major ?? sourceMajor
  if (needed === null) return null
  if (dump && clientMajor >= dump.major) return null
  if (!dump && clientMajor >= needed) return null
  const made = dump ? `made by pg_dump ${dump.text}` : `made by a newer pg_dump than it knows`
  return (
    `the runner's pg_restore is version ${clientMajor} and cannot read the backup ${made}: ` +
    `install a newer client before the drill, e.g. run: ${installCommand(needed)} ` +
    `(on Ubuntu runners after adding PostgreSQL's apt repository: sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y)`
  )
}
