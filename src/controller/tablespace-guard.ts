// The tablespace guard, used by the controller while a restore is Importing. Each check() polls
// the target tablespaces through the dictionary, sets the Prometheus gauges, adds datafiles when
// enabled and needed, and returns a report the controller turns into status, a condition, an
// Event and, when the volume is the limit, a PVC expansion. The interval is the caller's: this
// class never sleeps.
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { DictionarySession } from '../oracle/dictionary.js';
import {
  NEW_DATAFILE_NEXT,
  dbFilesInUse,
  formatBytes,
  newSmallfile,
  nextDatafilePaths,
  storageLimit,
} from '../oracle/dictionary-sizing.js';
import { addDatafileSql, bigfileMaxSizeSql } from '../oracle/sql/dictionary.js';
import type { Metrics } from '../runtime/metrics.js';
import { DEFAULT_ALERT_RATIO, decide, type Blocker, type VolumeUsage } from './tablespace-guard-decide.js';

export { DEFAULT_ALERT_RATIO, decide, type VolumeUsage } from './tablespace-guard-decide.js';

export interface GuardTarget {
  institutionId: string;
  tablespace: string;
}

export type GuardMetrics = Pick<
  Metrics,
  | 'tablespaceUsedRatio'
  | 'tablespaceAllocatedRatio'
  | 'tablespaceUsedBytes'
  | 'tablespaceMaxBytes'
  | 'datafilesAdded'
>;

export interface TablespaceGuardOptions {
  restore: { namespace: string; name: string };
  targets: GuardTarget[];
  /** Default 0.85. */
  alertRatio?: number;
  /** Default true. */
  autoAddDatafiles?: boolean;
  metrics: GuardMetrics;
  /** An admin session on the restore's PDB; closed after each check. */
  openDictionary: () => Promise<DictionarySession>;
  /** Free space on the database's data volume (e.g. from the kubelet's stats), when known. */
  volume?: () => Promise<VolumeUsage | undefined>;
  logger?: Logger;
  now?: () => Date;
}

export interface TablespaceGuardEntry {
  institutionId: string;
  tablespace: string;
  /** After the actions of this check. */
  usedRatio: number;
  allocatedUsedRatio: number;
  usedBytes: number;
  allocatedBytes: number;
  /** What the tablespace can reach now: its files' maxima, or less when the storage is the limit. */
  maxBytes: number;
  /** The sum of its files' autoextend maxima (DBA_DATA_FILES). */
  capacityBytes: number;
  /** What limits growth before the files' maxima do (undefined: the maxima are the limit). */
  limitedBy?: 'disk' | 'maxPdbStorage';
  /** Above the alert ratio when observed (before any action). */
  alert: boolean;
  /** Still above after the actions. */
  stillAbove: boolean;
  actions: string[];
  blockedBy?: Blocker;
  volumeLimited: boolean;
  volumeBytesNeeded: number;
  /** Set when this tablespace could not be checked or an action failed. */
  error?: string;
}

export interface TablespaceGuardReport {
  time: string;
  alertRatio: number;
  tablespaces: TablespaceGuardEntry[];
  /** Any tablespace above the ratio (raise the condition and an Event). */
  alert: boolean;
  /** Actions taken in this check, for status.actions. */
  actions: { time: string; action: string }[];
  /** The volume is the limit: grow the PVC by at least bytesNeeded when the StorageClass allows. */
  volume: { limited: boolean; bytesNeeded: number };
  /** A readable one-liner for the condition message / Event. */
  message: string;
}

export class TablespaceGuard {
  private readonly alertRatio: number;
  private readonly autoAdd: boolean;

  constructor(private readonly opts: TablespaceGuardOptions) {
    this.alertRatio = opts.alertRatio ?? DEFAULT_ALERT_RATIO;
    if (!(this.alertRatio > 0 && this.alertRatio < 1)) {
      throw new Error(`tablespace guard alert ratio must be between 0 and 1, got ${this.alertRatio}`);
    }
    this.autoAdd = opts.autoAddDatafiles ?? true;
  }

  private labels(t: GuardTarget) {
    return {
      namespace: this.opts.restore.namespace,
      restore: this.opts.restore.name,
      institution: t.institutionId,
      tablespace: t.tablespace,
    };
  }

  async check(): Promise<TablespaceGuardReport> {
    const time = (this.opts.now ?? (() => new Date()))().toISOString();
    const log = this.opts.logger;
    const entries: TablespaceGuardEntry[] = [];
    const actions: { time: string; action: string }[] = [];
    const volume = this.opts.volume ? await this.opts.volume() : undefined;
    const dict = await this.opts.openDictionary();
    try {
      for (const target of this.opts.targets) {
        const entry = await this.checkOne(dict, target, volume);
        for (const a of entry.actions) actions.push({ time, action: a });
        entries.push(entry);
      }
    } finally {
      await dict.close();
    }
    const alert = entries.some((e) => e.alert);
    const bytesNeeded = entries.reduce((s, e) => s + e.volumeBytesNeeded, 0);
    const report: TablespaceGuardReport = {
      time,
      alertRatio: this.alertRatio,
      tablespaces: entries,
      alert,
      actions,
      volume: { limited: entries.some((e) => e.volumeLimited), bytesNeeded },
      message: summarise(entries, this.alertRatio),
    };
    if (alert || report.volume.limited) log?.warn({ guard: report }, report.message);
    return report;
  }

  private async checkOne(
    dict: DictionarySession,
    target: GuardTarget,
    volume: VolumeUsage | undefined,
  ): Promise<TablespaceGuardEntry> {
    const m = this.opts.metrics;
    const labels = this.labels(target);
    const base = { institutionId: target.institutionId, tablespace: target.tablespace };
    const empty = {
      ...base,
      usedRatio: 0,
      allocatedUsedRatio: 0,
      usedBytes: 0,
      allocatedBytes: 0,
      maxBytes: 0,
      capacityBytes: 0,
      alert: false,
      stillAbove: false,
      actions: [] as string[],
      volumeLimited: false,
      volumeBytesNeeded: 0,
    };
    let ts;
    let usage;
    let info;
    try {
      [ts, usage, info] = await Promise.all([
        dict.tablespace(target.tablespace),
        dict.tablespaceUsage(target.tablespace),
        dict.databaseInfo(),
      ]);
    } catch (err) {
      return { ...empty, error: `cannot read tablespace ${target.tablespace}: ${errorMessage(err)}` };
    }
    if (!ts || !usage) return { ...empty, error: `tablespace ${target.tablespace} does not exist` };

    const storage = storageLimit(usage, ts, info);
    const d = decide({
      usage,
      tablespace: ts,
      storage,
      alertRatio: this.alertRatio,
      autoAddDatafiles: this.autoAdd,
      dbFilesLimit: info.dbFilesLimit,
      // From a PDB only a lower bound of the CDB's files is visible: see dbFilesInUse().
      datafilesInUse: dbFilesInUse(info).inUse,
      ...(volume ? { volume } : {}),
    });
    const done: string[] = [];
    let error: string | undefined;
    try {
      if (d.addDatafiles > 0) {
        const paths = nextDatafilePaths(
          target.tablespace,
          ts.datafiles.map((f) => f.fileName),
          await dict.allDatafiles(),
          d.addDatafiles,
        );
        for (const p of paths) {
          const file = newSmallfile(p);
          await dict.addDatafile(target.tablespace, file);
          m.datafilesAdded.inc(labels);
          done.push(addDatafileSql(target.tablespace, file));
        }
      }
      if (d.newBigfileMaxBytes !== undefined) {
        await dict.setTablespaceMaxSize(target.tablespace, d.newBigfileMaxBytes, NEW_DATAFILE_NEXT);
        done.push(bigfileMaxSizeSql(target.tablespace, d.newBigfileMaxBytes, NEW_DATAFILE_NEXT));
      }
    } catch (err) {
      error = `adding space to ${target.tablespace} failed: ${errorMessage(err)}`;
    }
    // Report what the database says now, not what we expected it to say.
    let after = usage;
    let afterStorage = storage;
    if (done.length > 0) {
      const [tsNow, usageNow] = await Promise.all([
        dict.tablespace(target.tablespace),
        dict.tablespaceUsage(target.tablespace),
      ]);
      after = usageNow ?? usage;
      afterStorage = storageLimit(after, tsNow ?? ts, info);
    }
    const reach = afterStorage.reachableBytes;
    const usedRatio = reach > 0 ? after.usedBytes / reach : 0;
    const allocatedUsedRatio =
      after.allocatedBytes > 0 ? (after.allocatedBytes - after.freeBytes) / after.allocatedBytes : 0;
    m.tablespaceUsedRatio.set(labels, usedRatio);
    m.tablespaceAllocatedRatio.set(labels, allocatedUsedRatio);
    m.tablespaceUsedBytes.set(labels, after.usedBytes);
    m.tablespaceMaxBytes.set(labels, reach);
    return {
      ...base,
      usedRatio,
      allocatedUsedRatio,
      usedBytes: after.usedBytes,
      allocatedBytes: after.allocatedBytes,
      maxBytes: reach,
      capacityBytes: afterStorage.capacityBytes,
      ...(afterStorage.limitedBy ? { limitedBy: afterStorage.limitedBy } : {}),
      alert: d.alert,
      stillAbove: usedRatio > this.alertRatio,
      actions: done,
      ...(d.blockedBy ? { blockedBy: d.blockedBy } : {}),
      volumeLimited: d.volumeLimited,
      volumeBytesNeeded: d.volumeBytesNeeded,
      ...(error ? { error } : {}),
    };
  }

  /** Drops this restore's series (when the restore is deleted or leaves Importing for good). */
  forget(): void {
    const m = this.opts.metrics;
    for (const t of this.opts.targets) {
      const labels = this.labels(t);
      m.tablespaceUsedRatio.remove(labels);
      m.tablespaceAllocatedRatio.remove(labels);
      m.tablespaceUsedBytes.remove(labels);
      m.tablespaceMaxBytes.remove(labels);
      m.datafilesAdded.remove(labels);
    }
  }
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

function summarise(entries: TablespaceGuardEntry[], alertRatio: number): string {
  const parts: string[] = [];
  for (const e of entries) {
    if (e.error) {
      parts.push(`${e.tablespace}: ${e.error}`);
      continue;
    }
    if (!e.alert && !e.volumeLimited) continue;
    let s = `${e.tablespace} (institution ${e.institutionId}) is ${pct(e.usedRatio)} full of ${formatBytes(e.maxBytes)}`;
    if (e.actions.length > 0) s += `; added ${e.actions.length} datafile action(s)`;
    if (e.blockedBy === 'disabled') s += '; adding datafiles is disabled';
    if (e.blockedBy === 'maxFilesPerTablespace') s += '; the tablespace has reached 1022 datafiles';
    if (e.blockedBy === 'dbFiles') s += '; DB_FILES is reached (raise it)';
    if (e.blockedBy === 'bigfileLimit') s += '; the bigfile datafile is at its maximum';
    if (e.blockedBy === 'maxPdbStorage')
      s += `; the PDB's MAX_PDB_STORAGE is the limit (its files could reach ${formatBytes(e.capacityBytes)}): raise it with ALTER PLUGGABLE DATABASE STORAGE (MAXSIZE ...)`;
    if (e.volumeLimited && e.limitedBy === 'disk')
      s += `; the volume is the limit (the datafiles could grow to ${formatBytes(e.capacityBytes)} but the disk has room for ${formatBytes(e.maxBytes)}): it needs ${formatBytes(e.volumeBytesNeeded)} more; no datafile added, since one would not help`;
    else if (e.volumeLimited)
      s += `; the volume is the limit: it needs ${formatBytes(e.volumeBytesNeeded)} more`;
    parts.push(s);
  }
  return parts.length ? parts.join('; ') : `all ${entries.length} tablespace(s) under ${pct(alertRatio)}`;
}
