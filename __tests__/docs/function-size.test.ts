// Every function in src/, sim/ and scripts/ is short enough to read at once: at most 80 lines of its
// own (its lines less those of the functions nested in it), counted with the TypeScript parser.
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { REPO_ROOT } from '../../scripts/run-action.js'

const MAX_OWN_LINES = 80

export interface FunctionSize {
  file: string
  name: string
  ownLines: number
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  )
}

function nameOf(node: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  if (node.name) return node.name.getText(file)
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))
    return parent.name.getText(file)
  const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1
  return `(anonymous at line ${line})`
}

function lineSpan(node: ts.Node, file: ts.SourceFile): number {
  const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line
  const end = file.getLineAndCharacterOfPosition(node.getEnd()).line
  return end - start + 1
}

/** Each function's own lines: its span less the spans of the functions directly nested in it. */
export function functionSizes(path: string): FunctionSize[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true)
  const sizes: FunctionSize[] = []
  const nestedSpan = (node: ts.Node): number => {
    let total = 0
    node.forEachChild((child) => {
      total += isFunction(child) ? lineSpan(child, file) : nestedSpan(child)
    })
    return total
  }
  const visit = (node: ts.Node): void => {
    if (isFunction(node) && node.body) {
      sizes.push({
        file: relative(REPO_ROOT, path),
        name: nameOf(node, file),
        ownLines: lineSpan(node, file) - nestedSpan(node.body)
      })
    }
    node.forEachChild(visit)
  }
  visit(file)
  return sizes
}

describe.each([
  ['src', 100],
  ['sim', 100],
  ['scripts', 20]
])('function sizes in %s/', (dir, atLeast) => {
  const all = sourceFiles(join(REPO_ROOT, dir)).flatMap(functionSizes)

  test(`the parser finds the functions of ${dir}/`, () => {
    expect(all.length).toBeGreaterThan(atLeast)
  })

  test(`no function in ${dir}/ has more than ${MAX_OWN_LINES} lines of its own`, () => {
    const tooLong = all
      .filter((f) => f.ownLines > MAX_OWN_LINES)
      .map((f) => `${f.file} ${f.name}: ${f.ownLines} lines`)
    expect(tooLong).toEqual([])
  })
})

const MAX_FILE_LINES = 400

test(`no file in src/ has more than ${MAX_FILE_LINES} lines`, () => {
  const files = sourceFiles(join(REPO_ROOT, 'src'))
  expect(files.length).toBeGreaterThan(50)
  const long = files
    .map((path) => ({
      file: relative(REPO_ROOT, path),
      lines: readFileSync(path, 'utf8').split('\n').length
    }))
    .filter((f) => f.lines > MAX_FILE_LINES)
  expect(long).toEqual([])
})
