// Checks what the drill step gave the workflow: its outputs, the report they point at, and that
// the simulated app holds nothing the drill created. Reads the outputs from the environment
// (OUTCOME, BACKUP_ID, ...), the simulator's address from $RUNNER_TEMP/heroku-sim/ready.json.
// Optional EXPECT_TABLES / EXPECT_ROWS: the exact counts the fixture holds.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const env = process.env
const problems = []
const expect = (ok, what) => {
  if (!ok) problems.push(what)
}
const isCount = (value) => /^\d+$/.test(value ?? '')

expect(env.OUTCOME === 'passed', `outcome is "${env.OUTCOME}", expected "passed"`)
expect(/^[ab]\d+$/.test(env.BACKUP_ID ?? ''), `backup-id "${env.BACKUP_ID}" is not a backup ID`)
expect(env.MISMATCHES === '0', `mismatches is "${env.MISMATCHES}", expected 0`)
for (const [name, value] of Object.entries({
  'tables-checked': env.TABLES_CHECKED,
  'rows-checked': env.ROWS_CHECKED,
  'restore-seconds': env.RESTORE_SECONDS
})) {
  expect(/^\d+(\.\d+)?$/.test(value ?? ''), `${name} "${value}" is not a number`)
}
expect(Number(env.TABLES_CHECKED) > 0, 'no table was checked')
if (env.EXPECT_TABLES)
  expect(
    env.TABLES_CHECKED === env.EXPECT_TABLES,
    `tables-checked ${env.TABLES_CHECKED}, expected ${env.EXPECT_TABLES}`
  )
if (env.EXPECT_ROWS)
  expect(
    env.ROWS_CHECKED === env.EXPECT_ROWS,
    `rows-checked ${env.ROWS_CHECKED}, expected ${env.EXPECT_ROWS}`
  )
expect(isCount(env.ROWS_CHECKED), 'rows-checked is not a count')

const version = JSON.parse(readFileSync('package.json', 'utf8')).version
if (env.REPORT_PATH && existsSync(env.REPORT_PATH)) {
  const report = JSON.parse(readFileSync(env.REPORT_PATH, 'utf8'))
  expect(
    report.outcome === env.OUTCOME,
    `the report says ${report.outcome}, the output ${env.OUTCOME}`
  )
  expect(report.app === env.APP, `the report is about app ${report.app}, expected ${env.APP}`)
  expect(
    report.tool?.version === version,
    `the report was written by version ${report.tool?.version}, package.json says ${version}`
  )
  expect(
    report.backup?.id === env.BACKUP_ID,
    `the report's backup is ${report.backup?.id}, the output ${env.BACKUP_ID}`
  )
} else {
  problems.push(`report-path "${env.REPORT_PATH}" is not a file`)
}

const sim = JSON.parse(readFileSync(join(env.RUNNER_TEMP, 'heroku-sim', 'ready.json'), 'utf8'))
const answer = await fetch(`${sim.apiUrl}/apps/${env.APP}/addons`, {
  headers: {
    Accept: 'application/vnd.heroku+json; version=3',
    Authorization: 'Basic ' + Buffer.from(':' + sim.token).toString('base64')
  }
})
const addons = await answer.json()
const left = addons.map((a) => a.name).filter((name) => name.startsWith('restore-drill-'))
expect(left.length === 0, `the drill left add-ons on ${env.APP}: ${left.join(', ')}`)

for (const problem of problems) console.log(`::error::${problem}`)
if (problems.length > 0) process.exit(1)
console.log(
  `drill ${env.OUTCOME}: backup ${env.BACKUP_ID}, ${env.TABLES_CHECKED} tables, ${env.ROWS_CHECKED} rows, restore ${env.RESTORE_SECONDS} s; nothing left on ${env.APP}`
)
