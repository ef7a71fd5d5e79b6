// The report artifact: restore-drill-report.json (stable, pretty) and the summary's Markdown,
// written to disk and, on GitHub, uploaded with @actions/artifact. An upload failure is a warning.
import * as core from '@actions/core'
import { DefaultArtifactClient } from '@actions/artifact'
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { DrillReport } from './model.js'

export const REPORT_FILE = 'restore-drill-report.json'
export const SUMMARY_FILE = 'restore-drill-summary.md'

/** Uploads files as one artifact; the default is @actions/artifact's DefaultArtifactClient. */
export type Uploader = (name: string, files: string[], rootDirectory: string) => Promise<unknown>

export interface WriteReportOptions {
  dir: string
  /** Artifact name (report-name input). */
  name: string
  /** Upload only on GitHub (the drill sets it when ACTIONS_RUNTIME_TOKEN is present). */
  upload: boolean
  /** For tests; defaults to DefaultArtifactClient().uploadArtifact. */
  uploader?: Uploader
  /** Where an upload failure is reported; defaults to core.warning. */
  warn?: (message: string) => void
}

export interface WrittenReport {
  reportPath: string
  markdownPath: string
  /** sha256 (hex) of the exact bytes of restore-drill-report.json. */
  sha256: string
  uploaded: boolean
  /** One line saying why the upload failed, when it did. */
  uploadError?: string
}

// The report's identifying fields lead; everything else, at every depth, follows in key order.
const LEADING_KEYS = [
  'version',
  'tool',
  'app',
  'outcome',
  'verdict',
  'error',
  'startedAt',
  'finishedAt'
]

/** The exact text of restore-drill-report.json: 2-space indent, stable key order, final newline. */
export function serializeReport(report: DrillReport): string {
  return JSON.stringify(stable(report, true), null, 2) + '\n'
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** The sha256 that writeReport will compute, for the summary rendered before the files are written. */
export function reportSha256(report: DrillReport): string {
  return sha256Hex(serializeReport(report))
}

export async function writeReport(
  report: DrillReport,
  markdown: string,
  opts: WriteReportOptions
): Promise<WrittenReport> {
  const dir = resolve(opts.dir)
  await mkdir(dir, { recursive: true })
  const json = serializeReport(report)
  const reportPath = join(dir, REPORT_FILE)
  const markdownPath = join(dir, SUMMARY_FILE)
  await writeFile(reportPath, json, 'utf8')
  await writeFile(markdownPath, markdown, 'utf8')
  const written: WrittenReport = {
    reportPath,
    markdownPath,
    sha256: sha256Hex(json),
    uploaded: false
  }
  if (!opts.upload) return written

  const upload: Uploader =
    opts.uploader ??
    ((name, files, root) => new DefaultArtifactClient().uploadArtifact(name, files, root))
  const warn = opts.warn ?? ((message: string) => core.warning(message))
  try {
    await upload(opts.name, [reportPath, markdownPath], dir)
    written.uploaded = true
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0].trim()
    written.uploadError = reason
    warn(
      `The report artifact "${opts.name}" could not be uploaded (${reason}); it is on the runner at ${reportPath}.`
    )
  }
  return written
}

function stable(value: unknown, top = false): unknown {
  if (Array.isArray(value)) return value.map((item) => stable(item))
  if (value === null || typeof value !== 'object') return value
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  const ordered = top
    ? [...LEADING_KEYS.filter((k) => k in record), ...keys.filter((k) => !LEADING_KEYS.includes(k))]
    : keys
  const out: Record<string, unknown> = {}
  for (const key of ordered) {
    if (record[key] !== undefined) out[key] = stable(record[key])
  }
  return out
}
