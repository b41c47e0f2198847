// The tablespace guard's own loop, owned by the manager: its database calls (connect, usage
// queries, ADD DATAFILE) never run in a reconcile worker. A reconcile pass of a restore in
// Importing only registers it (synchronous) and writes the newest report into status; the loop
// runs each registered restore's check on its own schedule (the report's pollAfterMs), one at a
// time per restore and a bounded number at once (guard-loop-decide.ts, pure), and wakes the
// restore through the work queue when a report arrives. A check that hangs or fails holds back no
// reconcile and no other restore; a restore unregistered (left Importing, deleted, or the loop
// stopped with the lease) is dropped and the result of its running check is discarded.
import { errorMessage } from '../errors.js';
import type { Logger } from '../logging.js';
import type { AlmaRestore } from '../api/types.js';
import type { GuardRegistry, GuardReport, TablespaceGuardHook } from './context.js';
import type { DesiredState } from './desired.js';
import { planChecks, type RunningCheck } from './guard-loop-decide.js';

/** Checks at once across restores, by default. */
export const DEFAULT_GUARD_CONCURRENCY = 4;
/** A check running this long stops counting against the bound (it goes on; its result is kept). */
export const DEFAULT_GUARD_OVERDUE_MS = 60_000;
/** After a failed check, the next one (as the reconcile's requeue was before the loop). */
export const GUARD_RETRY_MS = 60_000;

/**
 * Whether a watched restore stays in the loop: only while it is Importing and not deleted. The
 * manager drops any other at its watch event, so a restore that leaves Importing, is deleted, or
 * is being deleted has its checks stopped at once, before any pass of it.
 */
export function stillGuarded(restore: AlmaRestore, deleted = false): boolean {
  return !deleted && !restore.metadata.deletionTimestamp && restore.status?.phase === 'Importing';
}

/** The loop's clock and timer; tests drive a manual one. */
export interface LoopClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const realClock: LoopClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface GuardLoopOptions {
  guard: TablespaceGuardHook;
  /** Wakes the restore (the manager's work queue) so that a pass writes the new report. */
  enqueue: (key: string) => void;
  log: Logger;
  maxConcurrent?: number;
  overdueMs?: number;
  clock?: LoopClock;
}

interface Entry {
  /** Distinguishes this registration from an earlier one of the same key. */
  id: number;
  restore: AlmaRestore;
  desired: DesiredState;
  dueAt: number;
  latest?: { seq: number; report: GuardReport };
  recordedSeq: number;
}

export class GuardLoop implements GuardRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Per key, the check running (of whichever registration started it). */
  private readonly running = new Map<string, RunningCheck & { entryId: number }>();
  private readonly clock: LoopClock;
  private readonly maxConcurrent: number;
  private readonly overdueMs: number;
  private nextId = 1;
  private nextSeq = 1;
  private timer: unknown;
  private stopped = false;

  constructor(private readonly opts: GuardLoopOptions) {
    this.clock = opts.clock ?? realClock;
    this.maxConcurrent = opts.maxConcurrent ?? DEFAULT_GUARD_CONCURRENCY;
    this.overdueMs = opts.overdueMs ?? DEFAULT_GUARD_OVERDUE_MS;
    if (!(this.maxConcurrent >= 1))
      throw new Error(`guard concurrency must be at least 1, got ${this.maxConcurrent}`);
  }

  register(key: string, restore: AlmaRestore, desired: DesiredState): void {
    if (this.stopped) return;
    const entry = this.entries.get(key);
    if (entry) {
      // The next check uses what the newest pass saw (a changed interval or ratio included).
      entry.restore = restore;
      entry.desired = desired;
      return;
    }
    this.entries.set(key, { id: this.nextId++, restore, desired, dueAt: this.clock.now(), recordedSeq: 0 });
    this.pump();
  }

  unregister(key: string): void {
    if (!this.entries.delete(key)) return;
    this.pump();
  }

  pending(key: string): { seq: number; report: GuardReport } | undefined {
    const entry = this.entries.get(key);
    return entry?.latest && entry.latest.seq > entry.recordedSeq ? entry.latest : undefined;
  }

  recorded(key: string, seq: number): void {
    const entry = this.entries.get(key);
    if (entry && seq > entry.recordedSeq) entry.recordedSeq = seq;
  }

  /** Whether the restore is in the loop (registered and not dropped since). */
  isRegistered(key: string): boolean {
    return this.entries.has(key);
  }

  /** Restores registered, and checks running (overdue ones included). */
  get size(): { registered: number; running: number } {
    return { registered: this.entries.size, running: this.running.size };
  }

  /** Drops every restore (lost lease, shutdown); running checks are not awaited, their results discarded. */
  stop(): void {
    this.stopped = true;
    this.entries.clear();
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Starts what is due, and sets the timer for the next moment something may be. */
  private pump(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const plan = planChecks({
      entries: [...this.entries].map(([key, e]) => ({ key, dueAt: e.dueAt })),
      running: [...this.running.values()],
      now,
      maxConcurrent: this.maxConcurrent,
      overdueMs: this.overdueMs,
    });
    for (const key of plan.overdue) {
      const r = this.running.get(key)!;
      r.overdueNoted = true;
      this.opts.log.warn(
        { restore: key, runningMs: now - r.startedAt },
        'tablespace guard check still running; no longer counted against the concurrency bound',
      );
    }
    for (const key of plan.start) this.start(key, this.entries.get(key)!, now);
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer =
      plan.wakeInMs === undefined
        ? undefined
        : this.clock.setTimer(() => {
            this.timer = undefined;
            this.pump();
          }, plan.wakeInMs);
  }

  private start(key: string, entry: Entry, now: number): void {
    this.running.set(key, { key, startedAt: now, overdueNoted: false, entryId: entry.id });
    let check: Promise<GuardReport>;
    try {
      check = this.opts.guard.check(entry.restore, entry.desired);
    } catch (err) {
      // A hook that throws at once is a failed check like any other (settled after this pump).
      check = Promise.reject(err as Error);
    }
    void check.then(
      (report) => this.settle(key, entry.id, { report }),
      (err: unknown) => this.settle(key, entry.id, { err }),
    );
  }

  private settle(key: string, entryId: number, outcome: { report: GuardReport } | { err: unknown }): void {
    const run = this.running.get(key);
    if (run?.entryId === entryId) this.running.delete(key);
    const entry = this.entries.get(key);
    // Unregistered (or registered anew) meanwhile, or stopped: the result is not this restore's any more.
    if (this.stopped || entry?.id !== entryId) {
      this.pump();
      return;
    }
    const now = this.clock.now();
    if ('report' in outcome) {
      const { report } = outcome;
      // A report not yet in status (no pass ran since) is superseded, but the datafiles it added
      // must still be listed: its actions carry over (the pass skips any already in status).
      const unrecorded =
        entry.latest && entry.latest.seq > entry.recordedSeq ? entry.latest.report : undefined;
      const actions = [...(unrecorded?.actions ?? []), ...(report.actions ?? [])];
      entry.latest = { seq: this.nextSeq++, report: { ...report, actions } };
      const poll = report.pollAfterMs;
      entry.dueAt = now + (Number.isFinite(poll) && poll > 0 ? poll : GUARD_RETRY_MS);
      this.opts.enqueue(key);
    } else {
      this.opts.log.warn({ restore: key, err: errorMessage(outcome.err) }, 'tablespace guard check failed');
      entry.dueAt = now + GUARD_RETRY_MS;
    }
    this.pump();
  }
}
