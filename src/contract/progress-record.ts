// Live progress from a running step to the controller. The step logs one JSON line with a
// versioned `stepProgress` record at its usual progress interval; the controller reads the last
// such line from the tail of the step container's log (pods/log, through the API server). Why the
// log: the step pods stay without any Kubernetes credentials (automountServiceAccountToken is off;
// fetch talks to a server outside the cluster), and the controller needs one read-only verb more
// (get pods/log) instead of every step pod getting a token that may write pods or ConfigMaps.
// Progress is advisory: a lost or garbled line only delays the next figure. Results still travel
// in the termination message (result.ts). Pure.

/**
 * What a running step last reported about itself: status.steps.<step>.progress (its CRD schema is
 * in api/schema/status.ts). Kept after the step ends, so a failure shows how far it got.
 */
export interface StepProgress {
  /** When the step measured this, RFC 3339. */
  time: string;
  /** What it is doing: WaitingForDelivery, Transferring, Extracting, Applying, Importing, Checking. */
  stage: string;
  /** One line a person reads. */
  message: string;
  /** Share of this step done, 0..1, when known. */
  fraction?: number;
  /** Work done and planned, in `unit`. */
  done?: number;
  total?: number;
  unit?: 'bytes' | 'actions' | 'checks' | 'percent';
  /** Transfer rate (fetch), bytes per second. */
  bytesPerSecond?: number;
  /** Estimated seconds until the step is done, from its own rate since it began. */
  etaSeconds?: number;
  /** Fetch waiting for the delivery: since when it waits, and the files there so far. */
  waitingSince?: string;
  files?: { name: string; bytes: number; unchangedSince: string }[];
}

export const PROGRESS_KEY = 'stepProgress';
export const PROGRESS_VERSION = 1;
/** Lines of the log tail the controller reads: progress lines come every few seconds. */
export const PROGRESS_TAIL_LINES = 100;
const MAX_FILES = 20;

export type ProgressReport = Omit<StepProgress, 'time'>;

/** The fields to log (pino merges them into its JSON line, with its own `time`). */
export function progressFields(p: ProgressReport): Record<string, unknown> {
  const files = p.files ? { files: p.files.slice(0, MAX_FILES) } : {};
  return { [PROGRESS_KEY]: { v: PROGRESS_VERSION, ...p, ...files } };
}

const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const text = (x: unknown, max = 512) => (typeof x === 'string' ? x.slice(0, max) : undefined);
const time = (x: unknown) => {
  const t = typeof x === 'number' || typeof x === 'string' ? new Date(x) : undefined;
  return t && !Number.isNaN(t.getTime()) ? t.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
};

/** One log line -> a progress record, or undefined when it is not one (never throws). */
export function parseProgressLine(line: string): StepProgress | undefined {
  if (!line.includes(PROGRESS_KEY)) return undefined;
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const r = doc?.[PROGRESS_KEY] as Record<string, unknown> | undefined;
  if (typeof r !== 'object' || r === null || r.v !== PROGRESS_VERSION) return undefined;
  const at = time(doc.time);
  const stage = text(r.stage, 64);
  const message = text(r.message);
  if (!at || !stage || message === undefined) return undefined;
  const out: StepProgress = { time: at, stage, message };
  const fraction = num(r.fraction);
  if (fraction !== undefined) out.fraction = Math.min(1, Math.max(0, fraction));
  for (const k of ['done', 'total', 'bytesPerSecond', 'etaSeconds'] as const) {
    const v = num(r[k]);
    if (v !== undefined && v >= 0) out[k] = Math.round(v);
  }
  if (r.unit === 'bytes' || r.unit === 'actions' || r.unit === 'checks' || r.unit === 'percent')
    out.unit = r.unit;
  const since = time(r.waitingSince);
  if (since) out.waitingSince = since;
  if (Array.isArray(r.files)) {
    out.files = r.files.slice(0, MAX_FILES).flatMap((f: Record<string, unknown>) => {
      const name = text(f?.name, 256);
      const bytes = num(f?.bytes);
      const unchangedSince = time(f?.unchangedSince);
      return name && bytes !== undefined && unchangedSince ? [{ name, bytes, unchangedSince }] : [];
    });
  }
  return out;
}

/** The newest progress record in a log text. */
export function lastProgress(log: string): StepProgress | undefined {
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const p = parseProgressLine(lines[i]!);
    if (p) return p;
  }
  return undefined;
}
