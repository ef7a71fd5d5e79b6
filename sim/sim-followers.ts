// Followers (read-only replicas) in the simulator: `heroku addons:create heroku-postgresql:standard-0
// --follow APP::DATABASE_URL` sends `config: {follow: …}`. As on Heroku, the follower's database info
// (GET /client/v11/databases/{id}) names its leader in `following` (the leader's URL, as Heroku
// sends it: the CLI resolves it to a config var name) and in an info row "Following"; the leader's
// lists it under "Followers". The follower's database is a real, empty database: nothing reads its
// rows, only that it is a follower.
import { SimHttpError, invalidParams } from './sim-http.js'
import { hasContinuousProtection } from './sim-protection.js'
import type { SimLookups } from './world/lookups.js'
import { configVarName, type AddonRec, type AppRec } from './world/records.js'

/** The leader a create's `config.follow` names (`APP::CONFIG_VAR`, an attachment of this app, an add-on name or id); undefined without `follow`. */
export function followedLeader(
  world: SimLookups,
  app: AppRec,
  config: Record<string, unknown> | undefined,
  plan: AddonRec['plan']
): AddonRec | undefined {
  const ref = config?.follow
  if (ref === undefined) return undefined
  if (typeof ref !== 'string' || ref === '') throw invalidParams('follow must name a database.')
  if (config?.fork !== undefined || config?.rollback !== undefined)
    throw invalidParams('Give one of follow, fork or rollback.')
  const leader = findDatabase(world, app, ref)
  if (!leader) {
    throw invalidParams(
      `Couldn't find the database ${ref} to follow: name it as APP::DATABASE_URL, a config var of this app or an add-on name.`
    )
  }
  if (!hasContinuousProtection(leader.plan) || !hasContinuousProtection(plan)) {
    throw new SimHttpError(
      422,
      'invalid_params',
      `Followers need Standard-tier plans and up on both sides: ${leader.name} is on ${leader.plan.human_name}, the follower would be on ${plan.human_name}.`
    )
  }
  return leader
}

function findDatabase(world: SimLookups, app: AppRec, ref: string): AddonRec | undefined {
  const live = [...world.addons.values()].filter((a) => a.state === 'provisioned')
  const byAttachment = (on: AppRec, name: string): AddonRec | undefined => {
    const upper = name.toUpperCase()
    const att = world
      .appAttachments(on)
      .find((a) => a.name.toUpperCase() === upper || configVarName(a) === upper)
    return live.find((a) => a.id === att?.addonId)
  }
  const sep = ref.indexOf('::')
  if (sep > 0) {
    const other = [...world.apps.values()].find((a) => a.name === ref.slice(0, sep))
    return other && byAttachment(other, ref.slice(sep + 2))
  }
  return byAttachment(app, ref) ?? live.find((a) => a.name === ref || a.id === ref)
}

/** The database-info fields that say who follows whom; `following` stays null on a leader. */
export function followerInfo(
  world: SimLookups,
  addon: AddonRec
): {
  following: string | null
  rows: { name: string; values: string[]; resolve_db_name?: boolean }[]
} {
  const leader = addon.leaderId ? world.addons.get(addon.leaderId) : undefined
  const leaderUrl = leader ? world.addonUrl(leader) : undefined
  const followers = [...world.addons.values()].filter(
    (a) => a.leaderId === addon.id && a.state !== 'deprovisioned'
  )
  const rows: { name: string; values: string[]; resolve_db_name?: boolean }[] = []
  if (leaderUrl) rows.push({ name: 'Following', values: [leaderUrl], resolve_db_name: true })
  if (followers.length > 0) rows.push({ name: 'Followers', values: followers.map((f) => f.name) })
  return { following: leaderUrl ?? null, rows }
}
