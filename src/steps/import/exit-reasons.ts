// Which exit code an import that ended Failed returns, by its reason: one typed table, so every
// reason is named once with its kind of ending (a new reason is a decision here, not a prefix that
// happens to match). A reason the table does not name is internal (1). Pure.
import { IMPORT_EXIT } from '../../contract/exit-codes.js';

const IMPORT_REASON_EXIT = {
  ImportCompletedWithErrors: IMPORT_EXIT.completedWithErrors,
  ImportStartFailed: IMPORT_EXIT.startFailed,
  DatabaseUnreachable: IMPORT_EXIT.database,
  DatabaseCredentialsMissing: IMPORT_EXIT.database,
  // Stopped or not seen to finish: run again to resume.
  ImportStoppedFatal: IMPORT_EXIT.stopped,
  ImportStopped: IMPORT_EXIT.stopped,
  ImportStopping: IMPORT_EXIT.stopped,
  ImportVanished: IMPORT_EXIT.stopped,
  ImportIncomplete: IMPORT_EXIT.stopped,
  ImportInterrupted: IMPORT_EXIT.stopped,
  // Bad input, nothing started: fix the config, the delivery or the staging volume first.
  ConfigMissing: IMPORT_EXIT.usage,
  ConfigInvalid: IMPORT_EXIT.usage,
  ConfigIncomplete: IMPORT_EXIT.usage,
  ParfileMissing: IMPORT_EXIT.usage,
  ParfileInvalid: IMPORT_EXIT.usage,
  ParfileMismatch: IMPORT_EXIT.usage,
  ParfileForbiddenParameter: IMPORT_EXIT.usage,
  ParfileUnsupportedParameter: IMPORT_EXIT.usage,
  ParfileSystemTarget: IMPORT_EXIT.usage,
  ParfileUnsafeValue: IMPORT_EXIT.usage,
  DumpFilesMissing: IMPORT_EXIT.usage,
  StagingUnsafe: IMPORT_EXIT.usage,
} as const satisfies Record<string, number>;

/** The reasons of a Failed import that have an exit code of their own. */
export type ImportFailureReason = keyof typeof IMPORT_REASON_EXIT;

export function isImportFailureReason(reason: string): reason is ImportFailureReason {
  return Object.hasOwn(IMPORT_REASON_EXIT, reason);
}

/** The exit code of an import that failed with `reason`. */
export function importExitCode(reason: string): number {
  return isImportFailureReason(reason) ? IMPORT_REASON_EXIT[reason] : IMPORT_EXIT.internal;
}
