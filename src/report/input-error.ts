// A run stopped by its inputs still tells the user what to fix: a short job summary listing every
// problem, outcome `error` and the verdict line, then the one failure line. Nothing was created.
import { commandSafe } from '../untrusted.js'
import { oneLine, toMarkdown, toText, type Block } from './render.js'

export interface InputErrorDeps {
  core: {
    info(line: string): void
    setFailed(line: string): void
    setOutput(name: string, value: string): void
    summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } }
  }
  /** Every secret hidden: a token pasted into the wrong input is echoed in no summary. */
  redact: (text: string) => string
}

/** The verdict of a run refused for its inputs: one line. */
export function inputErrorVerdict(app: string, problems: string[]): string {
  const which = problems.length === 1 ? 'an input' : `${problems.length} input problems`
  return `Error: restore drill${appPart(app)} did not start: ${which} to fix`
}

/** The summary's blocks: the verdict, every problem, and what to do. */
export function inputErrorBlocks(app: string, problems: string[]): Block[] {
  return [
    { kind: 'verdict', outcome: 'error', text: inputErrorVerdict(app, problems) },
    { kind: 'list', items: problems.map(oneLine) },
    {
      kind: 'para',
      text: [
        { strong: 'Next step:' },
        ' fix these inputs in the workflow file and run it again. Nothing was created on Heroku.'
      ]
    }
  ]
}

/** Writes the summary (or prints it outside GitHub), sets outcome and verdict, and fails the step. */
export async function publishInputError(
  deps: InputErrorDeps,
  app: string,
  problems: string[]
): Promise<void> {
  const shown = problems.map(deps.redact)
  const blocks = inputErrorBlocks(deps.redact(app), shown)
  if (process.env.GITHUB_STEP_SUMMARY)
    await deps.core.summary.addRaw(toMarkdown(blocks), true).write()
  else deps.core.info(commandSafe(toText(blocks)))
  deps.core.setOutput('outcome', 'error')
  deps.core.setOutput('verdict', deps.redact(inputErrorVerdict(app, shown)))
  deps.core.setFailed(shown.join(' '))
}

/** ` for my-app` when the app input is a plausible app name (it may be the bad input itself). */
function appPart(app: string): string {
  return /^[a-z][a-z0-9-]{1,29}$/.test(app) ? ` for ${app}` : ''
}
