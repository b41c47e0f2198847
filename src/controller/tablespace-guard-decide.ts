// The tablespace guard's decision, as a pure function: fill, threshold and Oracle's limits ->
// what to add (how many smallfile datafiles, or a bigfile's new MAXSIZE), and whether the
// volume under the database is the real limit (and by how many bytes it must grow).
import type { TablespaceInfo, TablespaceUsage } from '../oracle/dictionary.js';
import { BIGFILE_MAX_BLOCKS, MAX_FILES_PER_TABLESPACE, maxFileBytes } from '../oracle/dictionary-sizing.js';

export const DEFAULT_ALERT_RATIO = 0.85;

export interface VolumeUsage {
  /** Bytes still free on the volume holding the datafiles. */
  availableBytes: number;
  capacityBytes: number;
}

export interface DecisionInput {
  usage: TablespaceUsage;
  tablespace: Pick<TablespaceInfo, 'bigfile' | 'blockSize' | 'datafiles'>;
  alertRatio: number;
  autoAddDatafiles: boolean;
  /** DB_FILES and the datafiles the database has now. */
  dbFilesLimit: number;
  datafileCount: number;
  /** Unknown when the controller cannot see the volume's usage. */
  volume?: VolumeUsage;
}

export type Blocker = 'disabled' | 'maxFilesPerTablespace' | 'dbFiles' | 'bigfileLimit';

export interface Decision {
  /** Used against the maximum reachable size (what USAGE_METRICS reports): the alerting ratio. */
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
  /** The disk cannot hold the growth the tablespace may make: the volume is the limit. */
  volumeLimited: boolean;
  /** Bytes the volume must grow by for the fill to drop under the alert ratio (0 when not limited). */
  volumeBytesNeeded: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export function decide(input: DecisionInput): Decision {
  const { usage, tablespace: ts, alertRatio } = input;
  const used = usage.usedBytes;
  const usedRatio = ratio(used, usage.maxBytes);
  const allocatedUsedRatio = ratio(usage.allocatedBytes - usage.freeBytes, usage.allocatedBytes);
  const alert = usedRatio > alertRatio;
  let addDatafiles = 0;
  let newBigfileMaxBytes: number | undefined;
  let blockedBy: Blocker | undefined;
  let maxAfter = usage.maxBytes;

  // The smallest maximum at which the fill is back under the threshold: used < alert * max.
  const fits = (max: number) => used < alertRatio * max;

  if (alert) {
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
      if (target > usage.maxBytes) {
        newBigfileMaxBytes = target;
        maxAfter = target;
      } else {
        blockedBy = 'bigfileLimit';
      }
    } else {
      const per = maxFileBytes(ts);
      const roomInTablespace = MAX_FILES_PER_TABLESPACE - ts.datafiles.length;
      const roomInDatabase = input.dbFilesLimit - input.datafileCount;
      const room = Math.max(0, Math.min(roomInTablespace, roomInDatabase));
      let n = 0;
      while (!fits(usage.maxBytes + n * per) && n < room) n += 1;
      if (!fits(usage.maxBytes + n * per)) {
        blockedBy = roomInTablespace <= roomInDatabase ? 'maxFilesPerTablespace' : 'dbFiles';
      }
      addDatafiles = n;
      maxAfter = usage.maxBytes + n * per;
    }
  }

  // The disk: the tablespace can only grow into what is free on the volume.
  let volumeLimited = false;
  let volumeBytesNeeded = 0;
  if (input.volume) {
    const reachable = usage.allocatedBytes + input.volume.availableBytes;
    if (reachable < maxAfter && !fits(reachable)) {
      volumeLimited = true;
      volumeBytesNeeded = Math.floor(used / alertRatio - reachable) + 1;
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
