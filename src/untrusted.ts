// Text from outside (Heroku's answers, GitHub's, the database's names and values) on its way to
// the runner's log. The runner reads any output line that starts with `::` as a workflow command:
// one Heroku string like `\n::stop-commands::x\n` would switch off the masking of every secret
// registered after it. So every external string is flattened where it is read, and every line
// written to the log is made command-safe where it is written (both, so neither alone is relied on).

/** One line: line breaks and other control characters become a space. */
export function flatten(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
}

/**
 * `text` (one line or several) with no line the runner would take for a workflow command:
 * a leading `::` or `##[` gets a zero-width space inside it.
 */
export function commandSafe(text: string): string {
  return text.replace(/^(\s*):(?=:)/gm, '$1:\u200b').replace(/^(\s*)#(?=#\[)/gm, '$1#\u200b')
}
