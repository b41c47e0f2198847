// Pure: a finished step Job (its conditions, its container's terminated state and result, the
// last live progress) -> what the restore records: the step's status, the phase to go to, the
// conditions, the Event and the extra status (verification, inventory, completion time). The
// controller never parses logs for this: the result is the container's termination message.
import type * as k8s from '@kubernetes/client-node';
import type { AlmaRestoreStatus, Phase, StepProgress, StepStatus } from '../api/types.js';
import { stepConditionType, type ConditionInput } from '../api/conditions.js';
import { decodeTerminationMessage, type StepName, type StepResult } from '../contract/result.js';
import { RETRY_ANNOTATION, jobCondition } from './context.js';
import { inventoryStatus } from './inventory-status.js';
import { phaseAfter } from './phases.js';

export interface FinishedStep {
  step: StepName;
  job: k8s.V1Job;
  attempt: number;
  /** What status held for the step before (its start time, its last progress). */
  prior?: StepStatus;
  terminated?: k8s.V1ContainerStateTerminated;
  live?: StepProgress;
  /** status.history, for the inventory's comparison with the previous restore. */
  history?: AlmaRestoreStatus['history'];
  now: string;
}

export type StepOutcome =
  | {
      kind: 'failed';
      reason: string;
      message: string;
      stepStatus: StepStatus;
      /** Status besides the step (a failed verify still tells which checks failed). */
      status: Partial<AlmaRestoreStatus>;
      seconds: number;
    }
  | {
      kind: 'done';
      result: StepResult;
      next: Phase;
      stepStatus: StepStatus;
      status: Partial<AlmaRestoreStatus>;
      conditions: ConditionInput[];
      event: { type: 'Normal' | 'Warning'; reason: string; message: string };
      seconds: number;
    };

/** Pure: the outcome of a step whose Job is Complete or Failed. */
export function stepOutcome(f: FinishedStep): StepOutcome {
  const { step, job, attempt, prior, terminated, now } = f;
  const jobName = job.metadata!.name!;
  const failed = jobCondition(job, 'Failed');
  const started = prior?.startTime ?? job.status?.startTime?.toString() ?? now;
  const lastProgress = f.live ?? prior?.progress;
  const decoded = decodeTerminationMessage(step, terminated?.message);
  const seconds = (new Date(now).getTime() - new Date(started).getTime()) / 1000;
  const base = { jobName, attempt, startTime: started, completionTime: now };

  if (failed || !decoded.ok || decoded.result.outcome === 'Failed') {
    const oom = !decoded.ok && terminated?.reason === 'OOMKilled';
    const deadline = failed?.reason === 'DeadlineExceeded';
    const reason = decoded.ok
      ? decoded.result.reason
      : oom
        ? 'OOMKilled'
        : deadline
          ? 'DeadlineExceeded'
          : 'ResultMissing';
    const message = decoded.ok
      ? decoded.result.message
      : oom
        ? `Job ${jobName}: container ${step} was killed by its memory limit (${job.spec?.template.spec?.containers[0]?.resources?.limits?.memory ?? 'unset'})`
        : deadline
          ? `Job ${jobName} ran longer than its deadline (${job.spec?.activeDeadlineSeconds}s): raise spec.steps.${step}DeadlineSeconds and set the ${RETRY_ANNOTATION} annotation`
          : `${decoded.error}${terminated?.message ? '' : failed?.message ? ` (Job: ${failed.message})` : ''}${terminated?.exitCode !== undefined ? ` (exit code ${terminated.exitCode})` : ''}`;
    return {
      kind: 'failed',
      reason,
      message,
      seconds,
      stepStatus: {
        phase: 'Failed',
        ...base,
        reason,
        message,
        ...(decoded.ok ? { summary: decoded.result.summary } : {}),
        ...(lastProgress ? { progress: lastProgress } : {}),
      },
      status: decoded.ok ? verificationOf(step, decoded.result, f.history) : {},
    };
  }

  const result = decoded.result;
  const next = phaseAfter(step);
  const status: Partial<AlmaRestoreStatus> = { ...verificationOf(step, result, f.history) };
  if (next === 'Succeeded') status.completionTime = now;
  return {
    kind: 'done',
    result,
    next,
    seconds,
    stepStatus: {
      phase: result.outcome,
      ...base,
      reason: result.reason,
      message: result.message,
      summary: result.summary,
      ...(lastProgress ? { progress: lastProgress } : {}),
    },
    status,
    conditions: [
      { type: stepConditionType(step), status: 'True', reason: result.reason, message: result.message },
      ...(result.outcome === 'SucceededWithWarnings'
        ? [
            {
              type: 'Degraded',
              status: 'True' as const,
              reason: 'SucceededWithWarnings',
              message: `${step}: ${result.message}`,
            },
          ]
        : []),
    ],
    event: {
      type: result.outcome === 'Succeeded' ? 'Normal' : 'Warning',
      reason: `Step${result.outcome}`,
      message: `${step}: ${result.message}`,
    },
  };
}

/** status.verification and status.inventory from the verify step's result, when it carries them. */
function verificationOf(
  step: StepName,
  result: StepResult,
  history: AlmaRestoreStatus['history'],
): Partial<AlmaRestoreStatus> {
  if (step !== 'verify') return {};
  const inventory = inventoryStatus(result.summary.inventory, history);
  return {
    ...(Array.isArray(result.summary.verification)
      ? { verification: result.summary.verification as AlmaRestoreStatus['verification'] }
      : {}),
    ...(inventory ? { inventory } : {}),
  };
}
