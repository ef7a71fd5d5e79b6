// Step: before anything is created, one read-only `SELECT 1` on the source through the drill's own
// (sized) pool: the runner reaches it and the credentials work. Its answer gives the source's major
// when the database info did not, and so the fresh add-on's (postgres-version).
import type { DrillConfig } from '../config.js'
import type { SourceDatabaseConnection } from '../databases.js'
import { DrillError } from '../errors.js'
import { copyMajorOf, majorOfVersionNum } from '../rules/source-reach.js'
import type { Preflight } from './preflight.js'

export async function probeSource(
  config: Pick<DrillConfig, 'postgresVersion'>,
  source: Pick<SourceDatabaseConnection, 'probe'>,
  pre: Pick<Preflight, 'source' | 'sourceMajor' | 'sourcePool'>,
  log: (line: string) => void
): Promise<{ source: number; copy: number }> {
  const answer = await source.probe().catch((err: Error) => {
    throw new DrillError(
      `the source ${pre.source.addonName} did not answer SELECT 1 from this runner: ${err.message.split('\n')[0]}`
    )
  })
  const sourceMajor = pre.sourceMajor ?? majorOfVersionNum(answer.serverVersionNum)
  const copy = copyMajorOf(config.postgresVersion, sourceMajor)
  const before = pre.sourcePool.before
  log(
    `source answers SELECT 1 (PostgreSQL ${sourceMajor}); the copy will be on ${copy}; ` +
      `the drill uses at most ${pre.sourcePool.size} connection${pre.sourcePool.size === 1 ? '' : 's'} on it` +
      (before ? ` (${before.used}/${before.limit} in use before)` : '')
  )
  return { source: sourceMajor, copy }
}
