// Check: no sequence of the restore would hand out a value its column already holds.
import { EXCLUDED_SCHEMAS } from '../snapshot.js'
import { displayName, mapLimit, qualifiedName, quoteIdent } from '../sql.js'
import type { Finding } from '../types.js'
import type { CheckModule } from './context.js'
import { mismatches } from './context.js'

interface SequenceUse {
  seq_schema: string
  seq_name: string
  increment: string
  table_schema: string
  table_name: string
  column_name: string
  is_partition: boolean
  parent_linked: boolean
}

// A sequence feeds a column when it is owned by it (serial, identity) or named in its default (nextval).
const SEQUENCE_USES = `
  WITH links AS (
    SELECT d.objid AS seq, d.refobjid AS tbl, d.refobjsubid AS col
      FROM pg_depend d
     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
       AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum
      FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
     WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
  )
  SELECT sn.nspname AS seq_schema, s.relname AS seq_name, ps.seqincrement::text AS increment,
         tn.nspname AS table_schema, t.relname AS table_name, a.attname AS column_name,
         t.relispartition AS is_partition,
         EXISTS (SELECT 1 FROM links l2 JOIN pg_inherits i ON i.inhparent = l2.tbl
                  WHERE l2.seq = l.seq AND i.inhrelid = t.oid) AS parent_linked
    FROM links l
    JOIN pg_class s ON s.oid = l.seq AND s.relkind = 'S'
    JOIN pg_sequence ps ON ps.seqrelid = s.oid
    JOIN pg_namespace sn ON sn.oid = s.relnamespace
    JOIN pg_class t ON t.oid = l.tbl AND t.relkind IN ('r', 'p')
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = l.col AND NOT a.attisdropped
   WHERE sn.nspname <> ALL ($1::text[]) AND tn.nspname <> ALL ($1::text[])
     AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)
   ORDER BY 1, 2, 4, 5, 6`

export const sequencesCheck: CheckModule = {
  id: 'sequences',
  title: 'Sequences ahead of their columns',
  async run(ctx) {
    const { rows } = await ctx.restored.query<SequenceUse>(SEQUENCE_USES, [EXCLUDED_SCHEMAS])
    // A partition's rows are already in its parent's max, when the parent uses the same sequence.
    const uses = rows.filter((use) => !(use.is_partition && use.parent_linked))
    const results = await mapLimit(uses, ctx.options.parallelism, async (use) => {
      const ascending = BigInt(use.increment) > 0n
      const seq = qualifiedName(use.seq_schema, use.seq_name)
      const { rows: state } = await ctx.restored.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value::text, is_called FROM ${seq}`
      )
      const { rows: extreme } = await ctx.restored.query<{ v: string | null }>(
        `SELECT ${ascending ? 'max' : 'min'}(${quoteIdent(use.column_name)})::text AS v ` +
          `FROM ${qualifiedName(use.table_schema, use.table_name)}`
      )
      return {
        use,
        ascending,
        last: state[0].last_value,
        isCalled: state[0].is_called,
        extreme: extreme[0].v
      }
    })
    const findings: Finding[] = []
    for (const { use, ascending, last, isCalled, extreme } of results) {
      if (extreme === null || extreme.includes('.')) continue
      const next = isCalled ? BigInt(last) + BigInt(use.increment) : BigInt(last)
      const used = BigInt(extreme)
      const collides = ascending ? next <= used : next >= used
      if (!collides) continue
      const column = `${displayName(use.table_schema, use.table_name)}.${use.column_name}`
      findings.push({
        check: 'sequences',
        object: displayName(use.seq_schema, use.seq_name),
        message:
          `next value ${next} would collide: ${column} already holds ${ascending ? 'max' : 'min'} ${used} ` +
          `(sequence last_value ${last}); the first insert after a restore would fail`,
        severity: 'mismatch'
      })
    }
    const count = mismatches(findings)
    const sequences = new Set(uses.map((u) => `${u.seq_schema}.${u.seq_name}`)).size
    return {
      findings,
      detail:
        count === 0
          ? `${sequences} sequences ahead of their columns`
          : `${count} sequences behind their columns`
    }
  }
}
