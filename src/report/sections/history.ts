// The drill's history: earlier drills of the app, regressions, and the trend as a table and a chart.
import type { TrendPoint } from '../../history/compare.js'
import type { DrillReport } from '../model.js'
import { formatBytes, formatCount, formatDuration, plural } from '../../format.js'
import { ICON, capped, oneLine, when, type Block, type Inline } from '../render.js'

const HISTORY_ICON = { warning: '⚠️', failure: '❌' } as const

export function historyBlocks(report: DrillReport): Block[] {
  const h = report.history
  if (!h) return []
  const blocks: Block[] = [{ kind: 'heading', text: 'History' }]
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
  const chart = restoreChart(h.trend)
  if (chart) blocks.push(chart)
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

/** Restore time over the drills, oldest first; none with fewer than two restores to draw. */
function restoreChart(trend: TrendPoint[]): Block | null {
  const points = trend.filter((p) => p.restoreSeconds !== null)
  if (points.length < 2) return null
  const labels = points.map((p) =>
    JSON.stringify(p.current ? 'now' : p.time.slice(5, 16).replace('T', ' '))
  )
  const values = points.map((p) => Math.round(p.restoreSeconds ?? 0))
  return {
    kind: 'chart',
    lines: [
      'xychart-beta',
      '  title "Restore time (seconds)"',
      `  x-axis [${labels.join(', ')}]`,
      '  y-axis "seconds"',
      `  line [${values.join(', ')}]`
    ]
  }
}
