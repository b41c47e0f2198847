// Errors that a user can act on. `reason` becomes a condition reason / result reason, `exitCode`
// the process exit code of a CLI command. Messages say what was wrong and what to do.

export const EXIT = {
  ok: 0,
  /** A bug or an error nobody classified. */
  internal: 1,
  /** Bad command line or manifest. */
  usage: 2,
} as const;

export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
