// The contract between a step Job and the controller: each step runner ends by writing one
// small JSON document as the container's termination message (read by the controller from the
// pod status) and a full report file on the staging volume (read by people).
// The codec is pure; a step writes the document with publishStepResult (steps/publish.ts).
import { UserFacingError, errorMessage } from '../errors.js';

export const STEP_NAMES = ['fetch', 'prepare', 'import', 'verify'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type StepOutcome = 'Succeeded' | 'SucceededWithWarnings' | 'Failed';
/** `Planned`: a dry run (import --dry-run) that ran nothing; never handed to the controller. */
export type ResultOutcome = StepOutcome | 'Planned';

/** What the controller reads. Kept under 4 KiB (the kubelet's termination-message limit). */
export interface StepResult {
  /** Schema version of this document. */
  version: 1;
  step: StepName;
  outcome: ResultOutcome;
  /** CamelCase machine reason, e.g. "DeliveryIncomplete", "ImportCompletedWithErrors". */
  reason: string;
  /** One human sentence a user can act on. */
  message: string;
  /** Step-specific figures that belong in the AlmaRestore status (small). */
  summary: Record<string, unknown>;
  /** Where the full report was written, if it was. */
  reportPath?: string;
}

export const TERMINATION_MESSAGE_LIMIT = 4096;
export const DEFAULT_TERMINATION_LOG = '/dev/termination-log';

/** Serialises a result for the termination message, shrinking `summary` if it would not fit. */
export function encodeTerminationMessage(result: StepResult): string {
  let text = JSON.stringify(result);
  if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_LIMIT) return text;
  text = JSON.stringify({ ...result, summary: { truncated: true } });
  if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_LIMIT) return text;
  return JSON.stringify({ ...result, summary: { truncated: true }, message: result.message.slice(0, 1000) });
}

export type DecodeResult =
  { ok: true; result: StepResult & { outcome: StepOutcome } } | { ok: false; error: string };

/** Parses and checks a termination message; never throws. */
export function decodeTerminationMessage(step: StepName, text: string | undefined): DecodeResult {
  if (!text || text.trim() === '') return { ok: false, error: `the ${step} step ended without a result` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      error: `the ${step} step's result is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
    };
  }
  const r = value as Partial<StepResult>;
  if (typeof r !== 'object' || r === null)
    return { ok: false, error: `the ${step} step's result is not an object` };
  if (r.step !== step)
    return { ok: false, error: `the ${step} step's result names step ${JSON.stringify(r.step)}` };
  if (r.outcome !== 'Succeeded' && r.outcome !== 'SucceededWithWarnings' && r.outcome !== 'Failed')
    return {
      ok: false,
      error: `the ${step} step's result has an unknown outcome ${JSON.stringify(r.outcome)}`,
    };
  if (typeof r.reason !== 'string' || typeof r.message !== 'string')
    return { ok: false, error: `the ${step} step's result lacks a reason or message` };
  const summary = typeof r.summary === 'object' && r.summary !== null ? r.summary : {};
  return {
    ok: true,
    result: {
      version: 1,
      step,
      outcome: r.outcome,
      reason: r.reason,
      message: r.message,
      summary,
      ...(r.reportPath ? { reportPath: r.reportPath } : {}),
    },
  };
}

/**
 * The result of a step that ended with an exception, so that the controller still reads a result:
 * a UserFacingError keeps its reason and message, anything else is an InternalError.
 */
export function failedStepResult(
  step: StepName,
  err: unknown,
  summary: Record<string, unknown> = {},
): StepResult {
  const known = err instanceof UserFacingError;
  return {
    version: 1,
    step,
    outcome: 'Failed',
    reason: known ? err.reason : 'InternalError',
    message: known ? err.message : `unexpected error: ${errorMessage(err)}`,
    summary,
  };
}
