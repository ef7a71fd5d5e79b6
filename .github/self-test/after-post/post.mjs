// After the drill's post step: no app or add-on named restore-drill-* is left on the simulated
// Heroku (whose address the start-simulator step left in $RUNNER_TEMP/heroku-sim/ready.json).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const sim = JSON.parse(
  readFileSync(join(process.env.RUNNER_TEMP, 'heroku-sim', 'ready.json'), 'utf8')
)
const headers = {
  Accept: 'application/vnd.heroku+json; version=3',
  Authorization: 'Basic ' + Buffer.from(':' + sim.token).toString('base64')
}
const get = async (path) => {
  const answer = await fetch(sim.apiUrl + path, { headers })
  if (!answer.ok) throw new Error(`GET ${path}: ${answer.status}`)
  return answer.json()
}

const left = []
for (const app of await get('/apps')) {
  if (app.name.startsWith('restore-drill-')) left.push(`app ${app.name}`)
  for (const addon of await get(`/apps/${app.name}/addons`)) {
    if (addon.name.startsWith('restore-drill-')) left.push(`add-on ${addon.name} on ${app.name}`)
  }
}
if (left.length > 0) {
  console.log(`::error::left behind after the post step: ${left.join(', ')}`)
  process.exit(1)
}
console.log('nothing left behind after the post step')
