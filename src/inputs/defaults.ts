// The action.yml default of each input that has a non-empty one.

/** The action.yml default of each input that has a non-empty one (the runner applies them; a harness may not). */
export const DEFAULTS: Record<string, string> = {
  database: 'DATABASE_URL',
  backup: 'capture',
  plan: 'same',
  maintenance: 'false',
  canary: 'false',
  promote: 'false',
  'keep-database': 'false',
  'keep-backup': 'false',
  'drill-app': 'auto',
  method: 'backup',
  'rollback-to': '30m',
  'require-schedule': 'true',
  'restore-warnings': 'triage',
  'timeout-minutes': '120',
  'verify-connections': '3',
  history: 'artifacts'
}
