// The restore's phase machine, as pure data and functions: which step each phase runs, what
// comes after it, and how far along the restore is. The reconciler does the I/O.
import type { Phase } from '../api/types.js';
import type { StepName } from '../contract/result.js';

export const STEP_PHASES: Record<StepName, Phase> = {
  fetch: 'Fetching',
  prepare: 'Preparing',
  import: 'Importing',
  verify: 'Verifying',
};

export const STEP_ORDER: StepName[] = ['fetch', 'prepare', 'import', 'verify'];

export function stepOfPhase(phase: Phase): StepName | undefined {
  return STEP_ORDER.find((s) => STEP_PHASES[s] === phase);
}

/** The phase after a step succeeded. */
export function phaseAfter(step: StepName): Phase {
  const next = STEP_ORDER[STEP_ORDER.indexOf(step) + 1];
  return next ? STEP_PHASES[next] : 'Succeeded';
}

export const TERMINAL_PHASES: ReadonlySet<Phase> = new Set(['Succeeded', 'Cancelled']);

/** Phases in which a restore holds resources and counts against the concurrency limits. */
export const ACTIVE_PHASES: ReadonlySet<Phase> = new Set([
  'Provisioning',
  'Fetching',
  'Preparing',
  'Importing',
  'Verifying',
  'Suspended',
]);

/** Overall progress (percent) at the start of each phase; a step fills the gap to the next. */
const PROGRESS_AT: Partial<Record<Phase, number>> = {
  Pending: 0,
  Planning: 1,
  Queued: 2,
  Provisioning: 3,
  Fetching: 10,
  Preparing: 35,
  Importing: 40,
  Verifying: 90,
  Succeeded: 100,
};

/** Percent done: the phase's start, plus the step's own fraction (0..1) of the way to the next phase. */
export function overallProgress(phase: Phase, stepFraction = 0): number {
  const start = PROGRESS_AT[phase];
  if (start === undefined) return 0;
  const step = stepOfPhase(phase);
  if (!step) return start;
  const end = PROGRESS_AT[phaseAfter(step)] ?? 100;
  const f = Math.min(1, Math.max(0, stepFraction));
  return Math.round(start + (end - start) * f);
}

/**
 * The percent to show on entering a phase: the phase's start; Failed, Suspended and Cancelled
 * have no place on the way and keep the last figure, so a failure shows how far the restore got.
 */
export function progressOnEntering(phase: Phase, previous: number | undefined): number {
  return PROGRESS_AT[phase] === undefined ? (previous ?? 0) : overallProgress(phase);
}
