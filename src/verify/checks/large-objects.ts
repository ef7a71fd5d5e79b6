// Check: the large objects (pg_largeobject) of the restore are those of the source: their count and
// an order-independent hash of their OIDs and content. pg_dump keeps each object's OID, and tables
// refer to them by it, so the OID is part of the hash. Both sides are hashed at verify time, so a
// difference is a loss only when no large object was created, written or unlinked on the source
// since the before snapshot (the catalogs' write counters say so); otherwise it is drift.
import { readCountersAfterFlush } from '../snapshot.js'
import { inReadOnlyTransaction } from '../session.js'
import { windowWatched, type Finding, type Queryable, type TableCounters } from '../types.js'
import type { CheckModule } from './context.js'
import { formatCount, plural } from '../../format.js'

/** Content is read in slices of this many bytes, so an object of any size fits in memory. */
const SLICE_BYTES = 1 << 20

// One row per slice of every object (an object of k * SLICE_BYTES bytes gets an empty last slice,
// on both sides alike); each slice's md5 with its OID and position is summed as a 64-bit integer.
const LARGE_OBJECTS_SQL = `
WITH RECURSIVE slices(loid, i, data) AS (
  SELECT m.oid, 0, pg_catalog.lo_get(m.oid, 0, $1::int) FROM pg_catalog.pg_largeobject_metadata m
  UNION ALL
  SELECT loid, i + 1, pg_catalog.lo_get(loid, (i + 1)::bigint * $1::int, $1::int)
    FROM slices WHERE length(data) = $1::int
)
SELECT (count(*) FILTER (WHERE i = 0))::text AS n,
       md5((count(*) FILTER (WHERE i = 0))::text || ':' || COALESCE(sum(
         ('x' || substr(md5(loid::text || ':' || i::text || ':' || md5(data)), 1, 16))::bit(64)::bigint
       ), 0)::text) AS hash
  FROM slices`

export interface LargeObjectsHash {
  count: number
  hash: string
}

/** The count and hash of every large object in the database. */
export async function hashLargeObjects(db: Queryable): Promise<LargeObjectsHash> {
  return inReadOnlyTransaction(db, {}, async (session) => {
    const { rows } = await session.query<{ n: string; hash: string }>(LARGE_OBJECTS_SQL, [
      SLICE_BYTES
    ])
    return { count: Number(rows[0].n), hash: rows[0].hash }
  })
}

const sameCounters = (a: TableCounters | undefined, b: TableCounters | undefined): boolean =>
  !!a && !!b && a.inserted === b.inserted && a.updated === b.updated && a.deleted === b.deleted

const PERMISSION_DENIED = '42501'

export const largeObjectsCheck: CheckModule = {
  id: 'large-objects',
  title: 'Large objects',
  async run(ctx) {
    let source: LargeObjectsHash
    let restored: LargeObjectsHash
    try {
      ;[source, restored] = await Promise.all([
        hashLargeObjects(ctx.source),
        hashLargeObjects(ctx.restored)
      ])
    } catch (err) {
      if ((err as { code?: string }).code !== PERMISSION_DENIED) throw err
      const message =
        'large objects could not be read (permission denied), so they are not compared'
      const finding: Finding = {
        check: 'large-objects',
        object: 'large objects',
        message,
        severity: 'warning'
      }
      return { findings: [finding], detail: message }
    }
    const hashedAt = Date.now()
    if (source.count === 0 && restored.count === 0)
      return { findings: [], detail: 'no large objects', skipped: true }
    if (source.hash === restored.hash)
      return { findings: [], detail: `${plural(source.count, 'large object')}, content matches` }
    // Only a difference needs the counters, read once every write before the hash was flushed.
    const closing = await readCountersAfterFlush(ctx.source, hashedAt, ctx.options).catch(
      () => null
    )
    const quiet = sameCounters(ctx.before.largeObjects, closing?.largeObjects)
    const loss = quiet && windowWatched(ctx.options)
    const what =
      `large objects differ (source ${formatCount(source.count)}, restored ${formatCount(restored.count)}` +
      (source.count === restored.count ? ', same count, different content)' : ')')
    const message = loss
      ? `${what} although none was written on the source since the snapshot`
      : `${what}, but large objects were written on the source since the snapshot (or their counters are unavailable)`
    return {
      findings: [
        {
          check: 'large-objects',
          object: 'large objects',
          message,
          severity: loss ? 'mismatch' : 'warning'
        }
      ],
      detail: what
    }
  }
}
