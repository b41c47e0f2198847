// `alma-restore status NAME` and `alma-restore logs NAME` (also `kubectl alma status|logs NAME`,
// see kubectl-alma.ts): read-only views of a restore for the person running it. They find the
// cluster as kubectl does (--kubeconfig, --context, -n, else the context's namespace).
import type { Command } from 'commander';
import { Option } from 'commander';
import YAML from 'yaml';
import { UserFacingError, EXIT } from '../errors.js';
import { contextNamespace, loadKubeConfig } from '../runtime/kubeconfig.js';
import { STEP_ORDER } from '../controller/phases.js';
import type { StepName } from '../contract/result.js';
import * as k8s from '@kubernetes/client-node';
import { formatStatus } from './format.js';
import { listJobPods, listRestoreEvents, newestFirst, readRestore, type Target } from './kube.js';
import { formattingStream, lineFormatter } from './log-lines.js';
import { buildStatusView, currentStepOf, type StatusView } from './view.js';

interface ClusterFlags {
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

function target(name: string, flags: ClusterFlags): Target {
  const { kc, source } = loadKubeConfig(flags);
  return { kc, source, name, namespace: flags.namespace ?? contextNamespace(kc) };
}

/** Everything the status view needs, read from the API server. */
export async function collectStatus(t: Target, now = new Date(), maxEvents = 10): Promise<StatusView> {
  const restore = await readRestore(t);
  const step = currentStepOf(restore);
  const jobName = step ? restore.status?.steps?.[step]?.jobName : undefined;
  const [pods, events] = await Promise.all([jobName ? listJobPods(t, jobName) : [], listRestoreEvents(t)]);
  return buildStatusView(restore, pods, events, now, maxEvents);
}

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
    .action(async (name: string, flags: ClusterFlags & { output: string; events: number }) => {
      const view = await collectStatus(target(name, flags), new Date(), flags.events);
      const text =
        flags.output === 'json'
          ? `${JSON.stringify(view, null, 2)}\n`
          : flags.output === 'yaml'
            ? YAML.stringify(view, { lineWidth: 0 })
            : formatStatus(view);
      process.stdout.write(text);
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The container state in which the API server can serve logs (started at least once). */
function hasStarted(pod: k8s.V1Pod, container: string): boolean {
  const cs = pod.status?.containerStatuses?.find((c) => c.name === container);
  return Boolean(cs?.state?.running || cs?.state?.terminated || cs?.lastState?.terminated);
}

export function registerLogsCommand(program: Command): void {
  addClusterFlags(
    program
      .command('logs')
      .argument('<name>', 'name of the AlmaRestore')
      .description(
        "print the logs of the restore's current step pod (or --step), as readable lines; follows a running pod",
      ),
  )
    .addOption(
      new Option('--step <step>', 'the step whose pod to show (default: the current one)').choices(
        STEP_ORDER,
      ),
    )
    .option('--no-follow', 'print what is there and exit, even while the pod runs')
    .option('--raw', 'the JSON lines as the pod wrote them')
    .option('--tail <n>', 'only the last n lines', positive('--tail'))
    .action(
      async (
        name: string,
        flags: ClusterFlags & { step?: StepName; follow: boolean; raw?: boolean; tail?: number },
      ) => {
        const t = target(name, flags);
        const restore = await readRestore(t);
        const step = flags.step ?? currentStepOf(restore);
        const jobName = step ? restore.status?.steps?.[step]?.jobName : undefined;
        if (!step || !jobName)
          throw new UserFacingError(
            `${t.namespace}/${name} has no ${flags.step ? `${flags.step} ` : ''}step pod yet (phase ${restore.status?.phase ?? 'Pending'}): alma-restore status ${name} -n ${t.namespace} says what it waits for`,
            'NoStepPod',
            EXIT.internal,
          );
        let pod = newestFirst(await listJobPods(t, jobName))[0];
        let said = '';
        // A step pod that is still being scheduled or pulled has no log yet: wait for it when following.
        while (!pod || !hasStarted(pod, step)) {
          const state = pod
            ? `pod ${pod.metadata?.name} is ${pod.status?.phase ?? 'Pending'}${pod.status?.containerStatuses?.[0]?.state?.waiting?.reason ? ` (${pod.status.containerStatuses[0].state.waiting.reason})` : ''}`
            : `Job ${jobName} has no pod yet`;
          if (!flags.follow)
            throw new UserFacingError(
              `${state}: no log yet; run without --no-follow to wait for it`,
              'NoLogYet',
              EXIT.internal,
            );
          if (state !== said) process.stderr.write(`alma-restore: ${state}; waiting for its log...\n`);
          said = state;
          await sleep(2000);
          pod = newestFirst(await listJobPods(t, jobName))[0];
        }
        const podName = pod.metadata!.name!;
        process.stderr.write(`alma-restore: ${step} pod ${podName} (Job ${jobName})\n`);
        const out = flags.raw
          ? undefined
          : formattingStream(lineFormatter({ colorize: process.stdout.isTTY }));
        const sink = out ?? process.stdout;
        if (out) out.pipe(process.stdout);
        const finished = new Promise<void>((resolve, reject) => {
          (out ?? sink).once('finish', () => resolve());
          (out ?? sink).once('error', reject);
        });
        await new k8s.Log(t.kc).log(t.namespace, podName, step, out ?? process.stdout, {
          follow: flags.follow,
          ...(flags.tail !== undefined ? { tailLines: flags.tail } : {}),
        });
        if (out) await finished;
      },
    );
}
