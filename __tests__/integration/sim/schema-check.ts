// A strict reader of Heroku's Platform API hyper-schema (draft-04 subset: $ref, anyOf/oneOf, type,
// enum, format, pattern, properties, patternProperties, items). Stricter than JSON Schema: every
// property the schema names must be present (Heroku answers null rather than leaving one out)
// and no other property may appear.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../../../scripts/run-action.js'

type Schema = Record<string, any>

export const PLATFORM_SCHEMA: Schema = JSON.parse(
  readFileSync(
    join(REPO_ROOT, '__tests__', 'fixtures', 'heroku-platform-api', 'schema.json'),
    'utf8'
  )
)

/** `#/definitions/app/definitions/name` → that schema. */
export function resolveRef(ref: string): Schema {
  let node: any = PLATFORM_SCHEMA
  for (const part of ref.replace(/^#\//, '').split('/')) node = node?.[decodeURIComponent(part)]
  if (!node) throw new Error(`unresolvable $ref ${ref}`)
  return node
}

// Heroku answers whole-second times: a millisecond fraction is a difference worth failing on.
const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  email: /^[^@\s]+@[^@\s]+$/,
  uri: /^[a-z][a-z0-9+.-]*:/i,
  date: /^\d{4}-\d{2}-\d{2}$/
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function typeProblem(schema: Schema, value: unknown, at: string): string | undefined {
  if (schema.type === undefined) return undefined
  const allowed: string[] = Array.isArray(schema.type) ? schema.type : [schema.type]
  const actual = typeOf(value)
  if (allowed.includes(actual) || (actual === 'integer' && allowed.includes('number')))
    return undefined
  return `${at}: ${JSON.stringify(value)} is ${actual}, schema allows ${allowed.join('|')}`
}

function scalarProblems(schema: Schema, value: unknown, at: string): string[] {
  const out: string[] = []
  if (schema.enum && !schema.enum.includes(value))
    out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`)
  if (typeof value === 'string' && schema.format && FORMATS[schema.format]) {
    if (!FORMATS[schema.format].test(value))
      out.push(`${at}: ${JSON.stringify(value)} is not a ${schema.format}`)
  }
  if (typeof value === 'string' && schema.pattern && !new RegExp(schema.pattern).test(value))
    out.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`)
  return out
}

function objectProblems(
  schema: Schema,
  value: Record<string, unknown>,
  at: string,
  optional: Set<string>
): string[] {
  const out: string[] = []
  const props: Record<string, Schema> = schema.properties ?? {}
  const patterns: Record<string, Schema> = schema.patternProperties ?? {}
  for (const key of Object.keys(props)) {
    if (!(key in value)) {
      if (!optional.has(key)) out.push(`${at}.${key}: missing`)
    } else out.push(...problems(props[key], value[key], `${at}.${key}`, optional))
  }
  for (const [key, v] of Object.entries(value)) {
    if (key in props) continue
    const pattern = Object.keys(patterns).find((p) => new RegExp(p).test(key))
    if (pattern) out.push(...problems(patterns[pattern], v, `${at}.${key}`, optional))
    else if (schema.properties || schema.additionalProperties === false)
      out.push(`${at}.${key}: not in the schema`)
  }
  return out
}

/**
 * Every way `value` differs from `schema`, as "path: problem" lines (empty: it conforms).
 * `optional` names properties (like `provision_message`) that may be left out wherever they are.
 */
export function problems(
  schema: Schema,
  value: unknown,
  at = '$',
  optional: Set<string> = new Set()
): string[] {
  if (schema.$ref) return problems(resolveRef(schema.$ref), value, at, optional)
  const branches: Schema[] | undefined = schema.anyOf ?? schema.oneOf
  if (branches) {
    const results = branches.map((b) => problems(b, value, at, optional))
    if (results.some((r) => r.length === 0)) return []
    return results.sort((a, b) => a.length - b.length)[0]
  }
  const wrongType = typeProblem(schema, value, at)
  if (wrongType) return [wrongType]
  if (Array.isArray(value)) {
    if (!schema.items) return []
    return value.flatMap((item, i) => problems(schema.items, item, `${at}[${i}]`, optional))
  }
  if (value !== null && typeof value === 'object')
    return objectProblems(schema, value as Record<string, unknown>, at, optional)
  return value === null ? [] : scalarProblems(schema, value, at)
}

/** The schema of the answer to `method path` (a concrete path), from the link whose href matches. */
export function answerSchema(method: string, path: string): { title: string; schema: Schema } {
  const bare = path.split('?')[0]
  const found: { title: string; schema: Schema; vars: number }[] = []
  for (const [name, def] of Object.entries<Schema>(PLATFORM_SCHEMA.definitions)) {
    for (const link of def.links ?? []) {
      if (link.method !== method) continue
      const parts = (link.href as string).split(/\{[^}]*\}/)
      const regex = new RegExp(
        '^' + parts.map((p) => p.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+') + '$'
      )
      if (!regex.test(bare)) continue
      found.push({
        title: `${name} ${link.title}`,
        schema: link.targetSchema ?? { $ref: `#/definitions/${name}` },
        vars: parts.length - 1
      })
    }
  }
  if (found.length === 0) throw new Error(`no schema link for ${method} ${bare}`)
  return found.sort((a, b) => a.vars - b.vars)[0]
}
