#!/usr/bin/env node
// The one entry point: `alma-restore <command>`. The controller runs the reconciler; the step
// runners (fetch, prepare, import, verify) are what the controller's Jobs execute; `plan` is
// offline. Each command lives in its own module and registers itself here.
import { Command, CommanderError } from 'commander';
import { EXIT, UserFacingError, errorMessage } from './errors.js';
import { registerFetchCommand } from './steps/fetch/command.js';
import { registerPrepareCommand } from './steps/prepare/command.js';
import { registerImportCommand } from './steps/import/command.js';
import { registerVerifyCommand } from './steps/verify/command.js';
import { registerControllerCommand } from './controller/command.js';
import { registerPlanCommand } from './api/plan-command.js';

export function buildProgram(): Command {
  const program = new Command('alma-restore')
    .description('Restore an Alma Local Backup (Oracle Data Pump over SFTP) into Oracle 19c, on Kubernetes.')
    .exitOverride()
    .showHelpAfterError();
  registerControllerCommand(program);
  registerPlanCommand(program);
  registerFetchCommand(program);
  registerPrepareCommand(program);
  registerImportCommand(program);
  registerVerifyCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UserFacingError) {
      process.stderr.write(`alma-restore: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`alma-restore: unexpected error: ${errorMessage(err)}\n`);
    return EXIT.internal;
  }
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

/**
 * Ends the process once a command has returned: its result and report are written, its logs
 * flushed. Whatever is still in flight (a reader that lost its race, a socket, a timer a library
 * forgot) must not keep a step Job's pod running until activeDeadlineSeconds.
 */
export async function exitAfter(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

// Run when executed directly (node dist/cli.js, tsx src/cli.ts), not when imported by tests.
const invokedPath = process.argv[1] ?? '';
if (/cli\.(ts|js)$/.test(invokedPath)) {
  void main(process.argv.slice(2)).then(exitAfter);
}
