// Free space on the staging volume, from statfs (blocks available to unprivileged users).
import { statfs } from 'node:fs/promises';
import { UserFacingError } from '../../errors.js';
import { FETCH_EXIT } from '../../contract/exit-codes.js';

export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** Throws InsufficientSpace unless `need` bytes plus the reserve are free under `dir`. */
export async function ensureSpace(dir: string, need: number, reserve: number, what: string): Promise<number> {
  const free = await freeBytes(dir);
  if (free < need + reserve) {
    throw new UserFacingError(
      `not enough space on the staging volume (${dir}) for ${what}: ${formatBytes(need)} needed` +
        (reserve > 0 ? ` plus ${formatBytes(reserve)} kept free` : '') +
        `, ${formatBytes(free)} available. Grow the staging volume (spec.staging.size) or free space, then run again`,
      'InsufficientSpace',
      FETCH_EXIT.noSpace,
    );
  }
  return free;
}
