// How a step's live progress record (src/contract/progress-record.ts) shows in status: the record in
// status.steps.<step>.progress, the overall percent and the progress message. Pure.
import { isDeepStrictEqual } from 'node:util';
import type { AlmaRestoreStatus, Phase, StepProgress } from '../api/types.js';
import type { StepName } from '../contract/result.js';
import { overallProgress } from './phases.js';

/** How often a running step's progress is read (one log tail through the API server). */
export const PROGRESS_POLL_MS = 15_000;

/** The status changes for a new record; undefined when status already shows it. */
export function liveProgressChanges(
  status: AlmaRestoreStatus,
  phase: Phase,
  step: StepName,
  record: StepProgress | undefined,
): Partial<AlmaRestoreStatus> | undefined {
  const current = status.steps?.[step];
  // The whole record, not its time: times have whole seconds, and two records in one second
  // (waiting, then transferring) are two different things to show.
  if (!record || !current || isDeepStrictEqual(current.progress, record)) return undefined;
  const changes: Partial<AlmaRestoreStatus> = {
    steps: { ...status.steps, [step]: { ...current, progress: record } },
    progressMessage: `${phase}: ${record.message}`,
  };
  if (record.fraction !== undefined) {
    // Never backwards within a step: a resumed import may re-report a lower figure at first.
    changes.progress = Math.max(status.progress ?? 0, overallProgress(phase, record.fraction));
  }
  return changes;
}
