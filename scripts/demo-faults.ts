// `npm run demo -- --fault KIND`: the faults a newcomer can arm to see the drill catch a bad
// restore, with targets that exist in the Chinook demo database. Pure: builds the fault JSON.
import { parseFault, type Fault } from '../sim/sim-faults.js'

export interface DemoFaultKind {
  kind: string
  /** What the drill should do about it: the outcome a reader can expect. */
  expect: 'failed' | 'error' | 'passed'
  what: string
  build: (opts: DemoFaultOptions) => Record<string, unknown>
  /** Action inputs the drill needs to see this fault. */
  inputs?: Record<string, string>
}

export interface DemoFaultOptions {
  /** A table, sequence or index (`schema.name`), for the kinds that damage one. */
  target?: string
  count?: number
  seconds?: number
}

export const DEMO_FAULTS: DemoFaultKind[] = [
  {
    kind: 'restore-delete-rows',
    expect: 'failed',
    what: 'the restore loses rows of a table (default public.invoice_line, 5 rows)',
    build: (o) => ({ table: o.target ?? 'public.invoice_line', count: o.count ?? 5 })
  },
  {
    kind: 'restore-drop-table',
    expect: 'failed',
    what: 'the restore loses a whole table (default public.playlist_track)',
    build: (o) => ({ table: o.target ?? 'public.playlist_track' })
  },
  {
    kind: 'restore-alter-row',
    expect: 'failed',
    what: 'one value of one row changes, the row count stays (default public.track; the demo sets checksum-tables: * to see it)',
    build: (o) => ({ table: o.target ?? 'public.track' }),
    // Only a content checksum sees a changed value: the demo hashes every table.
    inputs: { 'checksum-tables': '*' }
  },
  {
    kind: 'restore-reset-sequence',
    expect: 'failed',
    what: 'a sequence falls behind its column, so the next insert would collide (default public.invoice_invoice_id_seq)',
    build: (o) => ({ sequence: o.target ?? 'public.invoice_invoice_id_seq' })
  },
  {
    kind: 'restore-drop-index',
    expect: 'failed',
    what: 'the restore loses an index (default public.invoice_line_track_id_idx)',
    build: (o) => ({ index: o.target ?? 'public.invoice_line_track_id_idx' })
  },
  {
    kind: 'transfer-warnings',
    expect: 'failed',
    what: 'the restore ends with real pg_restore errors in its log (default 3)',
    build: (o) => ({ transfer: 'restore', count: o.count ?? 3, benign: false })
  },
  {
    kind: 'transfer-fail',
    expect: 'error',
    what: 'the restore transfer fails',
    build: () => ({ transfer: 'restore' })
  },
  {
    kind: 'provision-fail',
    expect: 'error',
    what: 'the fresh add-on cannot be provisioned',
    build: () => ({})
  },
  {
    kind: 'transfer-slow',
    expect: 'passed',
    what: 'the restore takes longer (default 75 s): the drill logs a progress line a minute',
    build: (o) => ({ transfer: 'restore', seconds: o.seconds ?? 75 })
  },
  {
    kind: 'provision-slow',
    expect: 'passed',
    what: 'provisioning takes longer (default 75 s): the drill logs a progress line a minute',
    build: (o) => ({ seconds: o.seconds ?? 75 })
  },
  {
    kind: 'http',
    expect: 'passed',
    what: 'Heroku answers 503 three times: the drill retries and passes',
    build: (o) => ({ status: 503, count: o.count ?? 3, method: 'GET' })
  },
  {
    kind: 'reset',
    expect: 'passed',
    what: 'two connections are dropped: the drill retries and passes',
    build: (o) => ({ count: o.count ?? 2, method: 'GET' })
  }
]

/** The fault for `kind`, checked as the simulator checks a POST /__sim/faults body. */
export function demoFault(kind: string, opts: DemoFaultOptions = {}): Fault {
  const known = DEMO_FAULTS.find((f) => f.kind === kind)
  if (!known) {
    throw new Error(`unknown fault kind ${JSON.stringify(kind)}; kinds:\n${faultHelp()}`)
  }
  return parseFault({ kind, ...known.build(opts) })
}

/** One line per kind, for --help and for an unknown kind. */
export function faultHelp(): string {
  return DEMO_FAULTS.map((f) => `  ${f.kind.padEnd(24)} ${f.what} (drill ${f.expect})`).join('\n')
}
