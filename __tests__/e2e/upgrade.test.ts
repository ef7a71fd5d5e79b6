// An upgrade rehearsal end to end: the bundle run as the runner runs it, `postgres-version` 17 and
// 18 against a PostgreSQL 15 source (the simulator's main server) holding a schema that reads
// differently on each major (NOT NULL rows, domain constraints, views over one relation).
import { join } from 'node:path'
import { REPO_ROOT } from '../../scripts/run-action.js'
import { findServerBinDir } from '../../sim/sim-majors.js'
import { drill, report, startE2E, transcript, type E2E } from './helpers.js'

const UPGRADE_SQL = join(REPO_ROOT, '__tests__', 'fixtures', 'upgrade', 'upgrade.sql')

let e2e: E2E

beforeAll(async () => {
  for (const major of [17, 18])
    if (!findServerBinDir(major))
      throw new Error(`no PostgreSQL ${major} server binaries: run npm ci (pg${major})`)
  e2e = await startE2E()
}, 120_000)
afterAll(() => e2e?.close())

test.each([17, 18])(
  'postgres-version: %i on a PostgreSQL 15 source passes, and the summary says what changed',
  async (major) => {
    const app = await e2e.sim.createApp(`upg${major}-${process.pid % 1000}`, {
      sqlFile: UPGRADE_SQL,
      schedule: true,
      initialBackup: true
    })
    const run = await drill(e2e, app, { 'postgres-version': String(major) })
    const r = report(run)
    expect(r.outcome).toBe('passed' + (run.exitCode === 0 ? '' : transcript(run)))
    expect(r.versions).toEqual({ source: 15, copy: major })
    expect(r.upgrade).toMatchObject({
      sourceMajor: 15,
      copyMajor: major,
      unavailableExtensions: []
    })
    expect(r.upgrade.judgedEqual).toEqual(
      expect.arrayContaining(['domain shop.posint', 'view shop.recent'])
    )
    expect(r.verification).not.toHaveProperty('acrossMajors')
    expect(run.summary).toContain(`upgrade rehearsal 15 → ${major}`)
    expect(run.summary).toContain('judged equal')
  },
  150_000
)
