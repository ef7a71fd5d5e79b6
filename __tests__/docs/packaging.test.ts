// What a team adopting the action checks first: the bundle holds exactly the declared runtime
// packages, reached through their public entry points, on a Node version they all support.
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { TOOL_VERSION } from '../../src/report/build.js'

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')

interface PackageJson {
  name: string
  version: string
  repository?: string
  engines?: { node?: string }
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  exports?: unknown
}

const readPackage = (dir: string): PackageJson =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
const pkg = readPackage(root)

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

interface BareImport {
  file: string
  specifier: string
  typeOnly: boolean
}

/** Every import of a package (not a relative path, not a Node built-in) in src/. */
function bareImports(): BareImport[] {
  const found: BareImport[] = []
  // `import x from 'p'`, `import type x from 'p'`, `export ... from 'p'`, `import 'p'`, `import('p')`
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?from\s+)?'([^']+)'|import\('([^']+)'\)/g
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(pattern)) {
      const specifier = m[2] ?? m[3]
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue
      if (builtinModules.includes(specifier)) continue
      found.push({ file, specifier, typeOnly: Boolean(m[1]) })
    }
  }
  return found
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** The lowest Node major a range such as `>=20`, `^18.14.0 || >=24` or `20 || >=22` allows. */
function lowestNodeMajor(range: string): number {
  const majors = range
    .split('||')
    .map((alternative) => /(\d+)/.exec(alternative)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
  return Math.min(...majors)
}

/** Every package installed for production (npm ls --omit=dev --all), name → directory. */
function productionTree(): Map<string, string> {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8'
  })
  const tree = new Map<string, string>()
  for (const dir of out.split('\n').slice(1).filter(Boolean)) tree.set(readPackage(dir).name, dir)
  return tree
}

describe('runtime dependencies', () => {
  const imports = bareImports()
  const runtime = [
    ...new Set(imports.filter((i) => !i.typeOnly).map((i) => packageOf(i.specifier)))
  ]

  it('are exactly the packages src/ imports', () => {
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(runtime.sort())
  })

  it('are what npm ls --omit=dev lists', () => {
    const listed = JSON.parse(
      execFileSync('npm', ['ls', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8' })
    ) as { dependencies?: Record<string, unknown> }
    expect(Object.keys(listed.dependencies ?? {}).sort()).toEqual(runtime.sort())
  })

  it('are imported through their public entry points, never their internal files', () => {
    const deep = imports.filter((i) => {
      if (i.specifier === packageOf(i.specifier)) return false
      const exported = readPackage(join(root, 'node_modules', packageOf(i.specifier))).exports
      const subpath = '.' + i.specifier.slice(packageOf(i.specifier).length)
      return !(exported && typeof exported === 'object' && subpath in exported)
    })
    expect(deep).toEqual([])
  })
})

/**
 * Runtime packages that declare a newer Node than they need, with the Node they were run on here:
 * content-type 3 (under @actions/artifact's Octokit) declares >=22 and parses headers with nothing
 * newer than Node 20 has; every test and the demo run the bundle on Node 20.
 */
const RUNS_ON_LOWER: Record<string, number> = { 'content-type': 20 }

describe('versions', () => {
  it('engines asks for at least the Node version every runtime package declares (or runs on), and the README and CI say it', () => {
    const ours = lowestNodeMajor(pkg.engines?.node ?? '0')
    const needs = [...productionTree()].map(([name, dir]) => {
      const range = readPackage(dir).engines?.node
      return { name, lowest: range ? lowestNodeMajor(range) : 0 }
    })
    const above = needs.filter((n) => n.lowest > ours && RUNS_ON_LOWER[n.name] !== ours)
    expect(above).toEqual([])
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    expect(readme).toContain(`Node.js ${ours} or newer`)
    // The claim is checked: CI runs the demo (the bundle, the simulator) on that Node.
    const ci = readFileSync(join(root, '.github', 'workflows', 'ci.yml'), 'utf8')
    expect(ci).toMatch(new RegExp(`node-version: ${ours}\\b`))
  })

  it('the report names the version package.json gives', () => {
    expect(TOOL_VERSION).toBe(pkg.version)
  })

  it('the version is semantic and CHANGELOG.md has its section', () => {
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/)
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8')
    expect(changelog).toMatch(
      new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm')
    )
  })

  it('lowestNodeMajor reads the range forms packages use', () => {
    expect(lowestNodeMajor('>=22')).toBe(22)
    expect(lowestNodeMajor('>= 20')).toBe(20)
    expect(lowestNodeMajor('^18.14.0 || ^20.0.0 || ^22.0.0 || >=24.0.0')).toBe(18)
    expect(lowestNodeMajor('20 || >=22')).toBe(20)
  })
})
