// `npm run demo -- --fault KIND`: every kind the simulator has, armed with a target that exists in
// the Chinook demo database, so each one demonstrates what it names.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEMO_FAULTS, demoFault } from '../../scripts/demo-faults.js'

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')
const chinook = readFileSync(join(root, '__tests__/fixtures/chinook/chinook.sql'), 'utf8')
const simFaults = readFileSync(join(root, 'sim/sim-faults.ts'), 'utf8')

describe('demo faults', () => {
  it('offers every fault kind the simulator knows, but release-fail', () => {
    // release-fail acts on a release phase, and the demo app has no release process: armed, it
    // would never apply, so the demo does not offer it.
    const simKinds = /kinds: ([a-z, -]+)`/.exec(simFaults)![1].split(', ')
    const demoable = simKinds.filter((k) => k !== 'release-fail')
    expect(simKinds).toContain('release-fail')
    expect(DEMO_FAULTS.map((f) => f.kind).sort()).toEqual([...demoable].sort())
  })

  it('builds each kind as the simulator accepts it, targets that exist in Chinook', () => {
    for (const { kind } of DEMO_FAULTS) {
      const fault = demoFault(kind) as unknown as Record<string, unknown>
      expect(fault.kind).toBe(kind)
      const target = (fault.table ?? fault.index) as string | undefined
      if (target) {
        const name = target.replace(/^public\./, '')
        expect(chinook).toMatch(new RegExp(`CREATE (TABLE|INDEX) ${name}\\b`))
      }
      if (fault.sequence) {
        // A SERIAL column's sequence: <table>_<column>_seq.
        const [, table, column] = /^public\.([a-z]+)_([a-z]+_id)_seq$/.exec(
          fault.sequence as string
        )!
        expect(chinook).toMatch(new RegExp(`CREATE TABLE ${table}\\s*\\(\\s*${column} SERIAL`))
      }
    }
  })

  it('takes a target and a count from the command line, and refuses an unknown kind', () => {
    expect(demoFault('restore-delete-rows', { target: 'public.track', count: 9 })).toEqual({
      kind: 'restore-delete-rows',
      table: 'public.track',
      count: 9
    })
    expect(() => demoFault('restore-delete-everything')).toThrow(
      /unknown fault kind.*\n.*restore-drop-table/s
    )
  })
})
