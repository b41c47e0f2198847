// A restore in a step phase: its step Job created once (deterministic name <restore>-<step>-<attempt>),
// followed while it runs (live progress from the log tail, pods that cannot run, the tablespace
// guard during the import), and judged when it ends (step-outcome.ts, pure). Reads the Job and its
// pods from the watched caches; their events wake the restore, so the only timer is the log-tail
// poll of a pod that runs (or is Pending: its Event-only blockers); the guard loop wakes it with a report.
import type { AlmaRestore, StepStatus } from '../api/types.js';
import { stepConditionType } from '../api/conditions.js';
import type { StepName } from '../contract/result.js';
import { withLabels } from './caches.js';
import { terminatedState } from './child-reads.js';
import { isoNow, jobCondition, ownedBy, type Pass, type ReconcileResult } from './context.js';
import type { DesiredState } from './desired.js';
import { guardTablespaces } from './guard-pass.js';
import { fail, progressNote, transition } from './lifecycle.js';
import { decideBlocker } from './pod-blockers.js';
import { findPodBlocker } from './pod-blocker-check.js';
import { PROGRESS_POLL_MS, liveProgressChanges } from './progress-decide.js';
import { recordFetchResult } from './step-metrics.js';
import { stepOutcome } from './step-outcome.js';
import { readStepProgress } from './step-progress.js';

export async function runStep(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
  step: StepName,
): Promise<ReconcileResult> {
  const ns = restore.metadata.namespace!;
  const prior = restore.status?.steps?.[step];
  const attempt = prior?.attempt ?? 1;
  const wanted = desired.stepJob(step, attempt);
  const jobName = wanted.metadata!.name!;
  // The cache may lag behind a Job created just before a restart: ask the API server itself.
  const job = pass.caches.jobs.get(jobName, ns) ?? (await pass.jobs.read(ns, jobName));

  if (job && !ownedBy(job, restore))
    return progressNote(
      pass,
      restore,
      `Waiting for Job ${ns}/${jobName} of an earlier AlmaRestore ${restore.metadata.name} to be removed by the garbage collector`,
      10_000,
    );
  if (!job) {
    await pass.jobs.create(ns, wanted);
    const running: StepStatus = { phase: 'Running', jobName, attempt, startTime: isoNow(pass) };
    await pass.status.write(restore, { steps: { ...restore.status?.steps, [step]: running } }, [
      {
        type: stepConditionType(step),
        status: 'Unknown',
        reason: 'StepRunning',
        message: `Job ${jobName} started (attempt ${attempt})`,
      },
    ]);
    await pass.events.record(
      restore,
      'Normal',
      'StepStarted',
      `${step}: Job ${jobName} started (attempt ${attempt})`,
    );
    return { requeueAfterMs: 30_000 };
  }

  if (job.spec?.suspend && !restore.spec.suspend) await pass.jobs.setSuspend(ns, jobName, false);
  const pods = withLabels(pass.caches.pods, ns, { 'job-name': jobName });
  // The step's live progress (its log tail); the last one it reported stays after it ends.
  const live = await readStepProgress(pass.core, ns, pods, step);
  if (!jobCondition(job, 'Complete') && !jobCondition(job, 'Failed')) {
    const blocked = await stepPodBlocked(pass, restore, step, jobName, attempt, pods);
    if (blocked) return blocked;
    const changes = liveProgressChanges(restore.status ?? {}, restore.status!.phase!, step, live);
    if (changes) {
      if ((changes.progress ?? 0) > (restore.status?.progress ?? 0)) pass.markProgress(restore);
      await pass.status.write(restore, changes);
    }
    // The guard's database calls run in its own loop, which wakes the restore with each report.
    if (step === 'import' && pass.guard) await guardTablespaces(pass, restore, desired, !!live);
    // A running pod's log progress and a pending pod's Event-only blockers have no watch event:
    // those are polled. No pod yet, or only finished ones: their events wake the restore.
    const podsActive = pods.some((p) => ['Pending', 'Running', undefined].includes(p.status?.phase));
    return podsActive ? { requeueAfterMs: PROGRESS_POLL_MS } : {};
  }

  const outcome = stepOutcome({
    step,
    job,
    attempt,
    ...(prior ? { prior } : {}),
    terminated: await terminatedState(pass.core, ns, jobName, step, pods),
    ...(live ? { live } : {}),
    history: restore.status?.history,
    now: isoNow(pass),
  });
  if (outcome.kind === 'failed') {
    pass.metrics.stepDuration.observe({ step, outcome: 'Failed' }, outcome.seconds);
    return fail(pass, restore, {
      step,
      reason: outcome.reason,
      message: outcome.message,
      stepStatus: outcome.stepStatus,
      status: outcome.status,
    });
  }
  const { result } = outcome;
  pass.metrics.stepDuration.observe({ step, outcome: result.outcome }, outcome.seconds);
  if (step === 'fetch') recordFetchResult(pass.metrics, restore, result.summary, outcome.seconds);
  await pass.events.record(restore, outcome.event.type, outcome.event.reason, outcome.event.message);
  return transition(pass, restore, {
    to: outcome.next,
    reason: result.reason,
    message: `${step}: ${result.message}`,
    status: { steps: { ...restore.status?.steps, [step]: outcome.stepStatus }, ...outcome.status },
    conditions: outcome.conditions,
  });
}

/**
 * A step pod that cannot run (pod-blockers.ts) is shown at once (step message, step condition,
 * Warning Event) and fails the step once it outlasts --pod-blocked-timeout; the Job is then
 * deleted so that a pod scheduled later cannot run a step the restore has given up on.
 */
async function stepPodBlocked(
  pass: Pass,
  restore: AlmaRestore,
  step: StepName,
  jobName: string,
  attempt: number,
  pods: Parameters<typeof findPodBlocker>[2],
): Promise<ReconcileResult | undefined> {
  const ns = restore.metadata.namespace!;
  const { blocker } = await findPodBlocker(pass.core, ns, pods);
  const prior = restore.status?.steps?.[step] ?? { phase: 'Running' as const, jobName, attempt };
  if (!blocker) {
    // Unblocked (e.g. the image was loaded): drop the stale blocker from the step.
    if (prior.reason && prior.phase === 'Running') {
      const { reason: _r, message: _m, ...rest } = prior;
      const message = `Job ${jobName} running (attempt ${attempt})`;
      await pass.status.write(restore, { steps: { ...restore.status?.steps, [step]: rest } }, [
        { type: stepConditionType(step), status: 'Unknown', reason: 'StepRunning', message },
      ]);
    }
    // A pending pod may be stuck in a way only Events show (a volume): the running step's own
    // poll (PROGRESS_POLL_MS, 15 s) looks again; returning here would skip the guard and progress.
    return undefined;
  }
  const verdict = decideBlocker(blocker, pass.now(), pass.options.podBlockedTimeoutMs);
  const stepStatus: StepStatus = { ...prior, reason: verdict.reason, message: verdict.message };
  if (verdict.action === 'fail') {
    await pass.jobs.delete(ns, jobName);
    return fail(pass, restore, {
      step,
      reason: verdict.reason,
      message: verdict.message,
      stepStatus: { ...stepStatus, phase: 'Failed', completionTime: isoNow(pass) },
    });
  }
  if (prior.message !== verdict.message) {
    await pass.status.write(
      restore,
      {
        steps: { ...restore.status?.steps, [step]: stepStatus },
        progressMessage: `${step}: ${verdict.message}`,
      },
      [
        {
          type: stepConditionType(step),
          status: 'Unknown',
          reason: verdict.reason,
          message: verdict.message,
        },
      ],
    );
    await pass.events.record(restore, 'Warning', verdict.reason, `${step}: ${verdict.message}`);
  }
  return { requeueAfterMs: verdict.recheckAfterMs };
}
