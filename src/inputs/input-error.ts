// The error every input parser throws, and how a bad value is echoed in it.

/** A bad input value. `message` is one line; `input` names the offending input. */
export class InputError extends Error {
  readonly input: string

  constructor(input: string, message: string) {
    super(message)
    this.name = 'InputError'
    this.input = input
  }
}

/** Echoes a bad value in an error: `(got "…")`, shortened, with no secret in it. */
export type Got = (value: string) => string

const MAX_ECHO = 60

/** The echo for one run: a value echoed in an error never shows a token, even if it was pasted into the wrong input. */
export function echoWithout(secrets: string[]): Got {
  return (value: string): string => {
    const shown = secrets
      .filter((secret) => secret)
      .reduce((text, secret) => text.split(secret).join('***'), value)
    const short = shown.length > MAX_ECHO ? `${shown.slice(0, MAX_ECHO)}…` : shown
    return `(got ${JSON.stringify(short)})`
  }
}
