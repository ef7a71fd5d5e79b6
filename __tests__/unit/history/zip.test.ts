// The artifact's zip is read in memory: the report entry is found at any depth, and an entry that
// inflates past the cap (a zip bomb: a few KiB that inflate to gigabytes) is refused, not inflated.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_ENTRY_BYTES, readZipEntry } from '../../../src/history/zip.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zip-test-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A zip of `files` (path → content), deflated, streamed to stdout as the artifact service does. */
function zipOf(files: Record<string, Buffer | string>, flags: string[] = []): Buffer {
  const root = mkdtempSync(join(dir, 'z-'))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return execFileSync('zip', ['-q', ...flags, '-', ...Object.keys(files)], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024
  })
}

describe('readZipEntry', () => {
  it('reads the named entry, deflated or stored, at any depth; null when absent', () => {
    const zip = zipOf({ 'a/restore-drill-report.json': '{"ok":true}', 'other.txt': 'x' })
    expect(readZipEntry(zip, 'restore-drill-report.json')?.toString()).toBe('{"ok":true}')
    expect(readZipEntry(zip, 'missing.json')).toBeNull()
    const stored = zipOf({ 'restore-drill-report.json': '{"stored":1}' }, ['-0'])
    expect(readZipEntry(stored, 'restore-drill-report.json')?.toString()).toBe('{"stored":1}')
  })

  it('an entry that inflates past 16 MiB is refused, however small the archive', () => {
    const bomb = zipOf({ 'restore-drill-report.json': Buffer.alloc(MAX_ENTRY_BYTES + 1) })
    expect(bomb.length).toBeLessThan(64 * 1024)
    expect(() => readZipEntry(bomb, 'restore-drill-report.json')).toThrow(
      `zip entry is larger than ${MAX_ENTRY_BYTES} bytes`
    )
    // Exactly at the cap is still read.
    const full = zipOf({ 'restore-drill-report.json': Buffer.alloc(MAX_ENTRY_BYTES) })
    expect(readZipEntry(full, 'restore-drill-report.json')).toHaveLength(MAX_ENTRY_BYTES)
  })

  it('a stored entry past the cap is refused too', () => {
    const stored = zipOf({ 'restore-drill-report.json': Buffer.alloc(2048) }, ['-0'])
    expect(() => readZipEntry(stored, 'restore-drill-report.json', 1024)).toThrow(
      'zip entry is larger than 1024 bytes'
    )
  })
})
