// The report artifact: stable JSON on disk, its sha256 recomputed from the file, upload best-effort.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  REPORT_FILE,
  SUMMARY_FILE,
  reportSha256,
  serializeReport,
  writeReport
} from '../../src/report/artifact.js'
import { renderSummary } from '../../src/report/summary.js'
import type { DrillReport } from '../../src/report/model.js'
import { failedReport, passedReport } from '../fakes/report-fixture.js'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'report-artifact-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

/** The same report with every object's keys inserted in reverse order. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).reverse())
    out[key] = reversedKeys((value as Record<string, unknown>)[key])
  return out as T
}

describe('serializeReport', () => {
  it('is pretty JSON with the identifying fields first and the rest in key order, at every depth', () => {
    const json = serializeReport(failedReport())
    expect(json.endsWith('}\n')).toBe(true)
    expect(json.split('\n')[1]).toBe('  "version": 1,')
    const topKeys = Object.keys(JSON.parse(json))
    expect(topKeys.slice(0, 7)).toEqual([
      'version',
      'tool',
      'app',
      'outcome',
      'verdict',
      'startedAt',
      'finishedAt'
    ])
    expect(topKeys.slice(7)).toEqual([...topKeys.slice(7)].sort())
    const backupKeys = Object.keys(JSON.parse(json).backup)
    expect(backupKeys).toEqual([...backupKeys].sort())
  })

  it('does not depend on the order the drill built the report in', () => {
    const report = failedReport()
    expect(serializeReport(reversedKeys(report))).toBe(serializeReport(report))
  })

  it('round-trips every figure', () => {
    const report = failedReport()
    expect(JSON.parse(serializeReport(report))).toEqual(JSON.parse(JSON.stringify(report)))
  })

  it('keeps array order (the timeline is chronological)', () => {
    const phases = JSON.parse(serializeReport(passedReport())).timeline.map(
      (p: { phase: string }) => p.phase
    )
    expect(phases).toEqual([
      'preflight',
      'snapshot',
      'capture',
      'provision',
      'restore',
      'verify',
      'cleanup'
    ])
  })
})

describe('writeReport', () => {
  it('writes the JSON and the Markdown; the sha256 matches the file on disk', async () => {
    const dir = join(root, 'plain', 'nested')
    const report = passedReport()
    const markdown = renderSummary(report, { sha256: reportSha256(report) })
    const written = await writeReport(report, markdown, {
      dir,
      name: 'restore-drill-my-app',
      upload: false
    })
    expect(written).toEqual({
      reportPath: join(dir, REPORT_FILE),
      markdownPath: join(dir, SUMMARY_FILE),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      uploaded: false
    })
    const bytes = await readFile(written.reportPath)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(written.sha256)
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(report)))
    expect(await readFile(written.markdownPath, 'utf8')).toBe(markdown)
    // The summary rendered before writing printed the same sha256.
    expect(markdown).toContain(written.sha256)
  })

  it('uploads both files under the artifact name with the directory as root', async () => {
    const calls: { name: string; files: string[]; root: string }[] = []
    const dir = join(root, 'upload')
    const written = await writeReport(passedReport(), '# md\n', {
      dir,
      name: 'restore-drill-my-app',
      upload: true,
      uploader: async (name, files, rootDirectory) => {
        calls.push({ name, files, root: rootDirectory })
        return { id: 1 }
      }
    })
    expect(written.uploaded).toBe(true)
    expect(calls).toEqual([
      {
        name: 'restore-drill-my-app',
        files: [join(dir, REPORT_FILE), join(dir, SUMMARY_FILE)],
        root: dir
      }
    ])
  })

  it('does not upload when told not to (outside GitHub)', async () => {
    let called = false
    const written = await writeReport(passedReport(), '', {
      dir: join(root, 'no-upload'),
      name: 'x',
      upload: false,
      uploader: async () => {
        called = true
      }
    })
    expect([called, written.uploaded]).toEqual([false, false])
  })

  it('an upload failure is a warning, not a failure; the files stay on disk', async () => {
    const warnings: string[] = []
    const dir = join(root, 'failing')
    const written = await writeReport(failedReport(), '# md\n', {
      dir,
      name: 'restore-drill-my-app',
      upload: true,
      uploader: async () => {
        throw new Error('Unable to get the ACTIONS_RUNTIME_TOKEN env variable\n    at stack line')
      },
      warn: (message) => warnings.push(message)
    })
    expect(written.uploaded).toBe(false)
    expect(written.uploadError).toBe('Unable to get the ACTIONS_RUNTIME_TOKEN env variable')
    expect(warnings).toEqual([
      `The report artifact "restore-drill-my-app" could not be uploaded (Unable to get the ACTIONS_RUNTIME_TOKEN env variable); it is on the runner at ${join(dir, REPORT_FILE)}.`
    ])
    expect(
      createHash('sha256')
        .update(await readFile(written.reportPath))
        .digest('hex')
    ).toBe(written.sha256)
  })

  it('the same report written twice has the same sha256; any changed figure changes it', async () => {
    const a = await writeReport(passedReport(), '', {
      dir: join(root, 'a'),
      name: 'x',
      upload: false
    })
    const b = await writeReport(reversedKeys(passedReport()), '', {
      dir: join(root, 'b'),
      name: 'x',
      upload: false
    })
    expect(a.sha256).toBe(b.sha256)
    const changed: DrillReport = passedReport()
    changed.verification!.rowsChecked += 1
    const c = await writeReport(changed, '', { dir: join(root, 'c'), name: 'x', upload: false })
    expect(c.sha256).not.toBe(a.sha256)
  })
})
