#!/usr/bin/env node
// `kubectl alma ...`: the kubectl plugin (kubectl runs an executable named kubectl-alma found on
// PATH, passing the rest of the command line). The read-only commands a person uses beside
// kubectl: status and logs; `plan` for manifests. The package's bin installs it beside
// `alma-restore`. It always runs: a plugin is never imported.
import { Command } from 'commander';
import { registerPlanCommand } from './plan/command.js';
import { main, packageVersion } from './cli.js';
import { registerLogsCommand, registerStatusCommand } from './status/command.js';

export function buildPluginProgram(): Command {
  const program = new Command('kubectl alma')
    .description('AlmaRestore restores at a glance (the kubectl plugin of alma-restore-operator).')
    .version(packageVersion(), '-V, --version', 'print the version of the plugin')
    .exitOverride()
    .showHelpAfterError();
  registerStatusCommand(program);
  registerLogsCommand(program);
  registerPlanCommand(program);
  return program;
}

process.exitCode = await main(process.argv.slice(2), buildPluginProgram(), 'kubectl alma');
