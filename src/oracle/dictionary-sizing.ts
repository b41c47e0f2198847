// Pure arithmetic over tablespaces and datafiles, shared by prepare and the tablespace guard:
// Oracle's file limits, the capacity a tablespace can reach, and the names of new files
// (taken from the existing ones, because the official image does not use OMF).
import path from 'node:path';
import type {
  DatabaseInfo,
  DatafileInfo,
  NewDatafile,
  TablespaceInfo,
  TablespaceUsage,
} from './dictionary.js';

/** A smallfile datafile holds at most 2^22-1 blocks (ORA-01144 beyond). */
export const SMALLFILE_MAX_BLOCKS = 2 ** 22 - 1;
/** What DBA_DATA_FILES shows for MAXSIZE UNLIMITED on a smallfile (one block under the limit). */
export const SMALLFILE_UNLIMITED_BLOCKS = 2 ** 22 - 2;
/** A bigfile datafile holds at most 2^32-1 blocks. */
export const BIGFILE_MAX_BLOCKS = 2 ** 32 - 1;
/** Datafiles per smallfile tablespace (ORA-01686 beyond). */
export const MAX_FILES_PER_TABLESPACE = 1022;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** New datafiles start small and grow: disk is taken as data arrives, not up front. */
export const NEW_DATAFILE_SIZE = 1 * GiB;
export const NEW_DATAFILE_NEXT = 256 * MiB;

/** The most one file of this tablespace can hold. */
export function maxFileBytes(ts: Pick<TablespaceInfo, 'bigfile' | 'blockSize'>): number {
  return (ts.bigfile ? BIGFILE_MAX_BLOCKS : SMALLFILE_UNLIMITED_BLOCKS) * ts.blockSize;
}

/** What one file can reach: its autoextend maximum, or its size when it does not extend. */
export function fileCapacity(f: DatafileInfo): number {
  return f.autoextensible ? Math.max(f.bytes, f.maxBytes) : f.bytes;
}

/**
 * What the tablespace's files can reach without anyone adding a file: the sum of their
 * autoextend maxima (DBA_DATA_FILES). The disk may not hold that much: see storageLimit().
 */
export function tablespaceCapacity(ts: Pick<TablespaceInfo, 'datafiles'>): number {
  return ts.datafiles.reduce((sum, f) => sum + fileCapacity(f), 0);
}

/**
 * TABLESPACE_SIZE is "approximately" min(files' maxima, current size + free storage, PDB room)
 * (Database Reference 19c, DBA_TABLESPACE_USAGE_METRICS); below the maxima by more than this,
 * the storage is the limit. 64 MiB absorbs rounding and an autoextend step in flight.
 */
export const STORAGE_LIMIT_TOLERANCE = 64 * MiB;

export interface StorageLimit {
  /** Sum of the files' maxima (DBA_DATA_FILES). */
  capacityBytes: number;
  /** What the tablespace can reach now: the smaller of the capacity and TABLESPACE_SIZE. */
  reachableBytes: number;
  /** undefined: the files' maxima are the limit. */
  limitedBy?: 'disk' | 'maxPdbStorage';
}

/**
 * Which limit the tablespace meets first. TABLESPACE_SIZE below the files' maxima means the
 * storage under them (or MAX_PDB_STORAGE) is the limit: adding a datafile cannot raise it.
 * MAX_PDB_STORAGE is the one when the room it leaves (limit minus the PDB's files) accounts
 * for the reported size; otherwise the disk is.
 */
export function storageLimit(
  usage: Pick<TablespaceUsage, 'reportedSizeBytes' | 'allocatedBytes'>,
  ts: Pick<TablespaceInfo, 'datafiles'>,
  db?: Pick<DatabaseInfo, 'maxPdbStorageBytes' | 'containerFileBytes'>,
): StorageLimit {
  const capacityBytes = tablespaceCapacity(ts);
  const reported = usage.reportedSizeBytes > 0 ? usage.reportedSizeBytes : capacityBytes;
  const reachableBytes = Math.min(capacityBytes, reported);
  if (reported + STORAGE_LIMIT_TOLERANCE >= capacityBytes) return { capacityBytes, reachableBytes };
  if (db?.maxPdbStorageBytes !== undefined) {
    const pdbRoom = Math.max(0, db.maxPdbStorageBytes - db.containerFileBytes);
    if (usage.allocatedBytes + pdbRoom <= reported + STORAGE_LIMIT_TOLERANCE) {
      return { capacityBytes, reachableBytes, limitedBy: 'maxPdbStorage' };
    }
  }
  return { capacityBytes, reachableBytes, limitedBy: 'disk' };
}

/**
 * Datafiles counted against DB_FILES, as well as this session can tell. DB_FILES limits the
 * whole CDB, but from a PDB V$DATAFILE shows only that PDB's files; absolute file numbers are
 * numbered across the CDB, and DB_FILES can be no lower than the highest of them, so the
 * highest number this session sees is a lower bound too. `exact` is false from a PDB (the
 * CDB's other containers may hold more files than either count shows): a root session's
 * figures (CDB$ROOT sees every container) make it exact.
 */
export function dbFilesInUse(
  db: Pick<DatabaseInfo, 'isPdb' | 'datafileCount' | 'highestFileNumber'>,
  root?: Pick<DatabaseInfo, 'isPdb' | 'datafileCount' | 'highestFileNumber'>,
): { inUse: number; exact: boolean } {
  const seen = (d: typeof db) => Math.max(d.datafileCount, d.highestFileNumber);
  if (root && !root.isPdb) return { inUse: Math.max(seen(root), seen(db)), exact: true };
  return { inUse: seen(db), exact: !db.isPdb };
}

/** A new smallfile datafile: starts at 1 GiB and extends to the smallfile maximum. */
export function newSmallfile(filePath: string): NewDatafile {
  return {
    path: filePath,
    sizeBytes: NEW_DATAFILE_SIZE,
    nextBytes: NEW_DATAFILE_NEXT,
    maxBytes: 'unlimited',
  };
}

const NUMBERED = /^(.*?)(\d+)(\.[A-Za-z0-9]+)$/;

/**
 * Paths for `count` new datafiles of `tablespace`, modelled on its existing files (same
 * directory, same stem, next numbers with the same zero padding: users01.dbf -> users02.dbf),
 * or, for a new tablespace, on the directory of the database's other files
 * (<dir>/<tablespace lower-case>01.dbf). Never returns a path the database already has.
 */
export function nextDatafilePaths(
  tablespace: string,
  ownFiles: string[],
  allFiles: string[],
  count: number,
): string[] {
  const taken = new Set(allFiles.map((f) => f.toLowerCase()));
  const model = ownFiles.find((f) => NUMBERED.test(path.posix.basename(f))) ?? ownFiles[0];
  let dir: string;
  let stem: string;
  let width: number;
  let ext: string;
  let n: number;
  if (model) {
    dir = path.posix.dirname(model);
    const m = NUMBERED.exec(path.posix.basename(model));
    if (m) {
      stem = m[1]!;
      width = m[2]!.length;
      ext = m[3]!;
      const numbers = ownFiles
        .map((f) => NUMBERED.exec(path.posix.basename(f)))
        .filter((x): x is RegExpExecArray => !!x && x[1] === stem && x[3] === ext)
        .map((x) => Number(x[2]));
      n = Math.max(0, ...numbers) + 1;
    } else {
      const base = path.posix.basename(model);
      const dot = base.lastIndexOf('.');
      stem = `${dot > 0 ? base.slice(0, dot) : base}_`;
      ext = dot > 0 ? base.slice(dot) : '.dbf';
      width = 2;
      n = 2;
    }
  } else {
    const anyFile = allFiles[0];
    if (!anyFile) throw new Error(`no datafile in the database to take a directory from for ${tablespace}`);
    dir = path.posix.dirname(anyFile);
    stem = tablespace.toLowerCase();
    width = 2;
    ext = '.dbf';
    n = 1;
  }
  const out: string[] = [];
  while (out.length < count) {
    const candidate = path.posix.join(dir, `${stem}${String(n).padStart(width, '0')}${ext}`);
    n += 1;
    if (taken.has(candidate.toLowerCase())) continue;
    taken.add(candidate.toLowerCase());
    out.push(candidate);
  }
  return out;
}

/** Paths for the members of redo log group `group`, next to the existing members (redo04.log). */
export function redoMemberPath(existingMembers: string[], group: number): string {
  const model = existingMembers[0];
  if (!model) throw new Error('no existing redo log member to take a directory from');
  const dir = path.posix.dirname(model);
  const m = /^(.*?)(\d+)(\.[A-Za-z0-9]+)$/.exec(path.posix.basename(model));
  const stem = m ? m[1]! : 'redo';
  const width = m ? m[2]!.length : 2;
  const ext = m ? m[3]! : '.log';
  return path.posix.join(dir, `${stem}${String(group).padStart(width, '0')}${ext}`);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
