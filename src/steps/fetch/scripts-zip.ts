// The vendor's scripts package (alma_localbackup_customer.zip: scripts/final_script_par.<C>_<I>,
// IMPORT.sh, POST_IMPORT.sh, *.sql). It is small, so it is read into memory and unpacked into
// the institution's scripts folder, the leading `scripts/` dropped. Same rules as the tarball:
// regular files and directories only, nothing outside, temporary name then rename, sha256 each.
import { createHash } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { UserFacingError, errorMessage } from '../../errors.js';
import { FETCH_EXIT } from './exit-codes.js';
import { PARTIAL_SUFFIX } from './state.js';

export const MAX_SCRIPTS_ZIP_BYTES = 64 * 1024 * 1024;

export interface ZipMember {
  name: string;
  size: number;
  sha256: string;
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

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Unpacks the zip into `scriptsDir`; returns the files written, sorted by name. */
export async function unpackScriptsZip(zipBytes: Buffer, scriptsDir: string): Promise<ZipMember[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(zipBytes, { lazyEntries: true, validateEntrySizes: true });
  } catch (err) {
    throw bad(
      `alma_localbackup_customer.zip is not a readable zip file (${errorMessage(err)}); ask the vendor to re-upload it`,
    );
  }
  await mkdir(scriptsDir, { recursive: true });
  const out: ZipMember[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
          const t = zipTarget(entry.fileName, mode);
          if (!t.ok)
            throw bad(
              `refusing ${JSON.stringify(entry.fileName)} in alma_localbackup_customer.zip: it ${t.why}`,
            );
          const target = path.join(scriptsDir, t.rel);
          if (t.dir) {
            await mkdir(target, { recursive: true });
          } else {
            const data = await readEntry(zip, entry);
            await mkdir(path.dirname(target), { recursive: true });
            const tmp = target + PARTIAL_SUFFIX;
            await unlink(tmp).catch(() => undefined);
            // Scripts stay executable if they were (IMPORT.sh, POST_IMPORT.sh).
            await writeFile(tmp, data, { mode: mode & 0o111 ? 0o755 : 0o644, flag: 'wx' });
            await rename(tmp, target);
            out.push({
              name: t.rel,
              size: data.length,
              sha256: createHash('sha256').update(data).digest('hex'),
            });
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
