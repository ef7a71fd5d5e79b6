// One file out of a zip archive (an artifact download), found through the central directory: the
// artifact service streams its archives, so local headers may carry no sizes. Stored or deflated.
// Kept rather than @actions/artifact's downloadArtifact, which extracts every entry to disk
// (unzip-stream, no size cap) and retries for half a minute; this reads one entry in memory.
import { inflateRawSync } from 'node:zlib'

/**
 * A drill report is at most a few MiB (about 1.5 MiB at 2,000 tables): a larger entry is refused,
 * whatever the archive claims (zip bomb). The directory's uncompressed size is never read.
 */
export const MAX_ENTRY_BYTES = 16 * 1024 * 1024

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

/** The bytes of the entry named `name` (at any depth), or null when the archive has none. */
export function readZipEntry(zip: Buffer, name: string, maxBytes = MAX_ENTRY_BYTES): Buffer | null {
  const eocd = findEndOfCentralDirectory(zip)
  if (eocd < 0) throw new Error('not a zip archive')
  const count = zip.readUInt16LE(eocd + 10)
  let at = zip.readUInt32LE(eocd + 16)
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error('zip central directory is damaged')
    const method = zip.readUInt16LE(at + 10)
    const size = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
    const local = zip.readUInt32LE(at + 42)
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength)
    if (entryName === name || entryName.endsWith(`/${name}`)) {
      return entryData(zip, local, size, method, maxBytes)
    }
    at += 46 + skip
  }
  return null
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535.
  const last = Math.max(0, zip.length - 22 - 65535)
  for (let i = zip.length - 22; i >= last; i--) {
    if (zip.readUInt32LE(i) === EOCD) return i
  }
  return -1
}

function entryData(
  zip: Buffer,
  local: number,
  size: number,
  method: number,
  maxBytes: number
): Buffer {
  if (zip.readUInt32LE(local) !== LOCAL) throw new Error('zip entry header is damaged')
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
  const data = zip.subarray(start, start + size)
  const tooLarge = () => new Error(`zip entry is larger than ${maxBytes} bytes`)
  if (method === 0) {
    if (data.length > maxBytes) throw tooLarge()
    return Buffer.from(data)
  }
  if (method !== 8) throw new Error(`zip compression method ${method} is not supported`)
  try {
    // The cap stops inflating as soon as it is passed, not after the whole entry is in memory.
    return inflateRawSync(data, { maxOutputLength: maxBytes })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge()
    throw err
  }
}
