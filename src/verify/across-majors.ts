// A copy on a newer PostgreSQL major than its source (postgres-version: an upgrade rehearsal).
// The same schema reads differently there: since PostgreSQL 16 a view over one relation deparses
// without table qualifiers (`SELECT id FROM shop.orders`, where 15 says `orders.id`). Whether a
// view still means the same is asked of the copy's own server: the source's text, parsed and
// deparsed there (as a temporary view, rolled back), must read as the copy's view does.
import type pg from 'pg'
import { schemaKey } from './compare-schema.js'
import { assertDrillCopy } from './self-test.js'
import type { Queryable, SchemaObject } from './types.js'

const VIEW_KINDS = new Set(['view', 'materialized view'])
const NO_DATA = ' WITH NO DATA'

/** The server's major (server_version_num / 10000). */
export async function serverMajor(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ major: number }>(
    `SELECT current_setting('server_version_num')::int / 10000 AS major`
  )
  return Number(rows[0].major)
}

/** Of `names`, those the server holding `db` does not offer (pg_available_extensions). */
export async function unavailableExtensions(db: Queryable, names: string[]): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT name FROM pg_available_extensions WHERE name = ANY($1::text[])',
    [names]
  )
  const offered = new Set(rows.map((row) => row.name))
  return names.filter((name) => !offered.has(name)).sort()
}

/** The views whose definitions differ in text: the pairs worth asking the copy's server about. */
function differingViews(
  source: SchemaObject[],
  restored: SchemaObject[]
): { key: string; source: string; restored: string }[] {
  const restoredByKey = new Map(restored.map((object) => [schemaKey(object), object]))
  return source.flatMap((object) => {
    const twin = restoredByKey.get(schemaKey(object))
    if (!VIEW_KINDS.has(object.kind) || !twin || twin.definition === object.definition) return []
    return [{ key: schemaKey(object), source: object.definition, restored: twin.definition }]
  })
}

/** A view's query and whether it is unpopulated (snapshot.ts appends WITH NO DATA). */
const splitNoData = (definition: string): [string, boolean] =>
  definition.endsWith(NO_DATA) ? [definition.slice(0, -NO_DATA.length), true] : [definition, false]

/** The source's query as the copy's server deparses it; null when it does not parse there. */
async function deparsedHere(client: pg.PoolClient, query: string): Promise<string | null> {
  await client.query('SAVEPOINT restore_drill_form')
  try {
    // The extended protocol runs one statement only; the text is PostgreSQL's own deparse of a query.
    const create: pg.QueryConfig & { queryMode: 'extended' } = {
      text: `CREATE TEMPORARY VIEW restore_drill_form AS ${query.replace(/[\s;]+$/, '')}`,
      queryMode: 'extended'
    }
    await client.query(create)
    const { rows } = await client.query<{ definition: string }>(
      `SELECT pg_get_viewdef('pg_temp.restore_drill_form'::regclass, true) AS definition`
    )
    return rows[0].definition
  } catch {
    return null
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT restore_drill_form')
  }
}

/**
 * Keys of the views (and materialized views) whose source text means on the copy's server what
 * the copy's view says. Runs on the drill's own copy only, in one transaction rolled back.
 */
export async function viewsOfSameMeaning(
  restored: pg.Pool,
  sourcePool: pg.Pool,
  source: SchemaObject[],
  restoredSchema: SchemaObject[]
): Promise<Set<string>> {
  const pairs = differingViews(source, restoredSchema)
  const same = new Set<string>()
  if (pairs.length === 0) return same
  await assertDrillCopy(restored, sourcePool)
  const client = await restored.connect()
  let discard = false
  try {
    await client.query('BEGIN TRANSACTION READ WRITE')
    await client.query('SET LOCAL search_path = pg_catalog')
    for (const pair of pairs) {
      const [query, noData] = splitNoData(pair.source)
      const [copyQuery, copyNoData] = splitNoData(pair.restored)
      if (noData !== copyNoData) continue
      if ((await deparsedHere(client, query)) === copyQuery) same.add(pair.key)
    }
  } finally {
    await client.query('ROLLBACK').catch(() => (discard = true))
    client.release(discard)
  }
  return same
}
