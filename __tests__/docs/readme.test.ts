// The README's tables and the example workflows are what users copy: they must stay in step with action.yml.
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { DEMO_FAULTS } from '../../scripts/demo-faults.js'

interface ActionInput {
  description: string
  required?: boolean
  default?: string
}
interface ActionYml {
  inputs: Record<string, ActionInput>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string; post: string; 'post-if'?: string }
}

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYml
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** Rows of the Markdown table that follows `## <heading>`, as arrays of cell texts. */
function tableRows(heading: string): string[][] {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? ''
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim())
    )
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '')

describe('README', () => {
  it('lists every input of action.yml, with its default, and nothing else', () => {
    const rows = tableRows('Inputs')
    expect(rows.map((r) => unquote(r[0]))).toEqual(Object.keys(action.inputs))
    for (const [name, input] of Object.entries(action.inputs)) {
      const cell = rows.find((r) => unquote(r[0]) === name)![1]
      if (input.required) expect(cell).toBe('**required**')
      else if (name === 'report-name') expect(cell).toBe('`restore-drill-<app>`')
      else if (input.default === '') expect(cell).toBe('empty')
      else expect(cell).toBe(`\`${input.default}\``)
    }
  })

  it('lists every output of action.yml, and nothing else', () => {
    expect(tableRows('Outputs').map((r) => unquote(r[0]))).toEqual(Object.keys(action.outputs))
  })

  it('documents the demo of a failing drill, with every fault kind it offers', () => {
    expect(readme).toContain('npm run demo -- --fault restore-delete-rows')
    for (const { kind } of DEMO_FAULTS) expect(readme).toContain(`| \`${kind}\` |`)
  })

  it('documents the demo for users and the tests for contributors', () => {
    expect(readme).toContain('npm ci && npm run demo')
    const contributing = readFileSync(join(root, 'CONTRIBUTING.md'), 'utf8')
    expect(contributing).toMatch(/^npm test\b/m)
  })

  it('puts the user path first: quick start, inputs, outputs, examples, summary, token, troubleshooting', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1])
    expect(headings.slice(0, 7)).toEqual([
      'Quick start',
      'Inputs',
      'Outputs',
      'Example workflows',
      'The job summary',
      'The Heroku token',
      'Troubleshooting'
    ])
  })
})

describe('action.yml', () => {
  it('runs main and an always-run post step on node24 from dist/', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()'
    })
  })
})

describe('example workflows', () => {
  const dir = join(root, '.github', 'examples')
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'))

  it('cover the schedule, the release gate, the incident, many apps, a fleet and a rollback drill', () => {
    expect(files.sort()).toEqual([
      'fleet-drill.yml',
      'incident-restore.yml',
      'many-apps.yml',
      'nightly-drill.yml',
      'release-gate.yml',
      'weekly-rollback-drill.yml'
    ])
  })

  it.each(files)(
    '%s uses only declared inputs, gives the required ones, and serialises drills per app',
    (file) => {
      const workflow = parse(readFileSync(join(dir, file), 'utf8')) as {
        concurrency?: { group: string }
        jobs: Record<
          string,
          {
            concurrency?: { group: string }
            'timeout-minutes'?: number
            steps: { uses?: string; with?: Record<string, string> }[]
          }
        >
      }
      // The drill itself, not its discover and fleet-report companions (checked below).
      const isDrill = (uses?: string) => /heroku-postgres-restore-drill@/.test(uses ?? '')
      const drillJobs = Object.values(workflow.jobs).filter((job) =>
        job.steps.some((s) => isDrill(s.uses))
      )
      expect(drillJobs.length).toBeGreaterThan(0)
      for (const job of drillJobs) {
        const group = job.concurrency?.group ?? workflow.concurrency?.group
        expect(group).toMatch(/^restore-drill-/)
        const step = job.steps.find((s) => isDrill(s.uses))!
        const given = Object.keys(step.with ?? {})
        for (const key of given) expect(Object.keys(action.inputs)).toContain(key)
        for (const [name, input] of Object.entries(action.inputs)) {
          if (input.required) expect(given).toContain(name)
        }
        // GitHub kills a job at its timeout with no summary: the drill's own deadline must come first.
        const deadline = Number(
          step.with?.['timeout-minutes'] ?? action.inputs['timeout-minutes'].default
        )
        expect(job['timeout-minutes']).toBeGreaterThan(deadline)
        for (const [key, value] of Object.entries(step.with ?? {})) {
          if (
            ['maintenance', 'canary', 'promote', 'keep-database', 'require-schedule'].includes(key)
          ) {
            expect(['true', 'false']).toContain(String(value))
          }
        }
      }
    }
  )
})

describe('the fleet actions (discover, fleet-report)', () => {
  const build = readFileSync(join(root, 'scripts', 'build.mjs'), 'utf8')
  const fleet = parse(
    readFileSync(join(root, '.github', 'examples', 'fleet-drill.yml'), 'utf8')
  ) as {
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>
  }
  const steps = Object.values(fleet.jobs).flatMap((job) => job.steps)

  it.each([
    ['discover', 'src/discover-main.ts'],
    ['fleet-report', 'src/fleet-report-main.ts']
  ])(
    '%s/action.yml runs its own bundle on node24, reads every input, and the example uses it rightly',
    (name, entry) => {
      const sub = parse(readFileSync(join(root, name, 'action.yml'), 'utf8')) as ActionYml
      // runs.main is relative to the action's folder: the bundle sits in the repository's dist/.
      expect(sub.runs).toEqual({ using: 'node24', main: `../dist/${name}/index.js` })
      // build.mjs bundles the tsc output of the entry (.build/<entry>.js).
      const compiled = entry.replace(/^src\//, '.build/').replace(/\.ts$/, '.js')
      expect(build).toContain(`['${compiled}', '-o', 'dist/${name}']`)
      const source = readFileSync(join(root, entry), 'utf8')
      for (const input of Object.keys(sub.inputs)) expect(source).toContain(`getInput('${input}')`)
      const step = steps.find((s) => s.uses?.includes(`heroku-postgres-restore-drill/${name}@`))!
      expect(step).toBeDefined()
      const given = Object.keys(step.with ?? {})
      for (const key of given) expect(Object.keys(sub.inputs)).toContain(key)
      for (const [input, spec] of Object.entries(sub.inputs))
        if (spec.required) expect(given).toContain(input)
    }
  )

  it('the fleet example drills from the matrix with fail-fast off, max-parallel and a group per app', () => {
    const drill = (fleet.jobs as Record<string, any>).drill
    expect(drill.strategy['fail-fast']).toBe(false)
    expect(drill.strategy['max-parallel']).toContain('needs.discover.outputs.max-parallel')
    expect(drill.strategy.matrix.include).toContain('needs.discover.outputs.matrix')
    expect(drill.concurrency.group).toBe('restore-drill-${{ matrix.app }}')
    const report = (fleet.jobs as Record<string, any>).report
    expect(report.needs).toEqual(['discover', 'drill'])
    expect(report.steps[0].with.pattern).toBe('restore-drill-*')
    expect(report.steps[1].with.reports).toBe(report.steps[0].with.path)
  })
})
