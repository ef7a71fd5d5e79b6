// history: <path> in a checked-out repository: a committed symlink (the file itself, or a folder on
// its way) must not make the drill read or append a file outside the workspace. The target is left
// exactly as it was, and the warning says why; a regular file in the workspace, or a path the
// workflow chose outside it (e.g. under runner.temp), still works.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendHistoryFile } from '../../../src/history/file.js'
import type { DrillFigures } from '../../../src/history/figures.js'
import { loadHistory } from '../../../src/history/load.js'

const figures = (time: string, orders: number): DrillFigures => ({
  v: 1,
  time,
  app: 'my-app',
  outcome: 'passed',
  method: 'backup',
  backupId: 'b042',
  backupBytes: 1000,
  restoreSeconds: 10,
  drillSeconds: 60,
  tables: { 'public.orders': orders },
  totalRows: orders
})
// A valid line: were it read, it would be history.
const PRECIOUS = JSON.stringify(figures('2026-11-20T02:00:00.000Z', 5)) + '\n'

let root: string
let workspace: string
let outside: string
let env: Record<string, string>
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'history-file-'))
  workspace = join(root, 'workspace')
  outside = join(root, 'outside')
  mkdirSync(workspace)
  mkdirSync(outside)
  writeFileSync(join(outside, 'target.jsonl'), PRECIOUS)
  env = { GITHUB_WORKSPACE: workspace }
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

const load = (path: string) =>
  loadHistory(
    { history: { mode: 'file', path }, githubToken: '', reportName: 'r', app: 'my-app' },
    env
  )
const target = () => readFileSync(join(outside, 'target.jsonl'), 'utf8')

describe('history: <path> through a symlink', () => {
  it('a committed symlink as the file: not appended to, not read, and the reason given', async () => {
    const link = join(workspace, 'history.jsonl')
    symlinkSync(join(outside, 'target.jsonl'), link)
    await expect(
      appendHistoryFile(link, figures('2026-11-25T02:00:00.000Z', 1), env)
    ).rejects.toThrow(`${link} is a symbolic link`)
    expect(target()).toBe(PRECIOUS)
    const loaded = await load(link)
    expect(loaded.history.earlier).toEqual([])
    expect(loaded.warning).toMatch(/^history: .*history\.jsonl is a symbolic link/)
  })

  it('a committed symlink to a folder outside the workspace: nothing written there, nothing read', async () => {
    symlinkSync(outside, join(workspace, '.restore-drill'))
    const path = join(workspace, '.restore-drill', 'target.jsonl')
    await expect(
      appendHistoryFile(path, figures('2026-11-25T02:00:00.000Z', 1), env)
    ).rejects.toThrow(/outside the workspace/)
    await expect(
      appendHistoryFile(
        join(workspace, '.restore-drill', 'new', 'h.jsonl'),
        figures('2026-11-25T02:00:00.000Z', 1),
        env
      )
    ).rejects.toThrow(/outside the workspace/)
    expect(target()).toBe(PRECIOUS)
    expect(() => readFileSync(join(outside, 'new', 'h.jsonl'))).toThrow()
    const loaded = await load(path)
    expect(loaded.history.earlier).toEqual([])
    expect(loaded.warning).toMatch(/^history: .*outside the workspace/)
  })

  it('a regular file in the workspace, and a path the workflow chose outside it, still work', async () => {
    for (const path of [
      join(workspace, '.restore-drill', 'history.jsonl'),
      join(outside, 'cache', 'h.jsonl')
    ]) {
      await appendHistoryFile(path, figures('2026-11-24T02:00:00.000Z', 7), env)
      const loaded = await load(path)
      expect(loaded.warning).toBeUndefined()
      expect(loaded.history.earlier.map((f) => f.tables)).toEqual([{ 'public.orders': 7 }])
    }
  })
})
