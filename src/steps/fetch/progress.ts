// Progress of a fetch, logged at a steady interval: bytes read from the server (or the staged
// parts), total, rate, ETA, and what is being read and written right now.
import type { Logger } from '../../logging.js';
import { formatBytes } from './space.js';

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
    this.log.info(
      {
        phase: this.phase,
        bytes: this.transferred,
        totalBytes: this.total,
        extractedBytes: this.extracted,
        bytesPerSecond: Math.round(rate),
        etaSeconds: eta,
        part: this.currentPart,
        file: this.currentFile,
      },
      `${this.phase}: ${formatBytes(this.transferred)} of ${formatBytes(this.total)}` +
        ` at ${formatBytes(rate)}/s, ETA ${eta === null ? '?' : `${eta} s`}` +
        (this.currentFile ? `, writing ${this.currentFile}` : ''),
    );
  }
}
