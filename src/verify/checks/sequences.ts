// Check: no sequence of the restore would hand out a value its column already holds.
import { EXCLUDED_SCHEMAS } from '../snapshot.js'
import { mapLimit, objectName, qualifiedName, quoteIdent } from '../sql.js'
import type { Finding, Queryable } from '../types.js'
import type { CheckContext, CheckModule } from './context.js'
import { mismatches } from './context.js'
import { plural } from '../../format.js'

export interface SequenceUse {
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

export interface SequenceState {
  next: bigint
  last: string
  /** The column's max (ascending) or min (descending); null when the table is empty. */
  used: bigint | null
}

/** The value the sequence hands out next, and the extreme value its column already holds. */
export async function sequenceState(db: Queryable, use: SequenceUse): Promise<SequenceState> {
  const ascending = BigInt(use.increment) > 0n
  const { rows: state } = await db.query<{ last_value: string; is_called: boolean }>(
    `SELECT last_value::text, is_called FROM ${qualifiedName(use.seq_schema, use.seq_name)}`
  )
  const { rows: extreme } = await db.query<{ v: string | null }>(
    `SELECT ${ascending ? 'max' : 'min'}(${quoteIdent(use.column_name)})::text AS v ` +
      `FROM ${qualifiedName(use.table_schema, use.table_name)}`
  )
  const last = state[0].last_value
  const next = state[0].is_called ? BigInt(last) + BigInt(use.increment) : BigInt(last)
  // A numeric column with a fraction cannot collide with an integer sequence value in a useful sense.
  const v = extreme[0].v
  return { next, last, used: v === null || v.includes('.') ? null : BigInt(v) }
}

const collides = (use: SequenceUse, state: SequenceState): boolean =>
  state.used !== null &&
  (BigInt(use.increment) > 0n ? state.next <= state.used : state.next >= state.used)

/** Every sequence feeding a column of the database, with the column it feeds. */
export async function sequenceUses(db: Queryable): Promise<SequenceUse[]> {
  const { rows } = await db.query<SequenceUse>(SEQUENCE_USES, [EXCLUDED_SCHEMAS])
  // A partition's rows are already in its parent's max, when the parent uses the same sequence.
  return rows.filter((use) => !(use.is_partition && use.parent_linked))
}

/** The check's findings for these sequence uses (the self-test judges one use with it). */
export async function judgeSequences(
  ctx: Pick<CheckContext, 'restored' | 'source' | 'options'>,
  uses: SequenceUse[]
): Promise<Finding[]> {
  const states = await mapLimit(uses, ctx.options.parallelism, (use) =>
    sequenceState(ctx.restored, use)
  )
  const behind = uses
    .map((use, i) => ({ use, state: states[i] }))
    .filter(({ use, state }) => collides(use, state))
  // A sequence already behind in the source is the source's problem, not the restore's.
  const inSource = await mapLimit(behind, ctx.options.parallelism, ({ use }) =>
    sequenceState(ctx.source, use).then(
      (state) => collides(use, state),
      () => false
    )
  )
  const findings: Finding[] = behind.map(({ use, state }, i) => {
    const column = objectName(use.table_schema, use.table_name, use.column_name)
    const extreme = BigInt(use.increment) > 0n ? 'max' : 'min'
    const message =
      `next value ${state.next} would collide: ${column} already holds ${extreme} ${state.used} ` +
      `(sequence last_value ${state.last}); the first insert after a restore would fail`
    return {
      check: 'sequences',
      object: objectName(use.seq_schema, use.seq_name),
      message: inSource[i] ? `${message}; the source's sequence is behind too` : message,
      severity: inSource[i] ? 'warning' : 'mismatch'
    }
  })
  return findings
}

export const sequencesCheck: CheckModule = {
  id: 'sequences',
  title: 'Sequences ahead of their columns',
  async run(ctx) {
    const uses = await sequenceUses(ctx.restored)
    const findings = await judgeSequences(ctx, uses)
    const count = mismatches(findings)
    const sequences = new Set(uses.map((u) => objectName(u.seq_schema, u.seq_name))).size
    return {
      findings,
      detail:
        count === 0
          ? `${plural(sequences, 'sequence')} ahead of their columns`
          : `${plural(count, 'sequence')} behind their columns`
    }
  }
}
