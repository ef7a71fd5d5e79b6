// Hostile artifacts cannot blow up the drill's memory: a real zip bomb (1 GiB of zeros deflated to
// about 1 MiB, its central directory claiming 100 bytes) is refused after at most the entry cap is
// inflated, whether read directly or as 30 earlier runs' artifacts; and 30 artifacts at the size
// cap are not all held in memory at once. Memory is the process's peak RSS (getrusage maxrss,
// which only grows), so each test checks how far its own work raised the high-water mark.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { createDeflateRaw } from 'node:zlib'
import { findEarlierReports } from '../../../src/history/artifacts.js'
import { MAX_ENTRY_BYTES, readZipEntry } from '../../../src/history/zip.js'
import {
  FAKE_TOKEN,
  REPORT_NAME,
  startFakeGitHub,
  type FakeArtifact,
  type FakeGitHub
} from '../../fakes/fake-github.js'

const MiB = 1024 * 1024
const BOMB_BYTES = 1024 * MiB
const NAME = 'restore-drill-report.json'

/** `total` zeros, deflated chunk by chunk: never more than 1 MiB of them in memory. */
async function deflatedZeros(total: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 })
  const out: Buffer[] = []
  deflate.on('data', (chunk: Buffer) => out.push(chunk))
  const ended = new Promise((done) => deflate.on('end', done))
  const zeros = Buffer.alloc(MiB)
  for (let written = 0; written < total; written += zeros.length) {
    if (!deflate.write(zeros)) await new Promise((done) => deflate.once('drain', done))
  }
  deflate.end()
  await ended
  return Buffer.concat(out)
}

/**
 * One deflated entry in a zip as the artifact service streams it (sizes in a data descriptor, none
 * in the local header), whose central directory claims it inflates to `claimedSize` bytes.
 */
function zipOf(name: string, deflated: Buffer, claimedSize: number): Buffer {
  const fileName = Buffer.from(name)
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(20, 4) // version needed
  local.writeUInt16LE(0x0008, 6) // sizes in the data descriptor
  local.writeUInt16LE(8, 8) // deflate
  local.writeUInt16LE(fileName.length, 26)
  const descriptor = Buffer.alloc(16)
  descriptor.writeUInt32LE(0x08074b50, 0)
  descriptor.writeUInt32LE(deflated.length, 8)
  descriptor.writeUInt32LE(claimedSize, 12)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE(20, 4)
  central.writeUInt16LE(20, 6)
  central.writeUInt16LE(0x0008, 8)
  central.writeUInt16LE(8, 10)
  central.writeUInt32LE(deflated.length, 20)
  central.writeUInt32LE(claimedSize, 24)
  central.writeUInt16LE(fileName.length, 28)
  central.writeUInt32LE(0, 42) // the local header's offset
  const body = Buffer.concat([local, fileName, deflated, descriptor])
  const directory = Buffer.concat([central, fileName])
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(1, 8)
  end.writeUInt16LE(1, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(body.length, 16)
  return Buffer.concat([body, directory, end])
}

/** How many MiB the process's peak RSS grew while `work` ran. */
async function peakGrowthMiB(work: () => Promise<unknown>): Promise<number> {
  const before = process.resourceUsage().maxRSS
  await work()
  return (process.resourceUsage().maxRSS - before) / 1024
}

const runs = Array.from({ length: 31 }, (_, i) => ({
  id: 500 + i,
  head_branch: 'main',
  event: 'schedule'
}))
const lookup = (github: FakeGitHub) => ({
  apiUrl: github.apiUrl,
  repository: 'acme/shop',
  workflow: 'drill.yml',
  branch: 'main',
  runId: '530',
  token: FAKE_TOKEN,
  reportName: REPORT_NAME,
  app: 'my-app'
})
/** 30 earlier runs' artifacts, each served as `zip`. */
const thirtyArtifacts = (zip: Buffer): FakeArtifact[] =>
  runs.slice(0, 30).map((run, i) => ({
    id: i + 1,
    run: run.id,
    createdAt: `2026-11-${String(i + 1).padStart(2, '0')}T03:00:00Z`,
    zip: () => zip
  }))

describe('artifacts at the size cap', () => {
  let github: FakeGitHub
  // Just under the artifact cap (20 MiB), and incompressible: 30 of them are 570 MiB.
  const large = randomBytes(19 * MiB)
  beforeAll(async () => {
    github = await startFakeGitHub(runs, thirtyArtifacts(large))
  })
  afterAll(() => github.close())

  it('30 of them are not all held in memory at once', async () => {
    let found: Awaited<ReturnType<typeof findEarlierReports>> | undefined
    const growth = await peakGrowthMiB(async () => {
      found = await findEarlierReports(lookup(github))
    })
    expect(found).toMatchObject({ earlier: [], unreadable: 30 })
    expect(github.maxDownloadsAtOnce()).toBeLessThanOrEqual(4)
    // Four downloads of 19 MiB held, and the garbage of finished ones until the GC comes (all 30
    // at once grew it by over 400 MiB).
    expect(growth).toBeLessThan(320)
  })
})

describe('a zip bomb', () => {
  let bomb: Buffer
  beforeAll(async () => {
    bomb = zipOf(NAME, await deflatedZeros(BOMB_BYTES), 100)
  }, 60_000)

  it('is about 1 MiB that inflates to 1 GiB', () => {
    expect(bomb.length).toBeLessThan(2 * MiB)
  })

  it('is refused after at most the entry cap, whatever the directory claims', async () => {
    const growth = await peakGrowthMiB(async () => {
      expect(() => readZipEntry(bomb, NAME)).toThrow(
        `zip entry is larger than ${MAX_ENTRY_BYTES} bytes`
      )
    })
    expect(growth).toBeLessThan(128)
  })

  it("as 30 earlier runs' artifacts: every one unreadable, memory bounded", async () => {
    const github = await startFakeGitHub(runs, thirtyArtifacts(bomb))
    try {
      let found: Awaited<ReturnType<typeof findEarlierReports>> | undefined
      const growth = await peakGrowthMiB(async () => {
        found = await findEarlierReports(lookup(github))
      })
      expect(found).toMatchObject({ earlier: [], unreadable: 30 })
      expect(growth).toBeLessThan(256)
    } finally {
      await github.close()
    }
  })
})
