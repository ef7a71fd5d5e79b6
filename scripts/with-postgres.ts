// `npm test`: runs a command (jest by default) with PG_TEST_URL pointing at a PostgreSQL server,
// starting a throwaway one unless PG_TEST_URL is already set, and stopping it afterwards.
import { spawn } from 'node:child_process'
import { postgresForTests } from '../sim/pg-server.js'

async function main(): Promise<number> {
  const server = await postgresForTests()
  const args = process.argv.slice(2)
  const child = spawn(
    process.execPath,
    ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...args],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        PG_TEST_URL: server.adminUrl,
        PG_BIN_DIR: server.binDir,
        NODE_NO_WARNINGS: '1'
      }
    }
  )
  const stopChild = (signal: NodeJS.Signals) => child.kill(signal)
  process.on('SIGINT', stopChild)
  process.on('SIGTERM', stopChild)
  const code: number = await new Promise((resolve) =>
    child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0)))
  )
  await server.stop()
  return code
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message)
    process.exit(1)
  }
)
