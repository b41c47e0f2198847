// The import step's exit codes: a contract with the controller and with people running the step
// by hand. Documented in docs/import.md; never renumber. The termination-message JSON carries
// the detail; the code only says which kind of ending it was.
import { EXIT } from '../../errors.js';

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
