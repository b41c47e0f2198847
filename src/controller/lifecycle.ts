// Moving a restore between phases, and the user's levers on it: a transition (status, the phase
// conditions, a log line, an Event), failing it, retrying it after the retry annotation changed,
// cancelling and suspending or resuming it (its unfinished step Jobs deleted or (un)suspended).
import type { AlmaRestore, AlmaRestoreStatus, Phase, StepStatus } from '../api/types.js';
import { stepConditionType, type ConditionInput } from '../api/conditions.js';
import { LABEL } from '../resources/meta.js';
import {
  RETRY_ANNOTATION,
  isStep,
  isoNow,
  jobCondition,
  ownedBy,
  type Pass,
  type ReconcileResult,
} from './context.js';
import { STEP_PHASES, TERMINAL_PHASES, progressOnEntering, stepOfPhase } from './phases.js';

export interface Transition {
  to: Phase;
  reason: string;
  message: string;
  /** Further status fields to set (undefined removes one). */
  status?: Partial<AlmaRestoreStatus>;
  /** Conditions beside Ready / Progressing / Failed. */
  conditions?: ConditionInput[];
}

/** Ready / Progressing / Failed, derived from the phase. */
export function phaseConditions(phase: Phase, reason: string, message: string): ConditionInput[] {
  const active = !TERMINAL_PHASES.has(phase) && !['Failed', 'Suspended', 'Queued'].includes(phase);
  return [
    { type: 'Ready', status: phase === 'Succeeded' ? 'True' : 'False', reason, message },
    { type: 'Progressing', status: active ? 'True' : 'False', reason, message },
    { type: 'Failed', status: phase === 'Failed' ? 'True' : 'False', reason, message },
  ];
}

/** Writes the new phase (only what changed is sent) and, when the phase changed, logs and records it. */
export async function transition(pass: Pass, restore: AlmaRestore, t: Transition): Promise<ReconcileResult> {
  const from = restore.status?.phase ?? 'Pending';
  const step = stepOfPhase(t.to);
  const extra = t.status ?? {};
  await pass.status.write(
    restore,
    {
      ...extra,
      phase: t.to,
      currentStep: step ?? (t.to === 'Failed' ? extra.failedStep : undefined),
      progress: progressOnEntering(t.to, restore.status?.progress),
      progressMessage: t.message,
    },
    [...phaseConditions(t.to, t.reason, t.message), ...(t.conditions ?? [])],
  );
  if (from !== t.to) {
    pass.log.info(
      { restore: `${restore.metadata.namespace}/${restore.metadata.name}`, from, to: t.to, reason: t.reason },
      t.message,
    );
    if (t.to !== 'Failed')
      await pass.events.record(restore, 'Normal', t.reason, `${from} -> ${t.to}: ${t.message}`);
    pass.markProgress(restore);
  }
  // Phases that act at once come back at once; the others wait for an event.
  const immediate = step || t.to === 'Provisioning' || t.to === 'Pending';
  return { requeueAfterMs: immediate ? 0 : undefined };
}

export interface Failure {
  /** A step name, or "plan" / "provision". */
  step: string;
  reason: string;
  message: string;
  stepStatus?: StepStatus;
  status?: Partial<AlmaRestoreStatus>;
}

/** The restore stops in Failed, with a Warning Event; only the retry annotation moves it again. */
export async function fail(pass: Pass, restore: AlmaRestore, f: Failure): Promise<ReconcileResult> {
  const steps = f.stepStatus ? { ...restore.status?.steps, [f.step]: f.stepStatus } : restore.status?.steps;
  await pass.events.record(restore, 'Warning', f.reason, `${f.step}: ${f.message}`);
  await transition(pass, restore, {
    to: 'Failed',
    reason: f.reason,
    message: `${f.step} failed: ${f.message}`,
    status: { ...f.status, failedStep: f.step, steps },
    conditions: isStep(f.step)
      ? [{ type: stepConditionType(f.step), status: 'False', reason: f.reason, message: f.message }]
      : [],
  });
  return {};
}

/** A failed restore moves again only when the user changes the retry annotation. */
export async function maybeRetry(pass: Pass, restore: AlmaRestore): Promise<ReconcileResult> {
  const token = restore.metadata.annotations?.[RETRY_ANNOTATION];
  const status = restore.status ?? {};
  if (!token || token === status.lastRetry) return {};
  const failedStep = status.failedStep;
  if (!failedStep || !isStep(failedStep)) {
    // Planning or provisioning failed: start over from Pending (no step Job ran yet).
    await pass.events.record(
      restore,
      'Normal',
      'Retrying',
      `retrying from the start (${failedStep ?? 'unknown'} failed)`,
    );
    return transition(pass, restore, {
      to: 'Pending',
      reason: 'Retrying',
      message: 'Retry requested',
      status: { lastRetry: token, failedStep: undefined, startTime: undefined },
    });
  }
  const prior = status.steps?.[failedStep];
  const attempt = (prior?.attempt ?? 1) + 1;
  const steps = { ...status.steps, [failedStep]: { phase: 'Pending' as const, attempt } };
  await pass.events.record(restore, 'Normal', 'Retrying', `retrying step ${failedStep} (attempt ${attempt})`);
  // A fetch retry provisions again: the step configuration and the staging claim may have been fixed.
  return transition(pass, restore, {
    to: failedStep === 'fetch' ? 'Provisioning' : STEP_PHASES[failedStep],
    reason: 'Retrying',
    message: `Retrying ${failedStep}, attempt ${attempt}`,
    status: { lastRetry: token, failedStep: undefined, steps },
  });
}

/**
 * The restore's step Jobs that have not finished, from the cache: by label, not by status, so a
 * Job created just before a crash (and not yet recorded) is found too.
 */
export function unfinishedJobs(pass: Pick<Pass, 'caches'>, restore: AlmaRestore): string[] {
  return pass.caches.jobs
    .list(restore.metadata.namespace)
    .filter((j) => j.metadata?.labels?.[LABEL.restore] === restore.metadata.name && ownedBy(j, restore))
    .filter((j) => !jobCondition(j, 'Complete') && !jobCondition(j, 'Failed'))
    .map((j) => j.metadata!.name!);
}

export async function cancel(pass: Pass, restore: AlmaRestore): Promise<ReconcileResult> {
  for (const name of unfinishedJobs(pass, restore)) await pass.jobs.delete(restore.metadata.namespace!, name);
  await pass.events.record(
    restore,
    'Normal',
    'Cancelled',
    'restore cancelled by spec.cancel; running step stopped',
  );
  return transition(pass, restore, {
    to: 'Cancelled',
    reason: 'Cancelled',
    message: 'Cancelled by spec.cancel',
    status: { completionTime: isoNow(pass) },
  });
}

export async function suspend(
  pass: Pass,
  restore: AlmaRestore,
  suspending: boolean,
): Promise<ReconcileResult> {
  for (const name of unfinishedJobs(pass, restore))
    await pass.jobs.setSuspend(restore.metadata.namespace!, name, suspending);
  if (suspending) {
    const from = restore.status?.phase ?? 'Pending';
    return transition(pass, restore, {
      to: 'Suspended',
      reason: 'Suspended',
      message: `Suspended in ${from} by spec.suspend`,
      status: { suspendedPhase: from },
    });
  }
  const back = restore.status?.suspendedPhase ?? 'Pending';
  return transition(pass, restore, {
    to: back,
    reason: 'Resumed',
    message: `Resumed in ${back}`,
    status: { suspendedPhase: undefined },
  });
}

/** A message in status while the restore waits (written only when it changes). */
export async function progressNote(
  pass: Pass,
  restore: AlmaRestore,
  message: string,
  requeueAfterMs: number,
): Promise<ReconcileResult> {
  if (restore.status?.progressMessage !== message)
    await pass.status.write(restore, { progressMessage: message });
  return { requeueAfterMs };
}
