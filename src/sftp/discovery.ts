// Finding one institution's delivery in a directory listing. Pure: the listing comes in, a
// description of what is there (and what is wrong with it) comes out.
//
// The vendor delivers `alma_localbackup_customer.zip` and the tarball split with GNU split:
// `local_backup_final_<C>_<I>_tar.gz.aa`, `.ab`, ... (or numeric `.00`, `.01`, ...). GNU split
// widens suffixes after `yz` (`zaaa`, ...) so that byte order is part order; we sort the same way.
// An unsplit `local_backup_final_<C>_<I>_tar.gz` (or `.tar.gz`) is one part.
import type { RemoteEntry } from './connection.js';

export const SCRIPTS_ZIP = 'alma_localbackup_customer.zip';

export interface DeliveryListing {
  zip?: RemoteEntry;
  /** Parts in stream order. */
  parts: RemoteEntry[];
  /** Part names that should exist between the ones found (a gap). */
  missingParts: string[];
  /** Oddities that do not stop the fetch (reported as warnings). */
  warnings: string[];
}

export function partPrefix(customerId: string, institutionId: string): string {
  return `local_backup_final_${customerId}_${institutionId}_tar.gz.`;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of a fixed-width suffix in its alphabet (aa = 0, ab = 1, ...; 00 = 0, 01 = 1, ...). */
function suffixIndex(suffix: string, numeric: boolean): number {
  let n = 0;
  for (const ch of suffix)
    n = n * (numeric ? 10 : 26) + (numeric ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - 97);
  return n;
}

function suffixAt(index: number, width: number, numeric: boolean): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    const base = numeric ? 10 : 26;
    s = String.fromCharCode((numeric ? 48 : 97) + (index % base)) + s;
    index = Math.floor(index / base);
  }
  return s;
}

export function discoverDelivery(
  listing: RemoteEntry[],
  customerId: string,
  institutionId: string,
): DeliveryListing {
  const files = listing.filter((e) => e.isFile);
  const result: DeliveryListing = { parts: [], missingParts: [], warnings: [] };
  const zip = files.find((e) => e.name === SCRIPTS_ZIP);
  if (zip) result.zip = zip;
  const prefix = partPrefix(customerId, institutionId);
  const split = files.filter(
    (e) => e.name.startsWith(prefix) && /^([a-z]+|[0-9]+)$/.test(e.name.slice(prefix.length)),
  );
  const whole = files.filter(
    (e) =>
      e.name === prefix.slice(0, -1) || e.name === `local_backup_final_${customerId}_${institutionId}.tar.gz`,
  );
  if (split.length === 0) {
    if (whole.length > 1)
      result.warnings.push(`both ${whole.map((w) => w.name).join(' and ')} exist; using ${whole[0]?.name}`);
    if (whole[0]) result.parts = [whole[0]];
    return result;
  }
  if (whole.length > 0) result.warnings.push(`ignoring ${whole[0]?.name}: split parts ${prefix}* exist`);
  const numeric = split.every((e) => /^[0-9]+$/.test(e.name.slice(prefix.length)));
  const alpha = split.every((e) => /^[a-z]+$/.test(e.name.slice(prefix.length)));
  result.parts = [...split].sort((a, b) => byteOrder(a.name, b.name));
  if (!numeric && !alpha) {
    result.warnings.push(`parts ${prefix}* mix letter and digit suffixes; reading them in byte order`);
    return result;
  }
  // Gap check over the first (narrowest) width; GNU split's widened suffixes are checked for order only.
  const width = Math.min(...split.map((e) => e.name.length - prefix.length));
  const narrow = result.parts.filter((e) => e.name.length - prefix.length === width);
  const indexes = narrow.map((e) => suffixIndex(e.name.slice(prefix.length), numeric));
  const first = indexes[0] ?? 0;
  // split -d starts at 00 (--numeric-suffixes=1 at 01), letters at aa: a run that begins later
  // lacks its first part(s), which a listing can show (unlike a missing last part).
  const start = numeric && first === 1 ? 1 : 0;
  const last = indexes[indexes.length - 1] ?? 0;
  const have = new Set(indexes);
  for (let i = start; i <= last; i++) {
    if (!have.has(i)) result.missingParts.push(prefix + suffixAt(i, width, numeric));
  }
  // split makes every part but the last the same size: a shorter one was cut short on upload.
  const size = result.parts[0]?.size ?? 0;
  for (const p of result.parts.slice(0, -1)) {
    if (p.size !== size)
      result.warnings.push(`part ${p.name} is ${p.size} bytes, not ${size} like the first part`);
  }
  return result;
}
