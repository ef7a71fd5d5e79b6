// target-url (an exit drill): a postgres URL with a host and a user, never echoed, and refused with
// every input that needs a Heroku add-on, one line each, before anything is created.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { InputError, readConfig } from '../../src/inputs.js'

const root = join(import.meta.dirname ?? process.cwd(), '..', '..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>
}
const TOKEN = 'hrku-secret-token-0123456789abcdef'
const PASSWORD = 'target-pass-9f8e7d6c5b4a'
const GOOD = `postgres://admin:${PASSWORD}@db.example.com:5432/postgres`

function inputs(values: Record<string, string>): (name: string) => string {
  const all: Record<string, string> = { app: 'my-app', 'heroku-api-key': TOKEN }
  for (const [name, input] of Object.entries(action.inputs))
    if (!(name in all)) all[name] = input.default ?? ''
  Object.assign(all, values)
  return (name) => all[name] ?? ''
}

function refusal(values: Record<string, string>): InputError {
  try {
    readConfig(inputs(values))
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error(`accepted ${Object.keys(values).join(', ')}`)
}

describe('target-url', () => {
  it('is empty by default: the drill restores on Heroku', () => {
    expect(readConfig(inputs({})).targetUrl).toBeNull()
  })

  it('accepts postgres:// and postgresql:// URLs with a host and a user', () => {
    expect(readConfig(inputs({ 'target-url': GOOD })).targetUrl).toBe(GOOD)
    const other = 'postgresql://admin@10.0.0.5/postgres?sslmode=verify-full'
    expect(readConfig(inputs({ 'target-url': ` ${other} ` })).targetUrl).toBe(other)
  })

  it.each([
    ['not a URL', `admin:${PASSWORD}@db.example.com`, /postgres:\/\/ or postgresql:\/\//],
    ['another scheme', `mysql://admin:${PASSWORD}@db.example.com/x`, /not mysql:\/\//],
    ['no user', `postgres://:${PASSWORD}@db.example.com/postgres`, /must name the user/],
    ['no host', `postgres://admin:${PASSWORD}@/postgres`, /host|postgres:\/\//],
    ['spaces', `postgres://admin:${PASSWORD}@db.example.com/postgres extra`, /no spaces/]
  ])('refuses %s in one line naming the input, never showing the value', (_, value, why) => {
    const error = refusal({ 'target-url': value })
    expect(error.input).toBe('target-url')
    expect(error.message.startsWith('Input "target-url" ')).toBe(true)
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(error.message).toMatch(why)
    expect(error.message).toMatch(/e\.g\. /)
    expect(error.message).not.toContain(PASSWORD)
    expect(error.message).not.toContain('db.example.com/')
  })

  it.each([
    ['method', { method: 'fork' }, /Input "method" cannot be fork/],
    ['promote', { promote: 'true', 'drill-app': 'same', maintenance: 'true' }, /Input "promote"/],
    ['drill-app', { 'drill-app': 'my-drills' }, /Input "drill-app" cannot be my-drills/],
    ['plan', { plan: 'standard-0' }, /Input "plan" cannot be standard-0/],
    ['postgres-version', { 'postgres-version': '17' }, /Input "postgres-version" cannot be 17/]
  ])('refuses %s with it, one line each', (input, values, line) => {
    const error = refusal({ 'target-url': GOOD, ...values })
    const mine = error.problems.filter((p) => p.includes('with target-url'))
    expect(mine.length).toBeGreaterThanOrEqual(1)
    expect(mine.some((p) => line.test(p))).toBe(true)
    for (const problem of error.problems) {
      expect(problem).not.toMatch(/[\r\n]/)
      expect(problem).not.toContain(PASSWORD)
    }
    expect(error.problems.some((p) => p.startsWith(`Input "${input}"`))).toBe(true)
  })

  it('lists every broken rule at once', () => {
    const error = refusal({ 'target-url': GOOD, plan: 'standard-0', 'drill-app': 'same' })
    expect(error.problems.filter((p) => p.includes('with target-url'))).toHaveLength(2)
  })

  it('a target URL pasted into another input is not echoed', () => {
    const error = refusal({ 'target-url': GOOD, 'report-name': `x/${PASSWORD}` })
    expect(error.message).not.toContain(PASSWORD)
  })
})
