// docs/report.md is the field reference of restore-drill-report.json, versioned with it: it names the
// report's version, and every top-level field of the report (DrillReport in src/report/model.ts).
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { REPORT_VERSION } from '../../src/report/model.js'

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')
const doc = readFileSync(join(root, 'docs', 'report.md'), 'utf8')

/** The property names of `interface DrillReport`, read with the TypeScript parser. */
function reportFields(): string[] {
  const path = join(root, 'src', 'report', 'model.ts')
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true)
  const model = file.statements.find(
    (s): s is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(s) && s.name.text === 'DrillReport'
  )
  if (!model) throw new Error('no interface DrillReport in src/report/model.ts')
  return model.members.flatMap((m) => (m.name ? [m.name.getText(file)] : []))
}

describe('docs/report.md', () => {
  it("names the report's version", () => {
    expect(doc).toContain(`Report version **${REPORT_VERSION}**`)
  })

  it('lists every top-level field of the report', () => {
    const fields = reportFields()
    expect(fields.length).toBeGreaterThan(20)
    const missing = fields.filter((f) => !new RegExp(`^\\| [^|]*\`${f}\``, 'm').test(doc))
    expect(missing).toEqual([])
  })
})
