// Maintenance mode, as one pair: switched on only when it was off (and saved to state first, so
// the post step can switch it off if main dies), switched off only when this run switched it on.
// Used for the capture window, by the promote drill and by the clean-up.
import type { PlatformApi } from '../heroku/platform.js'
import type { DrillState } from '../state.js'

export interface MaintenanceDeps {
  platform: PlatformApi
  state: DrillState
  app: string
  log: (line: string) => void
}

/** 'switched-on', or 'already-on' when someone else had it on (then it is left as it is). */
export async function maintenanceOn(deps: MaintenanceDeps): Promise<'switched-on' | 'already-on'> {
  const app = await deps.platform.getApp(deps.app)
  if (app.maintenance) {
    deps.log('maintenance mode was already on; leaving it as it is')
    return 'already-on'
  }
  deps.state.update({ maintenanceOn: true })
  await deps.platform.setMaintenance(deps.app, true)
  deps.log('maintenance mode on')
  return 'switched-on'
}

/** Off again if this run switched it on (per the saved state); true when it switched it off. */
export async function maintenanceOff(deps: MaintenanceDeps): Promise<boolean> {
  if (!deps.state.value.maintenanceOn) return false
  await deps.platform.setMaintenance(deps.app, false)
  deps.state.update({ maintenanceOn: false })
  deps.log('maintenance mode off')
  return true
}
