// Connections held open "as the app" (POST /__sim/addons/{id|name}/connections {count}): real
// backends of the add-on's database, as its own role, so they count against the plan's connection
// limit (the role's CONNECTION LIMIT) and show in the info's `Connections: used/limit`.
import pg from 'pg'
import type { DatabaseCredentials } from './sim-pg.js'

export class HeldConnections {
  private readonly held = new Map<string, pg.Client[]>()

  /** Holds exactly `count` connections to the database (opens or closes the difference). */
  async hold(addonId: string, creds: DatabaseCredentials, count: number): Promise<number> {
    const clients = this.held.get(addonId) ?? []
    this.held.set(addonId, clients)
    while (clients.length > count)
      await clients
        .pop()!
        .end()
        .catch(() => {})
    while (clients.length < count) {
      const client = new pg.Client({ ...creds, application_name: 'heroku-sim-app' })
      client.on('error', () => {})
      await client.connect()
      clients.push(client)
    }
    return clients.length
  }

  count(addonId: string): number {
    return this.held.get(addonId)?.length ?? 0
  }

  async closeAll(): Promise<void> {
    const all = [...this.held.values()].flat()
    this.held.clear()
    await Promise.all(all.map((c) => c.end().catch(() => {})))
  }
}
