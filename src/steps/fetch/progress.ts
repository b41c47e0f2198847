// Progress of a fetch, logged at a steady interval: bytes read from the server (or the staged
// parts), total, rate, ETA, and what is being read and written right now.
import type { Logger } from '../../logging.js';
import type { SeenFile } from '../../sftp/wait.js';
import { progressFields, type ProgressReport } from '../../contract/progress-record.js';
import { formatBytes } from './space.js';

/** Which institution of how many: the step's share is spread evenly over them. */
export interface InstitutionShare {
  index: number;
  count: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The live progress record while waiting for the delivery. Pure. */
export function waitingProgress(
  institutionId: string,
  share: InstitutionShare,
  waitingFor: string,
  files: SeenFile[],
  waitingSinceMs: number,
): ProgressReport {
  const have = files.length ? `${files.length} file(s) there` : 'nothing there yet';
  return {
    stage: 'WaitingForDelivery',
    message: `institution ${institutionId}: waiting for the delivery since ${iso(waitingSinceMs)} (${have}; waiting for ${waitingFor})`,
    ...(share.index > 0 ? { fraction: share.index / share.count } : {}),
    waitingSince: iso(waitingSinceMs),
    files: files.map((f) => ({ name: f.name, bytes: f.size, unchangedSince: iso(f.unchangedSinceMs) })),
  };
}

/** The live progress record while transferring or extracting. Pure. */
export function transferProgress(p: {
  institutionId: string;
  share: InstitutionShare;
  phase: string;
  transferred: number;
  total: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  line: string;
}): ProgressReport {
  const own = p.total > 0 ? Math.min(1, p.transferred / p.total) : 0;
  // Staging downloads first, then extracts: each is half of the institution's share.
  const within = p.phase === 'download' ? own / 2 : p.phase === 'extract' ? 0.5 + own / 2 : own;
  return {
    stage: p.phase === 'extract' ? 'Extracting' : 'Transferring',
    message: `institution ${p.institutionId}: ${p.line}`,
    fraction: (p.share.index + within) / p.share.count,
    done: p.transferred,
    total: p.total,
    unit: 'bytes',
    bytesPerSecond: Math.round(p.bytesPerSecond),
    ...(p.etaSeconds !== null ? { etaSeconds: p.etaSeconds } : {}),
  };
}

export class Progress {
  transferred = 0;
  extracted = 0;
  total = 0;
  currentPart = '';
  currentFile = '';
  phase = '';
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private lastBytes = 0;
  private lastAt = Date.now();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    /** For the live progress record: whose fetch this is, of how many. */
    private readonly scope: { institutionId: string; share: InstitutionShare } = {
      institutionId: '',
      share: { index: 0, count: 1 },
    },
  ) {}

  start(): void {
    if (this.intervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => this.report(), this.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Logs one progress line (also called by the timer). */
  report(): void {
    const now = Date.now();
    const dt = Math.max(1, now - this.lastAt) / 1000;
    const rate = (this.transferred - this.lastBytes) / dt;
    const avg = this.transferred / Math.max(0.001, (now - this.started) / 1000);
    const remaining = Math.max(0, this.total - this.transferred);
    const eta = avg > 0 ? Math.round(remaining / avg) : null;
    this.lastBytes = this.transferred;
    this.lastAt = now;
    const line =
      `${this.phase}: ${formatBytes(this.transferred)} of ${formatBytes(this.total)}` +
      ` at ${formatBytes(rate)}/s, ETA ${eta === null ? '?' : `${eta} s`}` +
      (this.currentFile ? `, writing ${this.currentFile}` : '');
    const record = transferProgress({
      ...this.scope,
      phase: this.phase,
      transferred: this.transferred,
      total: this.total,
      bytesPerSecond: avg,
      etaSeconds: eta,
      line,
    });
    this.log.info(
      {
        ...progressFields(record),
        phase: this.phase,
        bytes: this.transferred,
        totalBytes: this.total,
        extractedBytes: this.extracted,
        bytesPerSecond: Math.round(rate),
        etaSeconds: eta,
        part: this.currentPart,
        file: this.currentFile,
      },
      line,
    );
  }
}
