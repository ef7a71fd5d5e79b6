// history: <path>: a JSON-lines file of drill figures, one line per drill, read before the report
// and appended after it. Lines of other apps, and lines that are not figures, are skipped.
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { newestFirst, parseFigures, type DrillFigures } from './figures.js'
import { MAX_HISTORY } from './compare.js'

export interface FileHistory {
  earlier: DrillFigures[]
  /** Lines that could not be read as figures. */
  skipped: number
}

/** The app's drills in the file, newest first; a missing file is an empty history. */
export async function readHistoryFile(path: string, app: string): Promise<FileHistory> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { earlier: [], skipped: 0 }
    throw err
  }
  const figures: DrillFigures[] = []
  let skipped = 0
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const parsed = parseLine(line)
    if (parsed) figures.push(parsed)
    else skipped++
  }
  return { earlier: newestFirst(figures, app, MAX_HISTORY), skipped }
}

export async function appendHistoryFile(path: string, figures: DrillFigures): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, JSON.stringify(figures) + '\n', 'utf8')
}

function parseLine(line: string): DrillFigures | null {
  try {
    return parseFigures(JSON.parse(line))
  } catch {
    return null
  }
}
