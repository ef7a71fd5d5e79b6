// The drill's history: earlier drills of the app, regressions, and the trend as a table and a chart.
import type { TrendPoint } from '../../history/compare.js'
import type { DrillReport } from '../model.js'
import { formatBytes, formatCount, formatDuration, plural } from '../../format.js'
import { ICON, capped, oneLine, when, type Block, type Inline } from '../render.js'

const HISTORY_ICON = { warning: '⚠️', failure: '❌' } as const

export function historyBlocks(report: DrillReport): Block[] {
  const h = report.history
  if (!h) return []
  const blocks: Block[] = []
  if (h.drills > 0) {
    const base = h.baseline
      ? `; the last passing one ran ${when(h.baseline.time)}${h.baseline.backupId ? ` (backup ${h.baseline.backupId})` : ''}`
      : ''
    blocks.push({
      kind: 'para',
      text: `Compared with ${plural(h.drills, 'earlier drill')} of ${report.app} (history: ${h.source})${base}.`
    })
  }
  const items: Inline[] = [
    ...h.regressions.map((r): Inline => `${HISTORY_ICON[r.severity]} ${oneLine(r.message)}`),
    ...h.notes.map(oneLine)
  ]
  if (items.length) blocks.push({ kind: 'list', items })
  blocks.push(trendTable(h.trend))
  blocks.push(...restoreCharts(h.trend))
  return blocks
}

/** Newest first: this drill, then the earlier ones. */
function trendTable(trend: TrendPoint[]): Block {
  const rows = [...trend]
    .reverse()
    .map((p): Inline[] => [
      p.current ? `${when(p.time)} (this drill)` : when(p.time),
      `${ICON[p.outcome]} ${p.outcome}`,
      p.backupId ?? (p.method === 'backup' ? '' : p.method),
      p.backupBytes === null ? '' : formatBytes(p.backupBytes),
      p.restoreSeconds === null ? '' : formatDuration(p.restoreSeconds),
      p.totalRows === null ? '' : formatCount(p.totalRows),
      formatDuration(p.drillSeconds)
    ])
  return {
    kind: 'table',
    headers: ['Drill', 'Outcome', 'Backup', 'Size', 'Restore', 'Rows', 'Drill time'],
    rows: capped(rows),
    numeric: [false, false, false, true, true, true, true]
  }
}

/** A line colour that reads on GitHub's light and dark themes alike (its own accent blue). */
const CHART_THEME = '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#2f81f7"}}}}%%'

/**
 * Restore time over the drills, oldest first: one chart per recovery path (a fork's time until
 * ready is no restore time of a backup), each followed by a table with exactly its figures. None
 * for a path with fewer than two drills to draw.
 */
function restoreCharts(trend: TrendPoint[]): Block[] {
  const methods = [...new Set(trend.map((p) => p.method ?? 'backup'))]
  return methods.flatMap((method) => {
    const points = trend.filter(
      (p) => (p.method ?? 'backup') === method && p.restoreSeconds !== null
    )
    if (points.length < 2) return []
    const labels = points.map((p) => (p.current ? 'now' : when(p.time).slice(5, 16)))
    const values = points.map((p) => (Math.round((p.restoreSeconds ?? 0) * 10) / 10).toFixed(1))
    const what = method === 'backup' ? 'Restore time' : `Time until the ${method} was ready`
    const title = `${what}, method ${method} (seconds)`
    return [
      {
        kind: 'chart',
        lines: [
          CHART_THEME,
          'xychart-beta',
          `  title ${JSON.stringify(title)}`,
          `  x-axis [${labels.map((l) => JSON.stringify(l)).join(', ')}]`,
          '  y-axis "seconds"',
          `  line [${values.join(', ')}]`
        ]
      },
      {
        kind: 'table',
        headers: [`Drill (method ${method})`, 'Seconds'],
        rows: labels.map((label, i): Inline[] => [label, values[i]]),
        numeric: [false, true]
      }
    ] satisfies Block[]
  })
}

/** The label of the folded history: how many drills, and the regressions when there are any. */
export function historyLabel(report: DrillReport): string {
  const h = report.history
  if (!h) return ''
  const flagged = h.regressions.length ? `, ${plural(h.regressions.length, 'regression')}` : ''
  return `History: ${plural(h.drills, 'earlier drill')}${flagged}`
}
