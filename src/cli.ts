#!/usr/bin/env node
// The one entry point: `alma-restore <command>`. The controller runs the reconciler; the step
// runners (fetch, prepare, import, verify) are what the controller's Jobs execute; `plan` is
// offline. Each command lives in its own module and registers itself here.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EXIT, UserFacingError, errorMessage } from './errors.js';
import { registerFetchCommand } from './steps/fetch/command.js';
import { registerPrepareCommand } from './steps/prepare/command.js';
import { registerImportCommand } from './steps/import/command.js';
import { registerVerifyCommand } from './steps/verify/command.js';
import { registerControllerCommand } from './controller/command.js';
import { registerPlanCommand } from './plan/command.js';
import { registerLogsCommand, registerStatusCommand } from './status/command.js';

/** The version in package.json, which ships beside dist/ in the npm package and the image. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('alma-restore')
    .description('Restore an Alma Local Backup (Oracle Data Pump over SFTP) into Oracle 19c, on Kubernetes.')
    .version(packageVersion(), '-V, --version', 'print the version of alma-restore')
    .exitOverride()
    .showHelpAfterError();
  registerControllerCommand(program);
  registerPlanCommand(program);
  registerStatusCommand(program);
  registerLogsCommand(program);
  registerFetchCommand(program);
  registerPrepareCommand(program);
  registerImportCommand(program);
  registerVerifyCommand(program);
  return program;
}

/** Runs a program; returns the exit code. The one error policy for `alma-restore` and `kubectl alma`. */
export async function main(
  argv: string[],
  program: Command = buildProgram(),
  prefix = 'alma-restore',
): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UserFacingError) {
      process.stderr.write(`${prefix}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`${prefix}: unexpected error: ${errorMessage(err)}\n`);
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

/**
 * True when this file is the program being run, however it was started: `node dist/cli.js`,
 * `tsx src/cli.ts`, or a bin link (`alma-restore`, `npx alma-restore`), whose argv[1] is the
 * link's name: its realpath is this file. False when a test imports the module.
 */
export function isMainModule(argv1: string | undefined, moduleUrl: string): boolean {
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

if (isMainModule(process.argv[1], import.meta.url)) {
  void main(process.argv.slice(2)).then(exitAfter);
}
