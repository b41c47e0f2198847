// Standard conditions of an AlmaRestore and pure helpers to set them. Types:
//   Ready        True once the restore Succeeded (the database holds the data and passed verify).
//   Progressing  True while the controller moves the restore on (Planning .. Verifying); False when
//                it waits on nothing (Succeeded, Failed, Suspended, Cancelled) or is Queued.
//   Degraded     True when something needs attention without stopping the restore (a step
//                SucceededWithWarnings, a tablespace above alertRatio, a retried step).
//   Failed       True when the restore stopped on an error; reason/message name the step and cause.
// And one per stage, each with its own reason: Planned, Provisioned (staging volume bound and, in
// managed mode, the database ready), FetchSucceeded, PrepareSucceeded, ImportSucceeded,
// VerifySucceeded (True on success, False with the failure's reason, Unknown while running).
import type { StepName } from '../contract/result.js';
import type { Condition } from './types.js';

export const CONDITION = {
  Ready: 'Ready',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  Failed: 'Failed',
  Planned: 'Planned',
  Provisioned: 'Provisioned',
  FetchSucceeded: 'FetchSucceeded',
  PrepareSucceeded: 'PrepareSucceeded',
  ImportSucceeded: 'ImportSucceeded',
  VerifySucceeded: 'VerifySucceeded',
} as const;
export type ConditionType = (typeof CONDITION)[keyof typeof CONDITION];

const STEP_CONDITIONS: Record<StepName, ConditionType> = {
  fetch: CONDITION.FetchSucceeded,
  prepare: CONDITION.PrepareSucceeded,
  import: CONDITION.ImportSucceeded,
  verify: CONDITION.VerifySucceeded,
};

export const stepConditionType = (step: StepName): ConditionType => STEP_CONDITIONS[step];

/** Reasons the controller uses besides the step results' own (CamelCase, stable: alerts and docs use them). */
export const REASON = {
  Pending: 'Pending',
  Queued: 'Queued',
  Planning: 'Planning',
  Provisioning: 'Provisioning',
  WaitingForDatabase: 'WaitingForDatabase',
  StepRunning: 'StepRunning',
  Succeeded: 'Succeeded',
  SucceededWithWarnings: 'SucceededWithWarnings',
  StepFailed: 'StepFailed',
  ResultMissing: 'ResultMissing',
  ResultMalformed: 'ResultMalformed',
  DeadlineExceeded: 'DeadlineExceeded',
  StorageUnavailable: 'StorageUnavailable',
  InvalidSpec: 'InvalidSpec',
  SecretInvalid: 'SecretInvalid',
  Suspended: 'Suspended',
  Cancelled: 'Cancelled',
} as const;

export interface ConditionInput {
  type: ConditionType | string;
  status: Condition['status'];
  reason: string;
  message: string;
  observedGeneration?: number;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Returns a new list with `input` set: lastTransitionTime moves only when the status changes
 * (a new reason or message alone keeps it), as the Kubernetes API conventions ask. The order of
 * the other conditions is kept; a new type is appended.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now: Date | string,
): Condition[] {
  const list = conditions ? [...conditions] : [];
  const at = typeof now === 'string' ? now : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const index = list.findIndex((c) => c.type === input.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : at,
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
