// `npm run build`: the bundles (main, post, and the fleet's discover and fleet-report) with ncc,
// side by side; fails if any fails.
import { spawn } from 'node:child_process'

const bundles = [
  ['src/main.ts', '-o', 'dist', '--license', 'licenses.txt'],
  ['src/post.ts', '-o', 'dist/post'],
  ['src/discover-main.ts', '-o', 'dist/discover'],
  ['src/fleet-report-main.ts', '-o', 'dist/fleet-report']
]

function ncc(args) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', ...args],
      {
        stdio: 'inherit'
      }
    )
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

const codes = await Promise.all(bundles.map(ncc))
process.exit(codes.every((c) => c === 0) ? 0 : 1)
