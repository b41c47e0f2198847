// Progress lines for `kubectl logs`: percent, bytes of total, current object, rows and an ETA,
// computed from what the engine last saw. Pure; the runner decides when to print.
import type { ProgressReport } from '../../contract/progress-record.js';

export interface ProgressSnapshot {
  state: string;
  percentDone: number;
  bytesProcessed: number;
  totalBytes: number;
  completedRows: number;
  currentObject?: string;
  /** Data Pump log lines seen so far in this attempt (for the phase when no object is known). */
  lastPhase?: string;
}

const GIB = 1024 ** 3;

export function formatBytes(n: number): string {
  if (n >= GIB) return `${(n / GIB).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * ETA from the rate since this attempt began watching (a resumed job starts part-way). Undefined
 * until the percentage has moved.
 */
export function estimateEtaSeconds(
  first: { atMs: number; percent: number },
  now: { atMs: number; percent: number },
): number | undefined {
  const gained = now.percent - first.percent;
  const elapsed = (now.atMs - first.atMs) / 1000;
  if (gained <= 0 || elapsed <= 0 || now.percent >= 100) return now.percent >= 100 ? 0 : undefined;
  return (elapsed * (100 - now.percent)) / gained;
}

export class ProgressTracker {
  private first?: { atMs: number; percent: number };
  private latest?: ProgressSnapshot;
  private latestAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  update(s: ProgressSnapshot): void {
    const at = this.now();
    this.first ??= { atMs: at, percent: s.percentDone };
    this.latest = s;
    this.latestAt = at;
  }

  /** Structured fields for the log line (pino merges them). */
  fields(): Record<string, unknown> | undefined {
    const s = this.latest;
    if (!s || !this.first) return undefined;
    const eta = estimateEtaSeconds(this.first, { atMs: this.latestAt, percent: s.percentDone });
    return {
      state: s.state,
      percentDone: Math.round(s.percentDone * 10) / 10,
      bytesProcessed: s.bytesProcessed,
      totalBytes: s.totalBytes,
      rows: s.completedRows,
      ...(s.currentObject ? { currentObject: s.currentObject } : {}),
      ...(eta !== undefined ? { etaSeconds: Math.round(eta) } : {}),
    };
  }

  /** "42.0% done, 12.3 GiB of 29.3 GiB, TABLE_DATA EXL_ADMIN.HDEMETADATA, 4718592 rows, ETA 01:12:00" */
  line(): string | undefined {
    const s = this.latest;
    const f = this.fields();
    if (!s || !f) return undefined;
    const parts = [
      `${s.percentDone.toFixed(1)}% done`,
      s.totalBytes > 0
        ? `${formatBytes(s.bytesProcessed)} of ${formatBytes(s.totalBytes)}`
        : formatBytes(s.bytesProcessed),
      s.currentObject ?? s.lastPhase ?? s.state,
      `${s.completedRows} rows`,
      f.etaSeconds !== undefined ? `ETA ${formatDuration(f.etaSeconds as number)}` : 'ETA unknown',
    ];
    return parts.join(', ');
  }
}

/**
 * The live progress record for the controller (src/contract/progress-record.ts): the share of the
 * whole step, and an ETA for all of it, the institutions still to come weighted by their bib
 * records at the current job's rate. Pure.
 */
export function importProgressReport(
  institutions: { institutionId: string; bibRecords: number }[],
  index: number,
  fields: Record<string, unknown>,
  line: string,
): ProgressReport {
  const current = institutions[index];
  const percent = typeof fields.percentDone === 'number' ? fields.percentDone : 0;
  const own = Math.min(1, Math.max(0, percent / 100));
  const report: ProgressReport = {
    stage: 'Importing',
    message: `institution ${current?.institutionId ?? '?'} (${index + 1} of ${institutions.length}): ${line}`,
    fraction: (index + own) / Math.max(1, institutions.length),
    done: Math.round(percent),
    total: 100,
    unit: 'percent',
  };
  const eta = typeof fields.etaSeconds === 'number' ? fields.etaSeconds : undefined;
  if (eta !== undefined && current) {
    const later = institutions.slice(index + 1).reduce((n, i) => n + i.bibRecords, 0);
    const perInstitution = own < 1 ? eta / (1 - own) : 0;
    report.etaSeconds = Math.round(eta + (perInstitution * later) / Math.max(1, current.bibRecords));
  }
  return report;
}
