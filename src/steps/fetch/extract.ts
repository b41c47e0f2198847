// gunzip + untar of one institution's tarball stream straight into its folder, refusing anything
// that is not a regular file or directory under `local_<C>_<I>/`. Each file is written under a
// temporary name, fsync'd, hashed on the way and renamed when whole, then recorded in the state
// file; a file recorded as complete by an earlier run is not rewritten: its bytes are hashed as
// they stream past and must match the record.
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { UserFacingError, errorMessage } from '../../errors.js';
import { FETCH_EXIT } from '../../contract/exit-codes.js';
import type { Progress } from './progress.js';
import { ensureSpace } from './space.js';
import {
  ensureDirInside,
  fileSink,
  openInside,
  removeInside,
  renameInside,
  type SafeRoot,
} from '../safe-fs.js';
import { PARTIAL_SUFFIX, RESERVED_PREFIX, saveState, type FetchState } from './state.js';
import { MemberLedger } from './member-ledger.js';

export type MemberVerdict = { ok: true; kind: 'file' | 'dir'; rel: string } | { ok: false; why: string };

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Decides whether a tar member may be extracted, and where (relative to the institution folder).
 * Pure. Only regular files and directories inside `folder/` pass.
 */
export function checkMember(name: string, type: string, folder: string): MemberVerdict {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) {
    return { ok: false, why: 'has an absolute path' };
  }
  const parts = name.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, why: 'contains ".."' };
  if (type === 'SymbolicLink' || type === 'Link')
    return { ok: false, why: `is a ${type === 'Link' ? 'hard link' : 'symbolic link'}` };
  const isDir = type === 'Directory';
  if (!isDir && !FILE_TYPES.has(type))
    return { ok: false, why: `is a ${type} (only regular files are accepted)` };
  if (parts[0] !== folder) return { ok: false, why: `is outside ${folder}/` };
  const rest = parts.slice(1);
  if (rest.length === 0)
    return isDir ? { ok: true, kind: 'dir', rel: '' } : { ok: false, why: `replaces the folder ${folder}` };
  if (rest.some((p) => p.startsWith(RESERVED_PREFIX) || p.endsWith(PARTIAL_SUFFIX) || p.includes('\0'))) {
    return { ok: false, why: 'uses a name reserved for the fetch step' };
  }
  return { ok: true, kind: isDir ? 'dir' : 'file', rel: rest.join('/') };
}

export interface ExtractedFile {
  name: string;
  size: number;
  sha256: string;
  /** `written` now, or `kept`: complete from an earlier run, verified against this stream. */
  status: 'written' | 'kept';
}

export interface ExtractOptions {
  folder: string;
  localDir: string;
  /** The staging directory: every write goes through safe-fs below it. */
  root: SafeRoot;
  state: FetchState;
  reserveBytes: number;
  progress: Progress;
  /** Label for messages, e.g. "institution 3978". */
  label: string;
  /** Called after each file is renamed into place (tests crash a run here). */
  onFileComplete?: (file: ExtractedFile) => void | Promise<void>;
  /** Called before a file's first byte is written (tests order a crash against it). */
  onFileStart?: (rel: string) => void | Promise<void>;
}

function badDelivery(message: string, reason = 'BadDelivery'): UserFacingError {
  return new UserFacingError(message, reason, FETCH_EXIT.badDelivery);
}

/** The member's path below the staging root, its parent directories made (never through a link). */
async function memberTarget(opts: ExtractOptions, rel: string): Promise<string> {
  await ensureDirInside(opts.root, path.posix.dirname(path.posix.join(opts.folder, rel)));
  return path.posix.join(opts.folder, rel);
}

async function writeMember(
  entry: ReadEntry,
  rel: string,
  opts: ExtractOptions,
  signal: AbortSignal,
): Promise<ExtractedFile> {
  const known = opts.state.files[rel];
  const targetRel = await memberTarget(opts, rel);
  const target = path.join(opts.root.root, targetRel);
  const hash = createHash('sha256');
  let size = 0;
  const tap = async function* (src: AsyncIterable<Buffer>) {
    for await (const chunk of src) {
      hash.update(chunk);
      size += chunk.length;
      opts.progress.extracted += chunk.length;
      yield chunk;
    }
  };
  const existing = await lstat(target).catch(() => undefined);
  if (known && known.size === entry.size && existing?.isFile() && existing.size === entry.size) {
    // Complete from an earlier run: let the bytes pass, and check they are the same bytes.
    opts.progress.currentFile = `${rel} (verifying)`;
    await pipeline(entry, tap, new Writable({ write: (_c, _e, cb) => cb() }), { signal });
    const sha256 = hash.digest('hex');
    if (sha256 !== known.sha256) {
      throw badDelivery(
        `${rel} differs from the copy fetched earlier (sha256 ${sha256} vs ${known.sha256}): the delivery was replaced ` +
          `with the same part sizes; delete ${opts.localDir} and run again`,
        'DeliveryChanged',
      );
    }
    return { name: rel, size, sha256, status: 'kept' };
  }
  await ensureSpace(opts.localDir, entry.size, opts.reserveBytes, `${rel} of ${opts.label}`);
  const tmpRel = targetRel + PARTIAL_SUFFIX;
  await removeInside(opts.root, tmpRel);
  opts.progress.currentFile = rel;
  try {
    // O_NOFOLLOW|O_EXCL, parents checked: never written through a link planted on the volume.
    const fh = await openInside(opts.root, tmpRel);
    try {
      await pipeline(entry, tap, fileSink(fh), { signal });
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (size !== entry.size) throw badDelivery(`${rel}: tar says ${entry.size} bytes, got ${size}`);
    await renameInside(opts.root, tmpRel, targetRel);
  } catch (err) {
    await removeInside(opts.root, tmpRel).catch(() => undefined);
    throw err;
  }
  const sha256 = hash.digest('hex');
  opts.state.files[rel] = { size, sha256 };
  await persist(opts.root, opts.folder, opts.state);
  return { name: rel, size, sha256, status: 'written' };
}

// State saves are serialised: two files can finish at nearly the same time.
const saving = new WeakMap<FetchState, Promise<void>>();
function persist(root: SafeRoot, folder: string, state: FetchState): Promise<void> {
  const next = (saving.get(state) ?? Promise.resolve()).then(() => saveState(root, folder, state));
  saving.set(
    state,
    next.catch(() => undefined),
  );
  return next;
}

function classifyStreamError(err: unknown, label: string): unknown {
  if (err instanceof UserFacingError) return err;
  const e = err as { code?: string; errno?: number; message?: string; tarCode?: string };
  const msg = errorMessage(err);
  if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) {
    return badDelivery(
      `the tarball of ${label} ends early (gzip: ${msg}): its last part is missing or was cut short; ` +
        `check that every part was uploaded completely`,
      'DeliveryTruncated',
    );
  }
  if (
    e.code === 'Z_DATA_ERROR' ||
    /incorrect header check|invalid (block|stored|distance|code)|crc|length/i.test(msg)
  ) {
    return badDelivery(
      `the tarball of ${label} is corrupt (gzip: ${msg}); ask the vendor to re-upload it`,
      'DeliveryCorrupt',
    );
  }
  if (e.tarCode || /^TAR_/.test(e.code ?? '')) {
    return badDelivery(
      `the tarball of ${label} is not a valid tar archive (${e.tarCode ?? e.code}: ${msg})`,
      'DeliveryCorrupt',
    );
  }
  return err;
}

/** Extracts a .tar.gz byte stream; resolves with every regular file, in archive order. */
export async function extractTarGz(
  source: AsyncIterable<Buffer>,
  opts: ExtractOptions,
): Promise<ExtractedFile[]> {
  await ensureDirInside(opts.root, opts.folder);
  const files: ExtractedFile[] = [];
  const pending: Promise<void>[] = [];
  let failure: unknown;
  // Cancels the file being written when the stream fails (its entry would never end).
  const abort = new AbortController();
  const parser = new Parser({ strict: true });
  const fail = (err: unknown) => {
    if (failure === undefined) failure = err;
    sink.destroy(err as Error);
  };
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', (err: Error) => {
      fail(err);
      reject(err);
    });
  });
  parsed.catch(() => undefined);
  const ledger = new MemberLedger(opts.folder, opts.localDir);
  parser.on('entry', (entry: ReadEntry) => {
    const refuse = (why: string, reason: string) => {
      fail(
        badDelivery(
          `refusing tar member ${JSON.stringify(entry.path)} of ${opts.label}: it ${why}; nothing was written for it`,
          reason,
        ),
      );
      entry.resume();
    };
    if (failure !== undefined) return void entry.resume();
    const verdict = checkMember(entry.path, entry.type, opts.folder);
    if (!verdict.ok) return refuse(verdict.why, 'UnsafeTarMember');
    const clash = ledger.claim(verdict.rel, verdict.kind);
    if (clash) return refuse(clash.why, clash.reason);
    if (verdict.kind === 'dir') {
      entry.resume();
      if (verdict.rel !== '')
        pending.push(
          ensureDirInside(opts.root, path.posix.join(opts.folder, verdict.rel)).then(() => undefined, fail),
        );
      return;
    }
    entry.pause();
    pending.push(
      Promise.resolve(opts.onFileStart?.(verdict.rel))
        .then(() => writeMember(entry, verdict.rel, opts, abort.signal))
        .then(async (f) => {
          files.push(f);
          await opts.onFileComplete?.(f);
        })
        .catch(fail),
    );
  });
  const sink: Writable = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      if (failure !== undefined) return cb(failure as Error);
      if (parser.write(chunk)) cb();
      else parser.once('drain', () => cb(failure as Error | undefined));
    },
    final(cb) {
      parser.end();
      parsed.then(() => Promise.all(pending)).then(() => cb(failure as Error | undefined), cb);
    },
  });
  try {
    await pipeline(
      Readable.from(source, { objectMode: false }),
      createGunzip({ chunkSize: 256 * 1024 }),
      sink,
    );
    await Promise.all(pending);
    if (failure !== undefined) throw failure;
  } catch (err) {
    const cause = failure ?? err;
    abort.abort(cause);
    await Promise.allSettled(pending);
    throw classifyStreamError(cause, opts.label);
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : 1));
}
