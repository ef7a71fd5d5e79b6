// Schedules of the simulator (daily captures) and its shutdown; SimState is the whole simulated
// Heroku the routes use, built in layers under sim/world/ (records, clock, lookups, views, apps,
// add-ons, transfers, restores).
import { rmSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { SimRestores } from './world/restores.js'
import { DAYS, configVarName, iso, sleep, type AppRec, type ScheduleRec } from './sim-world.js'

export * from './sim-catalog.js'
export * from './sim-world.js'

export class SimState extends SimRestores {
  // ---------- schedules ----------

  appSchedules(app: AppRec): ScheduleRec[] {
    return [...this.schedules.values()].filter((s) => s.appId === app.id)
  }

  setSchedule(app: AppRec, req: { name: string; hour: number; timezone: string }): ScheduleRec {
    const existing = this.appSchedules(app).find(
      (s) => s.name.toUpperCase() === req.name.toUpperCase()
    )
    const now = iso()
    if (existing) {
      existing.hour = req.hour
      existing.timezone = req.timezone
      existing.updatedAt = now
      return existing
    }
    const s: ScheduleRec = {
      uuid: randomUUID(),
      appId: app.id,
      name: req.name,
      hour: req.hour,
      timezone: req.timezone,
      days: [...DAYS],
      createdAt: now,
      updatedAt: now
    }
    this.schedules.set(s.uuid, s)
    return s
  }

  /**
   * Runs the schedules as Heroku does: one scheduled (`a…`) capture of the app's DATABASE per day,
   * in the schedule's hour and time zone. Checked every `everyMs`.
   */
  startScheduler(everyMs = 30_000): void {
    const tick = (): void => {
      if (this.closing) return
      for (const sched of this.schedules.values()) {
        const parts = Object.fromEntries(
          new Intl.DateTimeFormat('en-CA', {
            timeZone: sched.timezone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            hourCycle: 'h23'
          })
            .formatToParts(new Date())
            .map((p) => [p.type, p.value])
        )
        const today = `${parts.year}-${parts.month}-${parts.day}`
        if (Number(parts.hour) !== sched.hour || sched.lastRunDate === today) continue
        const app = this.apps.get(sched.appId)
        const att =
          app && this.appAttachments(app).find((a) => configVarName(a) === sched.name.toUpperCase())
        const addon = att && this.addons.get(att.addonId)
        if (!addon || addon.state !== 'provisioned') continue
        sched.lastRunDate = today
        this.startCapture(addon, { scheduleUuid: sched.uuid }).catch(() => {})
      }
      this.later(everyMs, tick)
    }
    this.later(everyMs, tick)
  }

  // ---------- shutdown ----------

  async close(): Promise<void> {
    this.closing = true
    for (const t of this.timers.keys()) clearTimeout(t)
    this.timers.clear()
    for (const t of this.transfers.values()) if (!t.finishedAt) t.kill?.()
    await Promise.all(
      [...this.transfers.values()].map((t) => Promise.race([t.done, sleep(5000)]).catch(() => {}))
    )
    for (const creds of [...this.created]) {
      if (this.pgFor(creds) === this.o.pg) await this.o.pg.dropDatabase(creds).catch(() => {})
      this.created.delete(creds)
    }
    // The Continuous-Protection cluster and every copy go whole, with their directories.
    await this.protection.close()
    rmSync(this.o.dumpDir, { recursive: true, force: true })
  }
}
