#!/usr/bin/env bash
# Starts the simulated Heroku in the background with one app loaded from a SQL file, waits until it
# is ready, and writes api-url, data-api-url and token to GITHUB_OUTPUT. Without PG_TEST_URL the
# simulator starts its own throwaway PostgreSQL (from /usr/lib/postgresql/*/bin on GitHub's Ubuntu
# runners). Its ready line, log and pid stay in $RUNNER_TEMP/heroku-sim for the later steps; the
# runner ends it with the job.
# Usage: start-simulator.sh APP SQL_FILE
set -euo pipefail
app="${1:?usage: start-simulator.sh APP SQL_FILE}"
sql="${2:?usage: start-simulator.sh APP SQL_FILE}"
dir="${RUNNER_TEMP:?}/heroku-sim"
mkdir -p "$dir"

node_modules/.bin/tsx sim/main.ts --app "$app" --sql "$sql" >"$dir/ready.json" 2>"$dir/sim.log" &
echo $! >"$dir/pid"

for _ in $(seq 1 360); do
  if grep -q '}' "$dir/ready.json" 2>/dev/null; then break; fi
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    cat "$dir/sim.log" >&2
    echo "::error::the simulator exited before it was ready"
    exit 1
  fi
  sleep 0.5
done
if ! grep -q '}' "$dir/ready.json"; then
  cat "$dir/sim.log" >&2
  echo "::error::the simulator was not ready within 3 minutes"
  exit 1
fi

node --input-type=module -e '
  import { appendFileSync, readFileSync } from "node:fs"
  const sim = JSON.parse(readFileSync(process.argv[1], "utf8"))
  // A throwaway token and password, masked all the same: the action must never need it.
  console.log(`::add-mask::${sim.token}`)
  const password = new URL(sim.databaseUrl).password
  if (password) console.log(`::add-mask::${decodeURIComponent(password)}`)
  const lines = [`api-url=${sim.apiUrl}`, `data-api-url=${sim.dataApiUrl}`, `token=${sim.token}`]
  appendFileSync(process.env.GITHUB_OUTPUT, lines.join("\n") + "\n")
  console.log(`simulated Heroku at ${sim.apiUrl}, app ${sim.app}`)
' "$dir/ready.json"
