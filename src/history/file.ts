// history: <path>: a JSON-lines file of drill figures, one line per drill, read before the report
// and appended after it. Lines of other apps, and lines that are not figures, are skipped.
import { constants } from 'node:fs'
import {
  isFromTheFuture,
  newestFirst,
  parseFigures,
  runOfEnv,
  type DrillFigures
} from './figures.js'
import { MAX_HISTORY } from './compare.js'
import { openHistoryFile } from './open.js'

export interface FileHistory {
  earlier: DrillFigures[]
  /** Lines that could not be read as figures. */
  skipped: number
  /** Lines of this app dated in the future: skipped (a baseline no drill can have made yet). */
  fromTheFuture: number
}

/** The app's drills in the file, newest first; a missing file is an empty history. */
export async function readHistoryFile(
  path: string,
  app: string,
  env: Record<string, string | undefined>,
  now = Date.now()
): Promise<FileHistory> {
  let text: string
  try {
    const handle = await openHistoryFile(path, constants.O_RDONLY, env)
    try {
      text = await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { earlier: [], skipped: 0, fromTheFuture: 0 }
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
  const ours = figures.filter((f) => f.app === app)
  const future = ours.filter((f) => isFromTheFuture(f, now))
  return {
    earlier: newestFirst(
      ours.filter((f) => !future.includes(f)),
      app,
      MAX_HISTORY
    ),
    skipped,
    fromTheFuture: future.length
  }
}

/** This drill's figures as one more line, with its run (GITHUB_RUN_ID) when it has one. */
export async function appendHistoryFile(
  path: string,
  figures: DrillFigures,
  env: Record<string, string | undefined>
): Promise<void> {
  const { O_WRONLY, O_APPEND, O_CREAT } = constants
  const handle = await openHistoryFile(path, O_WRONLY | O_APPEND | O_CREAT, env, true)
  try {
    await handle.appendFile(JSON.stringify({ ...figures, ...runOfEnv(env) }) + '\n', 'utf8')
  } finally {
    await handle.close()
  }
}

function parseLine(line: string): DrillFigures | null {
  try {
    return parseFigures(JSON.parse(line))
  } catch {
    return null
  }
}
