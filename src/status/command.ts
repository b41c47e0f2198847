// `alma-restore status NAME` and `alma-restore logs NAME` (also `kubectl alma status|logs NAME`,
// see kubectl-alma.ts): read-only views of a restore for the person running it. They find the
// cluster as kubectl does (--kubeconfig, --context, -n, else the context's namespace). This module
// only declares the flags; what the commands do is in actions.ts, imported when one runs (it loads
// @kubernetes/client-node, about a second of CPU that the other commands need not pay).
import type { Command } from 'commander';
import { Option } from 'commander';
import { UserFacingError, EXIT } from '../errors.js';
import { STEP_ORDER } from '../controller/phases.js';
import type { StepName } from '../contract/result.js';

export interface ClusterFlags {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

function addClusterFlags(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <namespace>', "namespace of the AlmaRestore (default: the kubeconfig context's)")
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: its current context)');
}

export type StatusFlags = ClusterFlags & { output: string; events: number };
export type LogsFlags = ClusterFlags & { step?: StepName; follow: boolean; raw?: boolean; tail?: number };

function positive(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new UserFacingError(
        `${flag} must be a whole number, got ${JSON.stringify(v)}`,
        'BadFlag',
        EXIT.usage,
      );
    return n;
  };
}

export function registerStatusCommand(program: Command): void {
  addClusterFlags(
    program
      .command('status')
      .argument('<name>', 'name of the AlmaRestore')
      .description(
        'show a restore: phase, current step and its pod, progress and ETA, plan, tablespaces, verification, last events, and the commands for logs and retry',
      ),
  )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'),
    )
    .addOption(
      new Option('--events <n>', 'how many of the last events to show')
        .argParser(positive('--events'))
        .default(10),
    )
    .action(async (name: string, flags: StatusFlags) =>
      (await import('./actions.js')).showStatus(name, flags),
    );
}

export function registerLogsCommand(program: Command): void {
  const me = program.name();
  addClusterFlags(
    program
      .command('logs')
      .argument('<name>', 'name of the AlmaRestore')
      .description(
        "print the logs of the restore's current step pod (or --step), as readable lines; follows a running pod until its container ends",
      ),
  )
    .addOption(
      new Option('--step <step>', 'the step whose pod to show (default: the current one)').choices(
        STEP_ORDER,
      ),
    )
    .option('-f, --follow', 'keep printing new lines until the container ends (the default)', true)
    .option('--no-follow', 'print what is there and exit, even while the pod runs')
    .option('--raw', 'the JSON lines as the pod wrote them')
    .option('--tail <n>', 'only the last n lines', positive('--tail'))
    .action(async (name: string, flags: LogsFlags) =>
      (await import('./actions.js')).showLogs(me, name, flags),
    );
}
