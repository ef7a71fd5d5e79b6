// verify-budget, source-statement-timeout and self-test: parsed into the config, each bad value one
// line naming the input with a good example.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { InputError, readConfig } from '../../src/inputs.js'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string }>
}

function inputs(values: Record<string, string> = {}): (name: string) => string {
  const all: Record<string, string> = { app: 'my-app', 'heroku-api-key': 'HRKU-test' }
  for (const [name, input] of Object.entries(action.inputs))
    if (!(name in all)) all[name] = input.default ?? ''
  Object.assign(all, values)
  return (name) => all[name] ?? ''
}

function refusal(values: Record<string, string>): InputError {
  try {
    readConfig(inputs(values))
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }
  throw new Error('accepted')
}

describe('inputs that bound verification', () => {
  it('defaults: no budget, 10 minutes on the source, the self-test on', () => {
    const config = readConfig(inputs())
    expect(config.verifyBudgetSeconds).toBeNull()
    expect(config.sourceStatementTimeoutSeconds).toBe(600)
    expect(config.selfTest).toBe(true)
  })

  it('durations in seconds, minutes or hours', () => {
    expect(readConfig(inputs({ 'verify-budget': '90s' })).verifyBudgetSeconds).toBe(90)
    expect(readConfig(inputs({ 'verify-budget': '5m' })).verifyBudgetSeconds).toBe(300)
    expect(
      readConfig(inputs({ 'source-statement-timeout': '1s' })).sourceStatementTimeoutSeconds
    ).toBe(1)
    expect(
      readConfig(inputs({ 'source-statement-timeout': '1h' })).sourceStatementTimeoutSeconds
    ).toBe(3600)
    expect(readConfig(inputs({ 'self-test': 'false' })).selfTest).toBe(false)
  })

  it('a bad value names the input and gives an example', () => {
    for (const [input, value] of [
      ['verify-budget', '0s'],
      ['verify-budget', 'soon'],
      ['source-statement-timeout', '0s'],
      ['source-statement-timeout', '10 minutes'],
      ['self-test', 'maybe']
    ]) {
      const error = refusal({ [input]: value })
      expect(error.input).toBe(input)
      expect(error.message).toContain(`Input "${input}"`)
      expect(error.message).toMatch(/e\.g\.|such as/)
      expect(error.message).not.toContain('\n')
    }
  })
})
