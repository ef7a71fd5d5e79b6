// Reports shaped like the drill's, for the report renderers' tests.
import type { DrillReport } from '../../src/report/model.js'
import type { TableResult } from '../../src/verify/types.js'

export const SECRET_URL =
  'postgres://u1abc:p4ssw0rd-secret@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d9x'

function table(name: string, rows: number, extra: Partial<TableResult> = {}): TableResult {
  return {
    table: name,
    sourceBefore: rows,
    sourceAfter: rows,
    restored: rows,
    expectedMin: rows,
    expectedMax: rows,
    status: 'match',
    ...extra
  }
}

/** A passed capture drill of my-app: 4 tables, one that moved during the drill. */
export function passedReport(): DrillReport {
  return {
    version: 1,
    tool: { name: 'heroku-postgres-restore-drill', version: '0.1.0' },
    app: 'my-app',
    outcome: 'passed',
    verdict:
      'Passed: backup b042 restored in 4m 12s and matched production (4 tables, 15,608 rows)',
    startedAt: '2026-11-25T02:00:00.000Z',
    finishedAt: '2026-11-25T02:09:30.000Z',
    settings: {
      database: 'DATABASE_URL',
      backup: 'capture',
      plan: 'same',
      maintenance: false,
      canary: false,
      promote: false,
      keepDatabase: false,
      keepBackup: false,
      drillApp: 'auto',
      checks: ['orders present'],
      checksumTables: [],
      maxBackupAgeSeconds: 93600,
      requireSchedule: true,
      restoreWarnings: 'triage',
      maxRestoreMinutes: null,
      timeoutMinutes: 120,
      verifyConnections: 3,
      heartbeat: false
    },
    source: {
      addonName: 'postgresql-shaped-12345',
      attachment: 'DATABASE',
      plan: 'heroku-postgresql:standard-0',
      databaseBytes: 23_456_789,
      postgresVersion: '16.4'
    },
    backups: {
      scheduled: true,
      schedule: { name: 'DATABASE_URL', hour: 2, timezone: 'UTC' },
      newestBackup: { id: 'a041', finishedAt: '2026-11-24T02:10:00.000Z', ageSeconds: 86_000 },
      recentBackups: [{ id: 'a041', finishedAt: '2026-11-24T02:10:00.000Z', succeeded: true }]
    },
    backup: {
      id: 'b042',
      choice: 'capture',
      transferId: '7a1d2c3e-0000-4000-8000-000000000042',
      sizeBytes: 12_345_678,
      capturedAt: '2026-11-25T02:03:00.000Z',
      ageSeconds: 15,
      sourceDatabase: 'postgresql-shaped-12345'
    },
    restore: {
      addonName: 'restore-drill-my-app-99-1-ab12',
      attachment: 'RESTORE_DRILL',
      plan: 'heroku-postgresql:standard-0',
      transferId: '7a1d2c3e-0000-4000-8000-000000000043',
      seconds: 252,
      logs: [{ level: 'info', message: 'pg_restore: creating TABLE "public.album"' }]
    },
    verification: {
      passed: true,
      tables: [
        table('public.album', 347),
        table('public.track', 3503, {
          checksum: { source: 'aa11', restored: 'aa11', match: true }
        }),
        table('public.invoice', 412, {
          sourceAfter: 415,
          restored: 413,
          expectedMin: 412,
          expectedMax: 415,
          status: 'within-bounds',
          note: '3 rows inserted during the capture window; restored count lies within 412–415'
        }),
        table('public.invoice_line', 11345)
      ],
      // As verify.ts lists them: one row per check module, a skipped one included.
      checks: [
        {
          id: 'schema',
          title: 'Schema matches the source',
          status: 'passed',
          detail: '86 objects match'
        },
        {
          id: 'counts',
          title: 'Row counts',
          status: 'passed',
          detail: '4 tables, 15,608 rows within bounds'
        },
        {
          id: 'sequences',
          title: 'Sequences ahead of their columns',
          status: 'passed',
          detail: '3 sequences ahead of their columns'
        },
        {
          id: 'checksums',
          title: 'Content checksums',
          status: 'passed',
          detail: '1 table hashed, content matches'
        },
        {
          id: 'canary',
          title: 'Canary row present',
          status: 'skipped',
          detail: 'no canary written'
        },
        { id: 'custom', title: 'Custom checks', status: 'passed', detail: '1 of 1 passed' }
      ],
      findings: [
        {
          check: 'counts',
          object: 'public.invoice',
          message: 'moved during the drill',
          severity: 'info'
        }
      ],
      restoreWarnings: {
        harmless: ['pg_restore: error: must be owner of extension plpgsql'],
        real: []
      },
      tablesChecked: 4,
      rowsChecked: 15_608
    },
    promote: null,
    timings: {
      preflightSeconds: 3.2,
      snapshotSeconds: 1.5,
      captureSeconds: 60,
      provisionSeconds: 125,
      restoreSeconds: 252,
      verifySeconds: 20.25,
      cleanupSeconds: 4,
      drillSeconds: 570
    },
    timeline: [
      { phase: 'preflight', startedAt: '2026-11-25T02:00:00.000Z', seconds: 3.2, status: 'ok' },
      { phase: 'snapshot', startedAt: '2026-11-25T02:00:03.200Z', seconds: 1.5, status: 'ok' },
      { phase: 'capture', startedAt: '2026-11-25T02:00:05.000Z', seconds: 60, status: 'ok' },
      { phase: 'provision', startedAt: '2026-11-25T02:00:05.000Z', seconds: 125, status: 'ok' },
      { phase: 'restore', startedAt: '2026-11-25T02:02:10.000Z', seconds: 252, status: 'ok' },
      { phase: 'verify', startedAt: '2026-11-25T02:06:22.000Z', seconds: 20.25, status: 'ok' },
      { phase: 'cleanup', startedAt: '2026-11-25T02:09:26.000Z', seconds: 4, status: 'ok' }
    ],
    drillApp: { name: 'restore-drill-my-app-1a2b3c', mode: 'auto', deleted: true },
    cleanup: {
      destroyed: ['restore-drill-my-app-99-1-ab12'],
      staleDestroyed: ['restore-drill-my-app-12-1-zz99'],
      kept: null,
      problems: []
    },
    notes: ['The source is 23 MB, well under the 20 GB guidance for logical backups.'],
    runbook: { restoreSeconds: 252, commands: [] }
  }
}

/** A failed drill: a table lost rows, a sequence went back, a real restore warning, a schema difference. */
export function failedReport(): DrillReport {
  const report = passedReport()
  report.outcome = 'failed'
  report.verdict =
    'Failed: backup b042 restored, but 3 mismatches (first: public.track: 3 rows missing)'
  const v = report.verification!
  v.passed = false
  v.tables[1] = {
    ...v.tables[1],
    restored: 3500,
    status: 'mismatch',
    checksum: { source: 'aa11', restored: 'bb22', match: false }
  }
  v.tables.push({
    table: 'Sales Data.Line | Items',
    sourceBefore: 5,
    sourceAfter: 5,
    restored: null,
    expectedMin: 5,
    expectedMax: 5,
    status: 'missing'
  })
  v.findings.push(
    {
      check: 'counts',
      object: 'public.track',
      message: '3 rows missing (3,500 restored, 3,503 expected)',
      severity: 'mismatch'
    },
    {
      check: 'schema',
      object: 'index public.track_pkey',
      message: 'missing in the restore',
      severity: 'mismatch'
    },
    {
      check: 'sequences',
      object: 'public.track_id_seq',
      message: 'at 10, below max(track_id) 3503',
      severity: 'warning'
    }
  )
  v.checks[1] = {
    ...v.checks[1],
    status: 'failed',
    detail: '2 of 5 tables out of bounds or missing'
  }
  v.checks[3] = { ...v.checks[3], status: 'failed', detail: '1 table differs' }
  const copyFailed = 'pg_restore: error: COPY failed for table "track": ERROR: out of memory'
  v.restoreWarnings.real.push(copyFailed)
  // As the restore-warnings check reports them under restore-warnings: triage.
  v.findings.push(
    {
      check: 'restore-warnings',
      object: copyFailed,
      message: `restore problem: ${copyFailed}`,
      severity: 'mismatch'
    },
    {
      check: 'restore-warnings',
      object: v.restoreWarnings.harmless[0],
      message: `known harmless on Heroku: ${v.restoreWarnings.harmless[0]}`,
      severity: 'info'
    }
  )
  return report
}
