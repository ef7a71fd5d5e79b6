// The history file is opened as a regular file only, never through a symlink: it usually lives in
// the checked-out repository, where a committed symlink (the file itself, or a folder on its way)
// could lead the drill to read or append a file anywhere on the runner. A path the workflow itself
// names outside the workspace (e.g. under runner.temp) is its own choice and stays allowed.
import { constants } from 'node:fs'
import { lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

/** Undefined on Windows, where the lstat check alone applies. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0

/**
 * `path` opened with `flags` (fs constants), refused when its last component is a symlink or not
 * a regular file, or when it lies in GITHUB_WORKSPACE but a symlinked folder leads outside it.
 * With `create`, missing folders are made (only once the path is known to stay inside).
 */
export async function openHistoryFile(
  path: string,
  flags: number,
  env: Record<string, string | undefined>,
  create = false
): Promise<FileHandle> {
  await assertStaysInWorkspace(path, env.GITHUB_WORKSPACE)
  if (create) await mkdir(dirname(path), { recursive: true })
  if ((await lstat(path).catch(() => null))?.isSymbolicLink()) throw symlinkError(path)
  let handle: FileHandle
  try {
    handle = await open(path, flags | NO_FOLLOW, 0o644)
  } catch (err) {
    // O_NOFOLLOW: a link put in place after the check above.
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkError(path)
    throw err
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close()
    throw new Error(`${path} is not a regular file`)
  }
  return handle
}

function symlinkError(path: string): Error {
  return new Error(`${path} is a symbolic link; the history file must be a regular file`)
}

/** A path inside the workspace must stay there once the symlinks of its folders are resolved. */
async function assertStaysInWorkspace(path: string, workspace: string | undefined): Promise<void> {
  if (!workspace) return
  const target = resolve(path)
  if (!isWithin(resolve(workspace), target)) return
  const [realWorkspace, realFolder] = await Promise.all([
    realpath(workspace),
    realPathOf(dirname(target))
  ])
  if (!isWithin(realWorkspace, realFolder)) {
    throw new Error(`${path} leads outside the workspace through a symbolic link`)
  }
}

/** The real path of `folder`, resolved as far as it exists (the rest is still to be created). */
async function realPathOf(folder: string): Promise<string> {
  const missing: string[] = []
  for (let at = folder; ; at = dirname(at)) {
    try {
      return join(await realpath(at), ...missing)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw err
      missing.unshift(basename(at))
    }
  }
}

function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`))
}
