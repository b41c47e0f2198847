// The step commands' exit codes: a contract with the controller (which maps them to conditions)
// and with people running a step by hand. Documented in docs/fetch.md and docs/import.md; never
// renumber. The termination-message JSON carries the detail; the code only says which kind of
// ending it was.
import { EXIT } from '../errors.js';

/** prepare and verify: 0 for Succeeded(WithWarnings), 1 for a Failed result, or the thrown error's code. */
export const STEP_EXIT = {
  ok: EXIT.ok,
  /** The step ran and its result is Failed (the result says why); also a bug. */
  failed: EXIT.internal,
  internal: EXIT.internal,
  usage: EXIT.usage,
} as const;

/** The fetch step's exit codes. */
export const FETCH_EXIT = {
  ok: EXIT.ok,
  internal: EXIT.internal,
  /** Bad flags or configuration. */
  usage: EXIT.usage,
  /** The delivery is not (completely) there yet: nothing found, or still growing, when the wait ended. */
  notReady: 10,
  /** The delivery is there but wrong: a missing part, corrupt gzip, unsafe tar, parfile mismatch. */
  badDelivery: 11,
  /** The SFTP server could not be reached, or the connection kept failing after retries. */
  transport: 12,
  /** The staging volume has not enough free space. */
  noSpace: 13,
  /** The server's host key is not the pinned one. */
  hostKey: 14,
  /** The server refused the credentials. */
  auth: 15,
  /** A link or a non-directory planted on the staging volume where the fetch writes. */
  unsafeStaging: 16,
} as const;

/** The import step's exit codes. */
export const IMPORT_EXIT = {
  /** Succeeded or SucceededWithWarnings (only errors known to be harmless). */
  ok: EXIT.ok,
  internal: EXIT.internal,
  /** Bad flags, configuration or parfile; dump files missing. Nothing was started. */
  usage: EXIT.usage,
  /** The job completed but logged unexpected errors. Running again does not help: read the report. */
  completedWithErrors: 20,
  /** The job stopped (fatal error, stopped by a user) or was not seen to finish. Run again to resume it. */
  stopped: 21,
  /** Data Pump refused to define or start the job (dump files, directory object, privileges). */
  startFailed: 22,
  /** The database could not be reached, or the admin credentials were refused. */
  database: 23,
} as const;
