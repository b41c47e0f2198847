// The guard loop's scheduling, as a pure function: which registered restores' database checks to
// start now, and when to look again. The rules: a restore's check is due at its dueAt (right away
// once registered, then the last report's pollAfterMs later); a restore never has two checks at
// once (a check of an earlier registration that is still running holds the restore back too);
// at most maxConcurrent checks run at once, oldest due first; a check running longer than
// overdueMs stops counting against that bound (it is not cancelled: it may be formatting a
// datafile), so a hung database cannot hold back the other restores' checks.

export interface ScheduledEntry {
  key: string;
  /** When its next check is due (ms, the loop's clock). */
  dueAt: number;
}

export interface RunningCheck {
  key: string;
  startedAt: number;
  /** Already reported as overdue (the loop logs it once). */
  overdueNoted: boolean;
}

export interface ScheduleInput {
  entries: ScheduledEntry[];
  running: RunningCheck[];
  now: number;
  maxConcurrent: number;
  overdueMs: number;
}

export interface SchedulePlan {
  /** Keys whose check starts now, in this order. */
  start: string[];
  /** Running checks that have just become overdue (no longer counted against the bound). */
  overdue: string[];
  /** When to run the plan again if nothing settles first (undefined: only a settle or a register can change it). */
  wakeInMs?: number;
}

export function planChecks(input: ScheduleInput): SchedulePlan {
  const { now, overdueMs } = input;
  const busy = new Set(input.running.map((r) => r.key));
  const counted = input.running.filter((r) => now - r.startedAt < overdueMs);
  const overdue = input.running.filter((r) => now - r.startedAt >= overdueMs && !r.overdueNoted);
  const free = Math.max(0, input.maxConcurrent - counted.length);
  const idle = input.entries.filter((e) => !busy.has(e.key));
  const due = idle
    .filter((e) => e.dueAt <= now)
    .sort((a, b) => a.dueAt - b.dueAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = due.slice(0, free).map((e) => e.key);

  const wakes: number[] = [];
  // Due checks left waiting for a slot: a running check turning overdue frees one.
  if (due.length > start.length) for (const r of counted) wakes.push(r.startedAt + overdueMs - now);
  // Checks not due yet.
  for (const e of idle) if (e.dueAt > now) wakes.push(e.dueAt - now);
  return {
    start,
    overdue: overdue.map((r) => r.key),
    ...(wakes.length > 0 ? { wakeInMs: Math.min(...wakes) } : {}),
  };
}
