// Faults armed through POST /__sim/faults: each one acts on the next matching
// operation(s) and is then used up. DELETE /__sim/faults disarms all.
import type { DamageFault } from './sim-damage.js'
import { invalidParams } from './sim-http.js'

export type Fault =
  | {
      kind: 'http'
      status: 429 | 500 | 503
      count: number
      path?: string
      method?: string
      /** 'after': the request is applied, then the error answered (an ambiguous write). */
      when?: 'before' | 'after'
    }
  | { kind: 'reset'; count: number; path?: string; method?: string; when?: 'before' | 'after' }
  | { kind: 'provision-fail' }
  /** An extra kind: the next add-on provisions for `seconds` (not the default delay). */
  | { kind: 'provision-slow'; seconds: number }
  /** Not in §7.1's list: the next capture/restore stays running at least `seconds`. */
  | { kind: 'transfer-slow'; transfer: 'capture' | 'restore'; seconds: number }
  | { kind: 'transfer-fail'; transfer: 'capture' | 'restore' }
  /** Not in §7.1's list: the next release phase (whose description matches) fails. */
  | { kind: 'release-fail'; description?: string }
  | { kind: 'transfer-warnings'; transfer: 'capture' | 'restore'; count: number; benign: boolean }
  /** Not in §7.1's list: `app`, a REGEX over the name of the app holding the restored database. */
  | (DamageFault & { app?: string })

export type ArmedFault = Fault & { id: number; armedAt: string }

export interface FaultEvent {
  at: string
  fault: ArmedFault
  detail: string
  error?: boolean
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function str(f: Record<string, unknown>, key: string): string {
  const v = f[key]
  if (typeof v !== 'string' || v.trim() === '')
    throw invalidParams(`fault ${String(f.kind)} needs "${key}" (a non-empty string)`)
  return v
}

function count(f: Record<string, unknown>, fallback: number): number {
  const v = f.count ?? fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalidParams(`fault ${String(f.kind)}: "count" must be a positive integer`)
  return v
}

function seconds(f: Record<string, unknown>): number {
  const v = f.seconds
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 86_400)
    throw invalidParams(`fault ${String(f.kind)}: "seconds" must be a number of seconds (0..86400)`)
  return v
}

function regex(f: Record<string, unknown>, key: string): string | undefined {
  if (f[key] === undefined) return undefined
  const p = str(f, key)
  try {
    new RegExp(p)
  } catch {
    throw invalidParams(`fault ${String(f.kind)}: "${key}" is not a valid regular expression`)
  }
  return p
}

const pathRegex = (f: Record<string, unknown>): string | undefined => regex(f, 'path')

function when(f: Record<string, unknown>): 'before' | 'after' {
  const w = f.when ?? 'before'
  if (w !== 'before' && w !== 'after')
    throw invalidParams('fault "when" must be "before" or "after"')
  return w
}

function transferKind(
  f: Record<string, unknown>,
  fallback?: 'capture' | 'restore'
): 'capture' | 'restore' {
  const t = f.transfer ?? fallback
  if (t !== 'capture' && t !== 'restore')
    throw invalidParams(`fault ${String(f.kind)}: "transfer" must be "capture" or "restore"`)
  return t
}

/** Validates one fault as posted; throws 422 invalid_params naming what is wrong. */
function damageFault(raw: Record<string, unknown>): DamageFault {
  switch (raw.kind) {
    case 'restore-drop-table':
    case 'restore-alter-row':
      return { kind: raw.kind, table: str(raw, 'table') }
    case 'restore-delete-rows':
      return { kind: 'restore-delete-rows', table: str(raw, 'table'), count: count(raw, 1) }
    case 'restore-reset-sequence':
      return { kind: 'restore-reset-sequence', sequence: str(raw, 'sequence') }
    default:
      return { kind: 'restore-drop-index', index: str(raw, 'index') }
  }
}

export function parseFault(raw: unknown): Fault {
  if (!isObj(raw)) throw invalidParams('a fault must be a JSON object with a "kind"')
  const method = raw.method === undefined ? undefined : str(raw, 'method').toUpperCase()
  switch (raw.kind) {
    case 'http': {
      if (raw.status !== 429 && raw.status !== 500 && raw.status !== 503)
        throw invalidParams('fault http: "status" must be 429, 500 or 503')
      return {
        kind: 'http',
        status: raw.status,
        count: count(raw, 1),
        path: pathRegex(raw),
        method,
        when: when(raw)
      }
    }
    case 'reset':
      return { kind: 'reset', count: count(raw, 1), path: pathRegex(raw), method, when: when(raw) }
    case 'provision-fail':
      return { kind: 'provision-fail' }
    case 'provision-slow':
      return { kind: 'provision-slow', seconds: seconds(raw) }
    case 'transfer-slow':
      return { kind: 'transfer-slow', transfer: transferKind(raw), seconds: seconds(raw) }
    case 'transfer-fail':
      return { kind: 'transfer-fail', transfer: transferKind(raw) }
    case 'release-fail':
      return { kind: 'release-fail', description: regex(raw, 'description') }
    case 'transfer-warnings': {
      if (raw.benign !== undefined && typeof raw.benign !== 'boolean')
        throw invalidParams('fault transfer-warnings: "benign" must be true or false')
      return {
        kind: 'transfer-warnings',
        transfer: transferKind(raw, 'restore'),
        count: count(raw, 1),
        benign: raw.benign === true
      }
    }
    case 'restore-drop-table':
    case 'restore-alter-row':
    case 'restore-delete-rows':
    case 'restore-reset-sequence':
    case 'restore-drop-index': {
      const app = raw.app === undefined ? undefined : regex(raw, 'app')
      return { ...damageFault(raw), ...(app ? { app } : {}) }
    }
    default:
      throw invalidParams(
        `unknown fault kind ${JSON.stringify(raw.kind)}; kinds: http, reset, provision-fail, provision-slow, transfer-fail, transfer-slow, transfer-warnings, release-fail, restore-drop-table, restore-delete-rows, restore-alter-row, restore-reset-sequence, restore-drop-index`
      )
  }
}

export class FaultBoard {
  private armed: ArmedFault[] = []
  private nextId = 1
  readonly events: FaultEvent[] = []

  arm(faults: Fault[]): ArmedFault[] {
    const added = faults.map((f) => ({
      ...f,
      id: this.nextId++,
      armedAt: new Date().toISOString()
    }))
    this.armed.push(...added)
    return added
  }

  clear(): number {
    const n = this.armed.length
    this.armed = []
    return n
  }

  list(): ArmedFault[] {
    return [...this.armed]
  }

  record(fault: ArmedFault, detail: string, error = false): void {
    this.events.push({ at: new Date().toISOString(), fault, detail, error })
  }

  /** The first armed http/reset fault matching this request, one use taken. */
  takeHttp(method: string, path: string, phase: 'before' | 'after'): ArmedFault | undefined {
    const f = this.armed.find(
      (x) =>
        (x.kind === 'http' || x.kind === 'reset') &&
        (x.when ?? 'before') === phase &&
        (!x.method || x.method === method) &&
        (!x.path || new RegExp(x.path).test(path))
    )
    if (!f || (f.kind !== 'http' && f.kind !== 'reset')) return undefined
    f.count -= 1
    if (f.count <= 0) this.armed = this.armed.filter((x) => x !== f)
    this.record(f, `${method} ${path}`)
    return f
  }

  /** Takes (uses up) every armed fault for which `pick` is true. */
  takeAll(pick: (f: ArmedFault) => boolean): ArmedFault[] {
    const taken = this.armed.filter(pick)
    this.armed = this.armed.filter((f) => !taken.includes(f))
    return taken
  }

  /** Takes the first armed fault for which `pick` is true. */
  takeOne(pick: (f: ArmedFault) => boolean): ArmedFault | undefined {
    const f = this.armed.find(pick)
    if (f) this.armed = this.armed.filter((x) => x !== f)
    return f
  }
}
