// The simulator's world: apps, heroku-postgresql add-ons (each a real database), attachments and
// releases, with JSON views shaped as Heroku's answers are. Transfers and schedules are run by
// SimState (sim-state.ts), built on this. The pieces live in sim/world/: records.ts (the records
// and formats), clock.ts (timers), lookups.ts, views.ts (JSON answers), apps.ts (apps, releases,
// attachments), addons.ts, then transfers.ts and restores.ts under SimState.
export * from './world/records.js'
export { SimWorld } from './world/addons.js'
