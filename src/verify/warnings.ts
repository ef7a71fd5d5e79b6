// Triage of pg_restore's log (pure): which reported problems are known to be harmless on Heroku,
// and which are real. A restore onto a fresh Heroku database runs as a non-superuser role that
// differs from the source's, so some ownership and privilege statements of every dump fail;
// anything else that failed (a COPY, a CREATE, a missing extension) means something is missing.
import { withoutRowValues } from './sql.js'
import type { FindingSeverity, TransferLogLine } from './types.js'

/** Known-harmless problems: the ONE list. Each entry says why it loses nothing on Heroku. */
export const HARMLESS_RESTORE_PROBLEMS: { pattern: RegExp; why: string }[] = [
  {
    // COMMENT ON / ALTER EXTENSION by a non-owner: the extension itself exists (Heroku created it).
    pattern: /must be owner of extension /i,
    why: 'extensions on Heroku are owned by Heroku; only the comment/owner change is skipped'
  },
  {
    // Pre-extension dumps: plpgsql is always installed, owned by the bootstrap superuser.
    pattern: /must be owner of language plpgsql/i,
    why: 'plpgsql is always installed; only its comment/owner change is skipped'
  },
  {
    // COMMENT ON SCHEMA public / ALTER SCHEMA public OWNER: public belongs to another role on Heroku.
    pattern: /must be owner of schema "?public"?/i,
    why: 'the public schema exists and belongs to Heroku; only its comment/owner change is skipped'
  },
  {
    // CREATE SCHEMA public (or heroku_ext) in the dump; a fresh database already has it.
    pattern: /schema "(public|heroku_ext)" already exists/i,
    why: 'the schema already exists in a fresh Heroku database'
  },
  {
    // CREATE EXTENSION of an extension the restore request already installed.
    pattern: /extension "[^"]+" already exists/i,
    why: 'the extension is installed (Heroku installs the requested extensions before the restore)'
  },
  {
    // GRANT/REVOKE ... ON SCHEMA public by a non-owner only warns.
    pattern: /no privileges (were granted|could be revoked) for "(public|heroku_ext)"/i,
    why: 'privileges on the public and heroku_ext schemas, which Heroku manages'
  },
  {
    // ALTER ... OWNER TO an existing role the restoring role cannot act as: the object exists, owned by the restorer.
    pattern: /must be member of role "[^"]+"[\s\S]*Command was: *ALTER [^\n]* OWNER TO/i,
    why: 'the object is restored, owned by the Heroku role instead of the source role'
  },
  {
    // Heroku's own event triggers (in dumps of Heroku databases) need superuser to recreate.
    pattern:
      /(permission denied to (create|change owner of) event trigger|must be (superuser|owner of event trigger)[^\n]*event trigger|must be superuser to create an event trigger)/i,
    why: "event triggers need superuser; the ones in Heroku dumps are Heroku's own, installed on every database"
  },
  {
    // The owner change that follows an event trigger that could not be created (see above).
    pattern:
      /event trigger "[^"]+" does not exist[\s\S]*Command was: *ALTER EVENT TRIGGER [^\n]* OWNER TO/i,
    why: 'follows the event trigger above: nothing of the application is involved'
  },
  {
    // ALTER ... OWNER TO / GRANT / REVOKE naming a role of the source database: roles differ between
    // Heroku databases (each has its own generated role). Objects and data are restored regardless.
    pattern:
      /role "[^"]+" does not exist[\s\S]*Command was: *(ALTER [^\n]* OWNER TO|GRANT|REVOKE|ALTER DEFAULT PRIVILEGES)/i,
    why: "ownership and grants name the source database's roles, which do not exist on the new database"
  },
  {
    // SET statements at the top of a dump made by a newer pg_dump than the target server.
    pattern: /unrecognized configuration parameter "[^"]+"[\s\S]*Command was: *SET /i,
    why: 'a session setting of a newer pg_dump, unknown to the target server; it affects nothing stored'
  },
  {
    // The summary at the end; the errors it counts are classified one by one (and their number checked).
    pattern: /errors ignored on restore: *\d+/i,
    why: 'summary line; each error it counts is classified on its own'
  }
]

/** Lines that give context to the error after them (which TOC entry). */
const CONTEXT_BEFORE =
  /(while PROCESSING TOC|Error while PROCESSING TOC|from TOC entry|Error from TOC entry)/i
/** Lines that give context to the error before them (the statement, hints, the error position). */
const CONTEXT_AFTER = /^\s*(LINE \d+:|HINT:|DETAIL:|CONTEXT:|QUERY:|\^)|Command was:/
/**
 * A line reporting a problem, in pg_restore's formats (12+: `pg_restore: error:` / `warning:`;
 * up to 11: `pg_restore: [archiver (db)] ...`) or a server message. Not a bare word match:
 * verbose lines name tables such as `failed_jobs` or `error_log`.
 */
const PROBLEM_LINE =
  /(pg_restore: (error|warning|fatal|detail):|pg_restore: \[[^\]]+\]|could not execute query|\b(ERROR|WARNING|FATAL|PANIC): )/
const ERRORS_IGNORED = /errors ignored on restore: *(\d+)/i
const MAX_LINE = 300

interface Problem {
  text: string
  context: string[]
}

function splitLines(lines: TransferLogLine[]): { text: string; level: string }[] {
  return lines.flatMap((line) =>
    line.message
      .split(/\r?\n/)
      .filter((text) => text.trim() !== '')
      .map((text) => ({ text, level: (line.level ?? '').toLowerCase() }))
  )
}

/** Groups the log into problems, each with its context lines (TOC entry before, `Command was:` after). */
function collectProblems(lines: TransferLogLine[]): Problem[] {
  const problems: Problem[] = []
  let pendingContext: string[] = []
  for (const { text, level } of splitLines(lines)) {
    if (CONTEXT_AFTER.test(text) && problems.length > 0) {
      problems[problems.length - 1].context.push(text.trim())
      continue
    }
    if (CONTEXT_BEFORE.test(text)) {
      pendingContext.push(text.trim())
      continue
    }
    if (PROBLEM_LINE.test(text) || level === 'error' || level === 'warning') {
      problems.push({ text: text.trim(), context: pendingContext })
      pendingContext = []
    } else if (!/^\s/.test(text)) {
      pendingContext = []
    }
  }
  return problems
}

const shorten = (text: string): string =>
  text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text

/**
 * How a problem is listed: its line and the command it came from. DETAIL and CONTEXT lines are
 * left out (they can quote row values: keys, COPY input lines); so are values quoted in the line.
 */
function describe(problem: Problem): string {
  const context = problem.context.find((line) => line.includes('Command was:'))
  const command = context?.slice(context.indexOf('Command was:'))
  return shorten(withoutRowValues(command ? `${problem.text} (${command})` : problem.text))
}

/** Splits the restore log's problems into known-harmless and real ones. */
export function classifyRestoreLog(lines: TransferLogLine[]): {
  harmless: string[]
  real: string[]
} {
  const harmless: string[] = []
  const real: string[] = []
  let reportedErrors = 0
  let errorsSeen = 0
  for (const problem of collectProblems(lines)) {
    const whole = [problem.text, ...problem.context].join('\n')
    const summary = ERRORS_IGNORED.exec(problem.text)
    // One summary per pg_restore run; if a log repeats it, the largest is the total.
    if (summary) reportedErrors = Math.max(reportedErrors, Number(summary[1]))
    else if (/could not execute query|pg_restore: (error|\[)/i.test(problem.text)) errorsSeen++
    if (HARMLESS_RESTORE_PROBLEMS.some((entry) => entry.pattern.test(whole)))
      harmless.push(describe(problem))
    else real.push(describe(problem))
  }
  // The log may be cut short; errors pg_restore counted but we never saw cannot be called harmless.
  if (reportedErrors > errorsSeen) {
    real.push(
      `pg_restore reported ${reportedErrors} errors but only ${errorsSeen} appear in the log`
    )
  }
  return { harmless, real }
}

/** The severity of each listed problem under the `restore-warnings` mode. */
export function restoreWarningSeverity(
  mode: 'triage' | 'strict' | 'allow',
  kind: 'harmless' | 'real'
): FindingSeverity {
  if (mode === 'strict') return 'mismatch'
  if (mode === 'allow') return kind === 'real' ? 'warning' : 'info'
  return kind === 'real' ? 'mismatch' : 'info'
}

/**
 * The restore log as the report keeps it: DETAIL, CONTEXT, QUERY and position lines dropped and
 * quoted values removed, because they can quote row values (a duplicate key, a COPY input line)
 * and restored data never leaves the database.
 */
export function logForReport(lines: TransferLogLine[]): TransferLogLine[] {
  return lines.flatMap((line) => {
    const kept = line.message
      .split(/\r?\n/)
      .filter((text) => !CONTEXT_AFTER.test(text) || /Command was:/.test(text))
      .map((text) => shorten(withoutRowValues(text)))
    if (kept.every((text) => text.trim() === '')) return []
    return [{ ...line, message: kept.join('\n') }]
  })
}
