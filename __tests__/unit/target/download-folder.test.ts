// The post step removes the backup file a killed exit drill left on the runner: only a folder the
// action itself makes (its name, right under the temp folder), whatever path the saved state
// holds (the state is the job's, not ours alone).
import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeDownloadFolder } from '../../../src/target/download.js'

describe('removeDownloadFolder', () => {
  const root = mkdtempSync(join(tmpdir(), 'download-folder-test-'))

  it('removes a restore-drill-backup-* folder and the dump in it', async () => {
    const dir = join(root, 'restore-drill-backup-abc123')
    mkdirSync(dir)
    writeFileSync(join(dir, 'backup.dump'), 'PGDMP')
    expect(await removeDownloadFolder(dir, root)).toBe('removed')
    expect(existsSync(dir)).toBe(false)
  })

  it('leaves any other folder alone, whatever the state says', async () => {
    const dir = join(root, 'workspace')
    mkdirSync(dir)
    writeFileSync(join(dir, 'keep.txt'), 'mine')
    expect(await removeDownloadFolder(dir, root)).toBe('not-ours')
    expect(existsSync(join(dir, 'keep.txt'))).toBe(true)
  })

  it('a folder named like ours but outside the temp folder is left alone', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'download-folder-elsewhere-'))
    const dir = join(elsewhere, 'restore-drill-backup-abc123')
    mkdirSync(dir)
    writeFileSync(join(dir, 'keep.txt'), 'mine')
    expect(await removeDownloadFolder(dir, root)).toBe('not-ours')
    expect(existsSync(join(dir, 'keep.txt'))).toBe(true)
  })

  it('a folder main already removed: absent, nothing to do', async () => {
    expect(await removeDownloadFolder(join(root, 'restore-drill-backup-gone'), root)).toBe('absent')
  })
})
