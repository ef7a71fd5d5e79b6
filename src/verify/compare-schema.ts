// Schema comparison (pure): the restored database's objects against the source's, object by object.
import type { Finding, SchemaObject } from './types.js'

const MAX_DEFINITION = 160
const key = (object: SchemaObject): string => `${object.kind}\u0000${object.name}`
const clip = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > MAX_DEFINITION ? `${flat.slice(0, MAX_DEFINITION - 1)}…` : flat
}
/** Objects listed as `schema.table.part` belong to a table (columns, constraints, triggers). */
const TABLE_PARTS = new Set(['column', 'constraint', 'trigger'])

/** Differences between the two schemas; a missing table is one finding, not one per column. */
export function diffSchema(
  source: SchemaObject[],
  restored: SchemaObject[],
  check = 'schema'
): Finding[] {
  return schemaDifferences(source, restored, check).map((difference) => difference.finding)
}

/** The same, each with the key (`kind NUL name`) of the object it is about. */
export function schemaDifferences(
  source: SchemaObject[],
  restored: SchemaObject[],
  check = 'schema'
): { key: string; finding: Finding }[] {
  const findings: { key: string; finding: Finding }[] = []
  const restoredByKey = new Map(restored.map((object) => [key(object), object]))
  const sourceByKey = new Map(source.map((object) => [key(object), object]))
  const missingTables = source
    .filter((object) => object.kind === 'table' && !restoredByKey.has(key(object)))
    .map((object) => `${object.name}.`)
  const partOfMissingTable = (object: SchemaObject): boolean =>
    TABLE_PARTS.has(object.kind) && missingTables.some((prefix) => object.name.startsWith(prefix))

  for (const object of source) {
    const twin = restoredByKey.get(key(object))
    if (!twin) {
      if (partOfMissingTable(object)) continue
      if (object.kind === 'index' && object.valid === false) {
        findings.push({
          key: key(object),
          finding: {
            check,
            object: object.name,
            message:
              'index is invalid in the source and so not in the backup (pg_dump leaves out invalid indexes)',
            severity: 'warning'
          }
        })
        continue
      }
      findings.push({
        key: key(object),
        finding: {
          check,
          object: object.name,
          message: `${object.kind} missing from the restore`,
          severity: 'mismatch'
        }
      })
    } else if (twin.definition !== object.definition && object.kind === 'extension') {
      // Nothing is lost, but the app will run against another version after a restore.
      findings.push({
        key: key(object),
        finding: {
          check,
          object: object.name,
          message: `extension ${object.definition} in the source, ${twin.definition} in the restore (a fresh database installs the version it offers now): test the app against it before relying on a restore`,
          severity: 'warning'
        }
      })
    } else if (twin.definition !== object.definition) {
      findings.push({
        key: key(object),
        finding: {
          check,
          object: object.name,
          message: `${object.kind} differs: source \`${clip(object.definition)}\`, restored \`${clip(twin.definition)}\``,
          severity: 'mismatch'
        }
      })
    }
  }
  for (const object of restored) {
    if (sourceByKey.has(key(object))) continue
    // A target database may come with extensions of its own (Heroku installs some); nothing is lost.
    const severity = object.kind === 'extension' ? 'info' : 'mismatch'
    findings.push({
      key: key(object),
      finding: {
        check,
        object: object.name,
        message: `${object.kind} in the restore but not in the source`,
        severity
      }
    })
  }
  return findings
}

/** Invalid indexes and constraints not validated in the restore (a warning when the source has the same). */
export function integrityFindings(
  source: SchemaObject[],
  restored: SchemaObject[],
  check = 'integrity'
): Finding[] {
  const sourceByKey = new Map(source.map((object) => [key(object), object]))
  const findings: Finding[] = []
  for (const object of restored) {
    if (object.valid !== false) continue
    const sameInSource = sourceByKey.get(key(object))?.valid === false
    const what =
      object.kind === 'index' ? 'index is not valid' : 'constraint is not validated (NOT VALID)'
    findings.push({
      check,
      object: object.name,
      message: sameInSource ? `${what} in the restore, as in the source` : `${what} in the restore`,
      severity: sameInSource ? 'warning' : 'mismatch'
    })
  }
  return findings
}

/** The two schemas made comparable across majors (alignAcrossMajors). */
export interface AlignedSchemas {
  source: SchemaObject[]
  restored: SchemaObject[]
  /** Objects whose definitions differ only in form between the majors, judged equal. */
  judgedEqual: string[]
  /** Constraint rows that are a column's NOT NULL (PostgreSQL 18), left to the columns' NOT NULL. */
  notNullConstraints: number
}

/**
 * Across majors only (an upgrade rehearsal): what is representation, not meaning, is taken out of
 * the comparison. A column's NOT NULL is compared on the column (attnotnull, every major), so the
 * constraint rows PostgreSQL 18 adds for it are left out on both sides; a definition whose `form`
 * is equal, or whose key is in `sameMeaning` (a view the copy's server deparses the source's text
 * to, across-majors.ts), is taken as the copy's. Everything else is compared as on one major.
 */
export function alignAcrossMajors(
  source: SchemaObject[],
  restored: SchemaObject[],
  sameMeaning: ReadonlySet<string> = new Set()
): AlignedSchemas {
  const kept = (objects: SchemaObject[]) => objects.filter((object) => !object.columnNotNull)
  const restoredKept = kept(restored)
  const restoredByKey = new Map(restoredKept.map((object) => [key(object), object]))
  const judgedEqual: string[] = []
  const sourceAligned = kept(source).map((object) => {
    const twin = restoredByKey.get(key(object))
    if (!twin || twin.definition === object.definition) return object
    const sameForm = (object.form ?? object.definition) === (twin.form ?? twin.definition)
    if (!sameForm && !sameMeaning.has(key(object))) return object
    judgedEqual.push(`${object.kind} ${object.name}`)
    return { ...object, definition: twin.definition }
  })
  return {
    source: sourceAligned,
    restored: restoredKept,
    judgedEqual,
    notNullConstraints: source.length + restored.length - sourceAligned.length - restoredKept.length
  }
}

/** The key (`kind NUL name`) schemaDifferences and alignAcrossMajors use for an object. */
export const schemaKey = key
