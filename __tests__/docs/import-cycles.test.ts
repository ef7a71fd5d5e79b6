// Imports in src/ go one way: no module reaches itself through its imports, type-only ones
// included (`import type`, `export … from`), so each layer can be read and changed on its own.
// The graph is built with the TypeScript parser; a cycle fails the test naming its files.
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { REPO_ROOT } from '../../scripts/run-action.js'

const SRC = join(REPO_ROOT, 'src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** Every relative module a file imports or re-exports, type-only included, as absolute .ts paths. */
export function importsOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false)
  const specifiers: string[] = []
  for (const statement of source.statements) {
    const isImportOrExport = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)
    const spec = isImportOrExport ? statement.moduleSpecifier : undefined
    if (spec && ts.isStringLiteral(spec)) specifiers.push(spec.text)
  }
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
}

/** The first cycle found (its files in import order, the first repeated at the end), or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const done = new Set<string>()
  const path: string[] = []
  const onPath = new Set<string>()
  const visit = (node: string): string[] | null => {
    if (onPath.has(node)) return [...path.slice(path.indexOf(node)), node]
    if (done.has(node)) return null
    path.push(node)
    onPath.add(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    path.pop()
    onPath.delete(node)
    done.add(node)
    return null
  }
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return null
}

describe('imports in src/', () => {
  test('the cycle finder finds a cycle through type-only imports and re-exports', () => {
    const a = '/x/a.ts'
    const imports = importsOf(
      a,
      "import type { B } from './b.js'\nexport { C } from './c.js'\nimport 'pg'"
    )
    expect(imports).toEqual(['/x/b.ts', '/x/c.ts'])
    const graph = new Map([
      [a, imports],
      ['/x/b.ts', []],
      ['/x/c.ts', [a]]
    ])
    expect(findCycle(graph)).toEqual([a, '/x/c.ts', a])
    expect(findCycle(new Map([[a, ['/x/b.ts']]]))).toBeNull()
  })

  test('no module imports itself through other modules', () => {
    const files = sourceFiles(SRC)
    expect(files.length).toBeGreaterThan(50)
    const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]))
    const cycle = findCycle(graph)
    expect(cycle?.map((f) => relative(REPO_ROOT, f)).join(' → ') ?? 'no cycle').toBe('no cycle')
  })
})
