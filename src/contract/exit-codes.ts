// The fetch step's exit codes: a contract with the controller (which maps them to conditions)
// and with people running the step by hand. Documented in docs/fetch.md; never renumber.
import { EXIT } from '../../errors.js';

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
