// The vendor's scripts package (alma_localbackup_customer.zip: scripts/final_script_par.<C>_<I>,
// IMPORT.sh, POST_IMPORT.sh, *.sql). It is small, so it is read into memory and unpacked into
// the institution's scripts folder, the leading `scripts/` dropped. Same rules as the tarball:
// regular files and directories only, nothing outside, temporary name then rename, sha256 each.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { UserFacingError, errorMessage } from '../../errors.js';
import {
  ensureDirInside,
  fileSink,
  openInside,
  removeInside,
  renameInside,
  type SafeRoot,
} from '../safe-fs.js';
import { FETCH_EXIT } from '../../contract/exit-codes.js';
import { MemberLedger } from './member-ledger.js';
import { ensureSpace, formatBytes } from './space.js';
import { PARTIAL_SUFFIX } from './state.js';

/** The vendor's package is a few dozen small scripts; these bounds are far above it. */
export const MAX_SCRIPTS_ZIP_BYTES = 64 * 1024 * 1024;
export const MAX_SCRIPTS_ZIP_ENTRIES = 1000;
export const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;
export const MAX_SCRIPTS_TOTAL_BYTES = 64 * 1024 * 1024;

export interface ZipMember {
  name: string;
  size: number;
  sha256: string;
}

export interface UnpackTarget {
  /** The staging directory (all writes through safe-fs below it). */
  root: SafeRoot;
  /** The scripts folder, relative to the root. */
  dir: string;
  /** Space always left free on the volume (so the result can still be written). */
  reserveBytes: number;
}

function tooLarge(message: string): UserFacingError {
  return new UserFacingError(message, 'ScriptsZipTooLarge', FETCH_EXIT.badDelivery);
}

function bad(message: string): UserFacingError {
  return new UserFacingError(message, 'BadScriptsZip', FETCH_EXIT.badDelivery);
}

/** Where a zip entry goes relative to the scripts folder, or why it may not. Pure. */
export function zipTarget(
  name: string,
  mode: number,
): { ok: true; rel: string; dir: boolean } | { ok: false; why: string } {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\'))
    return { ok: false, why: 'has an absolute path' };
  const parts = name.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, why: 'contains ".."' };
  const type = (mode >>> 12) & 0o17;
  const dir = name.endsWith('/') || type === 0o04;
  if (type !== 0 && type !== 0o10 && type !== 0o04) return { ok: false, why: 'is a link or special file' };
  const rel = (parts[0] === 'scripts' ? parts.slice(1) : parts).join('/');
  if (!dir && (rel === '' || rel.endsWith(PARTIAL_SUFFIX))) return { ok: false, why: 'has no usable name' };
  return { ok: true, rel, dir };
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) =>
      err || !stream ? reject(err ?? new Error('no stream')) : resolve(stream),
    );
  });
}

/** Counts and hashes the bytes of one entry, failing as soon as it passes `limit`. */
function limiter(name: string, limit: number, hash: ReturnType<typeof createHash>, seen: { bytes: number }) {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen.bytes += chunk.length;
      if (seen.bytes > limit) {
        return cb(
          tooLarge(
            `${name} in alma_localbackup_customer.zip inflates past ${formatBytes(limit)}, more than its header declares or a script can be; ask the vendor to re-upload the package`,
          ),
        );
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

/** Unpacks the zip into the scripts folder, streaming each entry to disk within its bounds; returns the files written, sorted by name. */
export async function unpackScriptsZip(zipBytes: Buffer, target: UnpackTarget): Promise<ZipMember[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(zipBytes, { lazyEntries: true, validateEntrySizes: true });
  } catch (err) {
    throw bad(
      `alma_localbackup_customer.zip is not a readable zip file (${errorMessage(err)}); ask the vendor to re-upload it`,
    );
  }
  if (zip.entryCount > MAX_SCRIPTS_ZIP_ENTRIES) {
    zip.close();
    throw tooLarge(
      `alma_localbackup_customer.zip holds ${zip.entryCount} entries, more than the ${MAX_SCRIPTS_ZIP_ENTRIES} a scripts package can have`,
    );
  }
  const { root, dir } = target;
  const localDir = path.join(root.root, dir);
  await ensureDirInside(root, dir);
  const ledger = new MemberLedger('scripts', localDir, { scriptsFolderIsOurs: false });
  const out: ZipMember[] = [];
  let declaredTotal = 0;
  let writtenTotal = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
          const t = zipTarget(entry.fileName, mode);
          const refuse = (why: string) =>
            bad(`refusing ${JSON.stringify(entry.fileName)} in alma_localbackup_customer.zip: it ${why}`);
          if (!t.ok) throw refuse(t.why);
          const clash = ledger.claim(t.rel, t.dir ? 'dir' : 'file');
          if (clash) throw refuse(clash.why);
          const rel = path.posix.join(dir, t.rel);
          if (t.dir) {
            await ensureDirInside(root, rel);
          } else {
            const name = JSON.stringify(entry.fileName);
            if (entry.uncompressedSize > MAX_SCRIPT_BYTES) {
              throw tooLarge(
                `${name} in alma_localbackup_customer.zip is ${formatBytes(entry.uncompressedSize)} uncompressed, more than the ${formatBytes(MAX_SCRIPT_BYTES)} a script can be`,
              );
            }
            declaredTotal += entry.uncompressedSize;
            if (declaredTotal > MAX_SCRIPTS_TOTAL_BYTES) {
              throw tooLarge(
                `alma_localbackup_customer.zip unpacks to more than ${formatBytes(MAX_SCRIPTS_TOTAL_BYTES)}, more than a scripts package can be`,
              );
            }
            await ensureSpace(
              localDir,
              entry.uncompressedSize,
              target.reserveBytes,
              `${name} of the scripts zip`,
            );
            const hash = createHash('sha256');
            const seen = { bytes: 0 };
            const tmpRel = rel + PARTIAL_SUFFIX;
            await removeInside(root, tmpRel);
            // Scripts stay executable if they were (IMPORT.sh, POST_IMPORT.sh).
            const fh = await openInside(root, tmpRel, { mode: mode & 0o111 ? 0o755 : 0o644 });
            try {
              const limit = Math.min(
                entry.uncompressedSize,
                MAX_SCRIPT_BYTES,
                MAX_SCRIPTS_TOTAL_BYTES - writtenTotal,
              );
              await pipeline(await openEntry(zip, entry), limiter(name, limit, hash, seen), fileSink(fh));
              await fh.sync();
              await fh.close();
            } catch (err) {
              await fh.close().catch(() => undefined);
              await removeInside(root, tmpRel);
              throw err;
            }
            writtenTotal += seen.bytes;
            await renameInside(root, tmpRel, rel);
            out.push({ name: t.rel, size: seen.bytes, sha256: hash.digest('hex') });
          }
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw bad(
      `alma_localbackup_customer.zip is corrupt (${errorMessage(err)}); ask the vendor to re-upload it`,
    );
  } finally {
    zip.close();
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
