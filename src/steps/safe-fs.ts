// Writes under a root directory (the staging volume) that nothing planted on the volume can
// redirect: every directory below the root is created or checked component by component with
// lstat (a symbolic link is refused, never followed), every file is opened with O_NOFOLLOW
// (and O_EXCL for new files), and the opened descriptor's real path (/proc/self/fd) must lie
// inside the root's real path. The root itself may be a link (an administrator's choice).
// Every step writes to staging through this module.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { UserFacingError } from '../errors.js';

export const UNSAFE_STAGING_REASON = 'UnsafeStagingPath';

export class UnsafeStagingPathError extends UserFacingError {
  constructor(message: string, exitCode: number) {
    super(message, UNSAFE_STAGING_REASON, exitCode);
    this.name = 'UnsafeStagingPathError';
  }
}

export interface SafeRoot {
  /** The root as given (used in messages). */
  root: string;
  /** Exit code of the refusal (each step has its own contract). */
  exitCode: number;
}

const code = (err: unknown): string | undefined => (err as { code?: string }).code;

function components(rel: string): string[] {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (path.isAbsolute(rel) || parts.includes('..')) {
    throw new Error(`internal: ${JSON.stringify(rel)} is not a path below the root`);
  }
  return parts;
}

function refuse(r: SafeRoot, what: string): never {
  throw new UnsafeStagingPathError(
    `refusing to write through ${what} on the staging volume (${r.root}): something other than this ` +
      `step put it there; remove it and run again`,
    r.exitCode,
  );
}

async function realRoot(r: SafeRoot): Promise<string> {
  await mkdir(r.root, { recursive: true });
  return realpath(r.root);
}

/** Creates (or checks) the directory `rel` below the root; no component may be a link. */
export async function ensureDirInside(r: SafeRoot, rel: string): Promise<string> {
  await realRoot(r);
  let current = r.root;
  for (const part of components(rel)) {
    current = path.join(current, part);
    try {
      await mkdir(current);
    } catch (err) {
      if (code(err) !== 'EEXIST') throw err;
    }
    const st = await lstat(current);
    if (st.isSymbolicLink()) refuse(r, `the symbolic link ${current}`);
    if (!st.isDirectory()) refuse(r, `${current}, which is not a directory`);
  }
  return current;
}

/** The descriptor's real path must be inside the root (catches a swap after the checks). */
async function assertInside(r: SafeRoot, fh: FileHandle, file: string): Promise<void> {
  const real = await realRoot(r);
  const opened = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
  if (opened !== undefined && opened !== real && !opened.startsWith(real + path.sep)) {
    await fh.close();
    refuse(r, `${file}, which leads to ${opened}`);
  }
}

/**
 * Opens `rel` below the root for writing: a new file (O_EXCL) unless `append`, never through a
 * link (O_NOFOLLOW), its parent directories checked. A stale file of that name is not touched:
 * callers that want to replace one remove it first (removeInside).
 */
export async function openInside(
  r: SafeRoot,
  rel: string,
  options: { mode?: number; append?: boolean } = {},
): Promise<FileHandle> {
  const parts = components(rel);
  const name = parts.pop();
  if (!name) throw new Error('internal: no file name');
  const dir = await ensureDirInside(r, parts.join('/'));
  const file = path.join(dir, name);
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (options.append ? constants.O_APPEND : constants.O_EXCL);
  let fh: FileHandle;
  try {
    fh = await open(file, flags, options.mode ?? 0o644);
  } catch (err) {
    if (code(err) === 'ELOOP') refuse(r, `the symbolic link ${file}`);
    throw err;
  }
  await assertInside(r, fh, file);
  return fh;
}

/** Removes `rel` below the root if present (a link is removed itself, never followed). */
export async function removeInside(r: SafeRoot, rel: string): Promise<void> {
  const parts = components(rel);
  const name = parts.pop() ?? '';
  const dir = await ensureDirInside(r, parts.join('/'));
  await unlink(path.join(dir, name)).catch((err: unknown) => {
    if (code(err) !== 'ENOENT') throw err;
  });
}

/** Replaces `rel` below the root atomically: `<rel><suffix>` written, fsync'd, renamed. */
export async function writeFileInside(
  r: SafeRoot,
  rel: string,
  data: string | Uint8Array,
  options: { mode?: number; suffix?: string } = {},
): Promise<string> {
  const tmpRel = `${rel}${options.suffix ?? '.partial'}`;
  await removeInside(r, tmpRel);
  const fh = await openInside(r, tmpRel, options.mode !== undefined ? { mode: options.mode } : {});
  const target = path.join(r.root, ...components(rel));
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await removeInside(r, tmpRel);
    throw err;
  }
  await fh.close();
  await renameInside(r, tmpRel, rel);
  return target;
}

/** rename(2) within the root: it replaces a link at the target itself, never what it points to. */
export async function renameInside(r: SafeRoot, fromRel: string, toRel: string): Promise<void> {
  const to = components(toRel);
  await ensureDirInside(r, to.slice(0, -1).join('/'));
  const target = path.join(r.root, ...to);
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isDirectory()) refuse(r, `the directory ${target}, where a file belongs`);
  await rename(path.join(r.root, ...components(fromRel)), target);
}

/** Writes `file` atomically with its parent folder as the checked part, its grandparent as root. */
export function writeFileInFolder(
  file: string,
  data: string | Uint8Array,
  exitCode: number,
  options: { mode?: number; suffix?: string } = {},
): Promise<string> {
  const folder = path.dirname(file);
  return writeFileInside(
    { root: path.dirname(folder), exitCode },
    path.posix.join(path.basename(folder), path.basename(file)),
    data,
    options,
  );
}

/**
 * A Writable over an open FileHandle that leaves the handle to its owner (who fsyncs and closes
 * it): FileHandle.createWriteStream({ autoClose: false }) keeps a reference that makes close() wait.
 */
export function fileSink(fh: FileHandle): Writable {
  return new Writable({
    // As fs.WriteStream's default: a chunk waits for the previous write, so what a crash loses is
    // at most the write in progress (stage mode resumes parts from their length on disk).
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      fh.write(chunk).then(
        () => cb(),
        (err: Error) => cb(err),
      );
    },
  });
}
