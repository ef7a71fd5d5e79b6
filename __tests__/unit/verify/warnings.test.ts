// classifyRestoreLog (pure), on real pg_restore logs recorded from PostgreSQL 15 and on the
// older `[archiver (db)]` format.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  classifyRestoreLog,
  HARMLESS_RESTORE_PROBLEMS,
  restoreWarningSeverity
} from '../../../src/verify/warnings.js'
import { logForReport } from '../../../src/verify/warnings.js'
import type { TransferLogLine } from '../../../src/verify/types.js'

const fixture = (name: string): TransferLogLine[] =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url)), 'utf8')
    .split('\n')
    .map((message) => ({ level: 'info', message }))

describe('classifyRestoreLog', () => {
  test('a restore as a different, non-superuser role: ownership, comment and event-trigger errors are harmless', () => {
    const { harmless, real } = classifyRestoreLog(fixture('pg-restore-harmless.txt'))
    expect(real).toEqual([])
    expect(harmless).toHaveLength(8) // 7 errors + the summary line
    expect(harmless.join('\n')).toMatch(/schema "heroku_ext" already exists/)
    expect(harmless.join('\n')).toMatch(/must be owner of extension citext/)
    expect(harmless.join('\n')).toMatch(
      /role "ghost" does not exist \(Command was: ALTER TABLE public\.failed_jobs OWNER TO ghost;\)/
    )
    expect(harmless.join('\n')).toMatch(/permission denied to create event trigger "et"/)
    expect(harmless.join('\n')).toMatch(/errors ignored on restore: 7/)
  })

  test('a restore that could not create tables: every lost table, COPY and missing extension is real', () => {
    const { harmless, real } = classifyRestoreLog(fixture('pg-restore-failed.txt'))
    const text = real.join('\n')
    expect(text).toMatch(/permission denied to create extension "citext"/)
    expect(text).toMatch(/extension "citext" does not exist/)
    expect(text).toMatch(
      /relation "public.t" does not exist \(Command was: COPY public\.t \(id, c\) FROM stdin;\)/
    )
    expect(text).toMatch(
      /permission denied for schema public \(Command was: CREATE TABLE public\.failed_jobs \(\)/
    )
    expect(harmless.join('\n')).toMatch(/must be owner of schema public/)
    expect(real.length + harmless.length).toBe(16) // 15 errors + summary
  })

  test('verbose lines naming tables like failed_jobs or error_log are not problems', () => {
    const lines = [
      'pg_restore: creating TABLE "public.failed_jobs"',
      'pg_restore: processing data for table "public.error_log"',
      'pg_restore: creating INDEX "public.warnings_idx"'
    ].map((message) => ({ message }))
    expect(classifyRestoreLog(lines)).toEqual({ harmless: [], real: [] })
  })

  test('the pre-12 [archiver (db)] format, several lines in one message', () => {
    const lines: TransferLogLine[] = [
      {
        level: 'info',
        message:
          'pg_restore: [archiver (db)] Error while PROCESSING TOC:\n' +
          'pg_restore: [archiver (db)] Error from TOC entry 3; 0 0 COMMENT EXTENSION plpgsql\n' +
          'pg_restore: [archiver (db)] could not execute query: ERROR:  must be owner of extension plpgsql\n' +
          "    Command was: COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';"
      },
      {
        message:
          'pg_restore: [archiver (db)] Error from TOC entry 2950; 0 16400 TABLE DATA orders app\n' +
          'pg_restore: [archiver (db)] COPY failed for table "orders": ERROR:  invalid input syntax for type integer'
      },
      { message: 'WARNING: errors ignored on restore: 2' }
    ]
    const { harmless, real } = classifyRestoreLog(lines)
    expect(harmless).toEqual([
      expect.stringMatching(
        /must be owner of extension plpgsql \(Command was: COMMENT ON EXTENSION plpgsql/
      ),
      'WARNING: errors ignored on restore: 2'
    ])
    expect(real).toEqual([expect.stringMatching(/COPY failed for table "orders"/)])
  })

  test('row values quoted in errors, DETAIL and CONTEXT lines are not repeated', () => {
    const lines = [
      'pg_restore: error: COPY failed for table "people": ERROR:  invalid input syntax for type integer: "4111 1111 1111 1111"',
      'CONTEXT:  COPY people, line 3, column age: "4111 1111 1111 1111"',
      'pg_restore: error: could not execute query: ERROR:  could not create unique index "people_email_key"',
      'DETAIL:  Key (email)=(someone@example.com) is duplicated.',
      'Command was: ALTER TABLE ONLY public.people ADD CONSTRAINT people_email_key UNIQUE (email);'
    ].map((message) => ({ message }))
    const { real } = classifyRestoreLog(lines)
    expect(real).toEqual([
      'pg_restore: error: COPY failed for table "people": ERROR:  invalid input syntax for type integer: "…"',
      'pg_restore: error: could not execute query: ERROR:  could not create unique index "people_email_key" ' +
        '(Command was: ALTER TABLE ONLY public.people ADD CONSTRAINT people_email_key UNIQUE (email);)'
    ])
    expect(real.join('\n')).not.toMatch(/4111|someone@/)
  })

  test('a timestamp before `Command was:` still attaches the command', () => {
    const lines = [
      'pg_restore: error: could not execute query: ERROR:  role "u8a7" does not exist',
      '2026-11-25T10:00:00Z Command was: ALTER TABLE public.t OWNER TO u8a7;'
    ].map((message) => ({ message }))
    expect(classifyRestoreLog(lines).harmless).toHaveLength(1)
  })

  test('a role missing outside OWNER/GRANT (e.g. a policy) is real', () => {
    const lines = [
      'pg_restore: error: could not execute query: ERROR:  role "reporting" does not exist',
      'Command was: CREATE POLICY p ON public.t TO reporting USING (true);'
    ].map((message) => ({ message }))
    expect(classifyRestoreLog(lines).real).toHaveLength(1)
  })

  test('more errors counted than logged: the unseen ones are real', () => {
    const lines = [
      'pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql',
      'pg_restore: warning: errors ignored on restore: 3'
    ].map((message) => ({ message }))
    expect(classifyRestoreLog(lines).real).toEqual([
      'pg_restore reported 3 errors but only 1 appear in the log'
    ])
  })

  test('a repeated summary line is a total, not added up', () => {
    const lines = [
      'pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql',
      'pg_restore: warning: errors ignored on restore: 1',
      'pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql',
      'pg_restore: warning: errors ignored on restore: 2'
    ].map((message) => ({ message }))
    expect(classifyRestoreLog(lines).real).toEqual([])
  })

  test('transfer lines at level error or warning are problems even without pg_restore wording', () => {
    const { real } = classifyRestoreLog([
      { level: 'error', message: 'restore failed: download interrupted' }
    ])
    expect(real).toEqual(['restore failed: download interrupted'])
  })

  test('every harmless entry explains why', () => {
    for (const entry of HARMLESS_RESTORE_PROBLEMS) expect(entry.why.length).toBeGreaterThan(20)
  })
})

describe('restore-warnings modes', () => {
  test('triage fails on real only, strict on everything, allow on nothing', () => {
    expect(restoreWarningSeverity('triage', 'real')).toBe('mismatch')
    expect(restoreWarningSeverity('triage', 'harmless')).toBe('info')
    expect(restoreWarningSeverity('strict', 'harmless')).toBe('mismatch')
    expect(restoreWarningSeverity('strict', 'real')).toBe('mismatch')
    expect(restoreWarningSeverity('allow', 'real')).toBe('warning')
    expect(restoreWarningSeverity('allow', 'harmless')).toBe('info')
  })
})

describe('logForReport', () => {
  test('keeps the problem and its command but no line that can quote row values', () => {
    const kept = logForReport([
      { level: 'info', message: 'pg_restore: processing data for table "public.track"' },
      {
        level: 'error',
        message: [
          'pg_restore: error: COPY failed for table "track": ERROR:  invalid input syntax for type integer: "Secret Song"',
          'CONTEXT:  COPY track, line 1, column track_id: "Secret Song"',
          'DETAIL:  Key (email)=(alice@example.com) already exists.',
          'Command was: COPY public.track (track_id, name) FROM stdin;'
        ].join('\n')
      },
      { level: 'error', message: 'DETAIL:  Failing row contains (1, Secret Song).' }
    ])
    const text = kept.map((l) => l.message).join('\n')
    expect(text).not.toMatch(/Secret Song|alice@example\.com/)
    expect(text).toContain('COPY failed for table "track"')
    expect(text).toContain('Command was: COPY public.track')
    expect(kept).toHaveLength(2)
  })
})
