// Step outputs: every output of action.yml, as strings, from the report.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { outputsFor } from '../../src/report/outputs.js'
import { failedReport, passedReport } from '../fakes/report-fixture.js'

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  outputs: Record<string, unknown>
}

describe('outputsFor', () => {
  it('gives every output of action.yml as a string (restored-attachment only when kept)', () => {
    const report = passedReport()
    report.cleanup.kept = {
      addonName: 'restore-drill-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL'
    }
    const outputs = outputsFor(report, { reportPath: '/tmp/r/restore-drill-report.json' })
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(action.outputs).sort())
    for (const value of Object.values(outputs)) expect(typeof value).toBe('string')
  })

  it('a passed drill', () => {
    expect(outputsFor(passedReport(), { reportPath: '/tmp/r/restore-drill-report.json' })).toEqual({
      outcome: 'passed',
      method: 'backup',
      'drill-app': 'restore-drill-my-app-1a2b3c',
      'backup-id': 'b042',
      'backup-size-bytes': '12345678',
      'backup-age-seconds': '15',
      'restore-seconds': '252',
      'drill-seconds': '570',
      'tables-checked': '4',
      'rows-checked': '15608',
      mismatches: '0',
      'report-path': '/tmp/r/restore-drill-report.json'
    })
  })

  it('a fork names its method; restore-seconds is its time to ready, and there is no backup', () => {
    const report = passedReport()
    report.method = 'fork'
    report.backup = null
    report.restore = { ...report.restore!, seconds: 431.6, logs: [] }
    const outputs = outputsFor(report)
    expect(outputs).toMatchObject({ method: 'fork', 'restore-seconds': '432', 'backup-id': '' })
  })

  it('a failed drill counts the findings that failed it', () => {
    const outputs = outputsFor(failedReport())
    expect(outputs.outcome).toBe('failed')
    expect(outputs.mismatches).toBe('3')
    expect(outputs['report-path']).toBe('')
    expect(outputs).not.toHaveProperty('restored-attachment')
  })

  it('a kept add-on gives its attachment name', () => {
    const report = passedReport()
    report.cleanup.kept = {
      addonName: 'restore-drill-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL'
    }
    expect(outputsFor(report)['restored-attachment']).toBe('RESTORE_DRILL')
  })

  it('an error before the restore: figures never reached are empty, not 0', () => {
    const report = passedReport()
    report.outcome = 'error'
    report.backup = null
    report.restore = null
    report.verification = null
    report.drillApp = null
    report.timings = { preflightSeconds: 2.4, drillSeconds: 12.6 }
    expect(outputsFor(report)).toEqual({
      outcome: 'error',
      method: 'backup',
      'drill-app': '',
      'backup-id': '',
      'backup-size-bytes': '',
      'backup-age-seconds': '',
      'restore-seconds': '',
      'drill-seconds': '13',
      'tables-checked': '',
      'rows-checked': '',
      mismatches: '',
      'report-path': ''
    })
  })

  it('rounds seconds to whole seconds and keeps an unknown size empty', () => {
    const report = passedReport()
    report.restore!.seconds = 0.4
    report.timings.drillSeconds = 61.5
    report.backup!.sizeBytes = null
    const outputs = outputsFor(report)
    expect([
      outputs['restore-seconds'],
      outputs['drill-seconds'],
      outputs['backup-size-bytes']
    ]).toEqual(['0', '62', ''])
  })
})
