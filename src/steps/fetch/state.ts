// The fetch state of one institution, kept beside its dump files (`.alma-fetch-state.json`):
// which delivery it belongs to (part names, sizes, mtimes) and which files are complete, with
// their sha256. It is what lets a re-run skip finished work, and it is only ever replaced whole.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RemoteEntry } from '../../sftp/connection.js';
import { writeFileInside, type SafeRoot } from '../safe-fs.js';

export const STATE_FILE = '.alma-fetch-state.json';
/** Reserved names inside an institution folder: never accepted from a tarball. */
export const RESERVED_PREFIX = '.alma-fetch';
export const PARTIAL_SUFFIX = '.alma-partial';

export interface FileRecord {
  size: number;
  sha256: string;
}

export interface FetchState {
  version: 1;
  /** Identifies the delivery: part and zip names with sizes and mtimes. */
  delivery: string;
  files: Record<string, FileRecord>;
  scripts: Record<string, FileRecord>;
  complete: boolean;
}

export function deliverySignature(entries: RemoteEntry[]): string {
  return entries.map((e) => `${e.name}:${e.size}:${e.mtimeMs}`).join('|');
}

export function emptyState(delivery: string): FetchState {
  return { version: 1, delivery, files: {}, scripts: {}, complete: false };
}

/** The saved state if it belongs to this delivery, else a fresh one. */
export async function loadState(dir: string, delivery: string): Promise<FetchState> {
  try {
    const s = JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8')) as FetchState;
    if (s.version === 1 && s.delivery === delivery && s.files && s.scripts) return s;
  } catch {
    // Absent or unreadable: start over.
  }
  return emptyState(delivery);
}

/** Replaces the state file of `folder` (below the staging root) whole, never through a link. */
export async function saveState(root: SafeRoot, folder: string, state: FetchState): Promise<void> {
  await writeFileInside(root, path.posix.join(folder, STATE_FILE), JSON.stringify(state, null, 1), {
    suffix: PARTIAL_SUFFIX,
  });
}
