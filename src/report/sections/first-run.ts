// What a first run on a real account needs to see: with dry-run, what a real drill would create
// and delete; always, the source's and the copy's majors, the connections the drill took on the
// source, and the token's scopes as Heroku reported them.
import type { DrillReport } from '../model.js'
import { oneLine, type Block, type Inline } from '../render.js'

export function dryRunBlocks(report: DrillReport): Block[] {
  const plan = report.dryRun
  if (!plan) return []
  const line = (label: string, what: string): Inline => [{ strong: label }, ` ${oneLine(what)}`]
  const items: Inline[] = [
    ...plan.wouldCreate.map((what) => line('would create:', what)),
    ...(plan.wouldDelete.length
      ? plan.wouldDelete.map((what) => line('would delete:', what))
      : [line('would delete:', 'nothing of earlier drills')])
  ]
  return [
    { kind: 'heading', text: 'Dry run: what a real drill would do' },
    { kind: 'list', items }
  ]
}

export function sourceAccessBlocks(report: DrillReport): Block[] {
  const items: Inline[] = []
  const v = report.versions
  if (v)
    items.push(
      `PostgreSQL: source ${v.source}, copy ${v.copy}${v.copy > v.source ? ' (an upgrade rehearsal)' : ''}`
    )
  const c = report.sourceConnections
  if (c) {
    const before = c.before ? `; ${c.before.used}/${c.before.limit} were in use before it` : ''
    items.push(
      `Connections on the source: the drill used ${c.peak} at most (its limit ${c.max}, keeping 2 free for the app${before})`
    )
  }
  if (report.tokenScopes !== undefined)
    items.push([
      "Token's scopes, as Heroku reports them: ",
      report.tokenScopes ? { code: oneLine(report.tokenScopes) } : 'not reported'
    ])
  return items.length ? [{ kind: 'list', items }] : []
}
