// How a choice is written back as an input value, in errors and in the report's settings.
import type { BackupChoice, DrillAppChoice } from '../config.js'

export function drillAppLabel(choice: DrillAppChoice): string {
  return choice.mode === 'named' ? choice.name : choice.mode
}

export function backupLabel(choice: BackupChoice): string {
  return choice.mode === 'id' ? choice.id : choice.mode
}
