// The tablespace guard's decision, as a pure function: fill, threshold and Oracle's limits ->
// what to add (how many smallfile datafiles, or a bigfile's new MAXSIZE), or that the storage
// under the database is the limit (and by how many bytes the volume must grow), in which case
// nothing is added: a datafile cannot raise what the disk can hold.
//
// Capacity is the sum of the files' maxima (DBA_DATA_FILES). DBA_TABLESPACE_USAGE_METRICS's
// TABLESPACE_SIZE is not that: in 19c it is about min(maxima, current size + free storage,
// MAX_PDB_STORAGE's room) (Database Reference 19c, DBA_TABLESPACE_USAGE_METRICS). Reported below
// the maxima therefore means "the disk (or MAX_PDB_STORAGE) is the limit".
import type { TablespaceInfo, TablespaceUsage } from '../oracle/dictionary.js';
import {
  BIGFILE_MAX_BLOCKS,
  MAX_FILES_PER_TABLESPACE,
  maxFileBytes,
  type StorageLimit,
} from '../oracle/dictionary-sizing.js';

export const DEFAULT_ALERT_RATIO = 0.85;

export interface VolumeUsage {
  /** Bytes still free on the volume holding the datafiles. */
  availableBytes: number;
  capacityBytes: number;
}

export interface DecisionInput {
  usage: TablespaceUsage;
  tablespace: Pick<TablespaceInfo, 'bigfile' | 'blockSize' | 'datafiles'>;
  /** storageLimit(usage, tablespace, database): capacity, what is reachable, and what limits it. */
  storage: StorageLimit;
  alertRatio: number;
  autoAddDatafiles: boolean;
  /** DB_FILES and the datafiles counted against it (dbFilesInUse(): a lower bound from a PDB). */
  dbFilesLimit: number;
  datafilesInUse: number;
  /** Unknown when the controller cannot see the volume's usage. */
  volume?: VolumeUsage;
}

export type Blocker = 'disabled' | 'maxFilesPerTablespace' | 'dbFiles' | 'bigfileLimit' | 'maxPdbStorage';

export interface Decision {
  /** Used against what the tablespace can reach now (files' maxima, or less when the disk is the limit). */
  usedRatio: number;
  /** Used against what is allocated now (DBA_DATA_FILES minus DBA_FREE_SPACE). */
  allocatedUsedRatio: number;
  /** usedRatio is above the alert ratio. */
  alert: boolean;
  /** Smallfile datafiles to add (each can reach maxFileBytes). */
  addDatafiles: number;
  /** Bigfile: the new autoextend maximum. */
  newBigfileMaxBytes?: number;
  /** Why less than needed is added. */
  blockedBy?: Blocker;
  /** The ratio once the actions are taken. */
  usedRatioAfter: number;
  /** The disk cannot hold the growth the tablespace needs: the volume is the limit. */
  volumeLimited: boolean;
  /** Bytes the volume must grow by for the fill to drop under the alert ratio (0 when not limited). */
  volumeBytesNeeded: number;
}

const MiB = 1024 * 1024;
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export function decide(input: DecisionInput): Decision {
  const { usage, tablespace: ts, alertRatio, storage } = input;
  const used = usage.usedBytes;
  const reachable = storage.reachableBytes;
  const usedRatio = ratio(used, reachable);
  const allocatedUsedRatio = ratio(usage.allocatedBytes - usage.freeBytes, usage.allocatedBytes);
  const alert = usedRatio > alertRatio;
  let addDatafiles = 0;
  let newBigfileMaxBytes: number | undefined;
  let blockedBy: Blocker | undefined;
  let maxAfter = reachable;
  let volumeLimited = false;
  let volumeBytesNeeded = 0;

  // The smallest maximum at which the fill is back under the threshold: used < alert * max.
  const fits = (max: number) => used < alertRatio * max;
  // Rounded up to a MiB: Oracle reports sizes in whole blocks, and volumes grow in larger steps.
  const bytesToFit = (have: number) => Math.ceil((Math.floor(used / alertRatio - have) + 1) / MiB) * MiB;

  if (alert && storage.limitedBy === 'disk') {
    // The storage is full before the files are: grow the volume, add nothing.
    volumeLimited = true;
    volumeBytesNeeded = bytesToFit(reachable);
  } else if (alert && storage.limitedBy === 'maxPdbStorage') {
    blockedBy = 'maxPdbStorage';
  } else if (alert) {
    if (!input.autoAddDatafiles) {
      blockedBy = 'disabled';
    } else if (ts.bigfile) {
      const limit = BIGFILE_MAX_BLOCKS * ts.blockSize;
      const gib = 1024 ** 3;
      let target = Math.floor(used / alertRatio / gib + 1) * gib;
      if (target > limit) {
        target = limit;
        blockedBy = 'bigfileLimit';
      }
      if (target > reachable) {
        newBigfileMaxBytes = target;
        maxAfter = target;
      } else {
        blockedBy = 'bigfileLimit';
      }
    } else {
      const per = maxFileBytes(ts);
      const roomInTablespace = MAX_FILES_PER_TABLESPACE - ts.datafiles.length;
      const roomInDatabase = input.dbFilesLimit - input.datafilesInUse;
      const room = Math.max(0, Math.min(roomInTablespace, roomInDatabase));
      let n = 0;
      while (!fits(reachable + n * per) && n < room) n += 1;
      if (!fits(reachable + n * per)) {
        blockedBy = roomInTablespace <= roomInDatabase ? 'maxFilesPerTablespace' : 'dbFiles';
      }
      addDatafiles = n;
      maxAfter = reachable + n * per;
    }
    // What the volume's own figures say (when the caller knows them): the new maxima need disk.
    if (input.volume && !volumeLimited) {
      const onDisk = usage.allocatedBytes + input.volume.availableBytes;
      if (onDisk < maxAfter && !fits(onDisk)) {
        volumeLimited = true;
        volumeBytesNeeded = bytesToFit(onDisk);
      }
    }
  }

  return {
    usedRatio,
    allocatedUsedRatio,
    alert,
    addDatafiles,
    ...(newBigfileMaxBytes !== undefined ? { newBigfileMaxBytes } : {}),
    ...(blockedBy ? { blockedBy } : {}),
    usedRatioAfter: ratio(used, maxAfter),
    volumeLimited,
    volumeBytesNeeded,
  };
}
