// What `alma-restore status` and `alma-restore logs` do (their flags are in command.ts, which
// imports this module when one of them runs): read the restore, its step pod and Events, and
// print the view; or stream the step pod's log as readable lines.
import YAML from 'yaml';
import { UserFacingError, EXIT } from '../errors.js';
import { contextNamespace, loadKubeConfig } from '../runtime/kubeconfig.js';
import type * as k8s from '@kubernetes/client-node';
import type { ClusterFlags, LogsFlags, StatusFlags } from './command.js';
import { formatStatus } from './format.js';
import { listJobPods, listRestoreEvents, newestFirst, readPod, readRestore, type Target } from './kube.js';
import { logEnd, streamPodLog, type LogEnd } from './log-stream.js';
import { formattingStream, lineFormatter } from './log-lines.js';
import { buildStatusView, currentStepOf, type StatusView } from './view.js';

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

export async function showStatus(name: string, flags: StatusFlags): Promise<void> {
  const view = await collectStatus(target(name, flags), new Date(), flags.events);
  const text =
    flags.output === 'json'
      ? `${JSON.stringify(view, null, 2)}\n`
      : flags.output === 'yaml'
        ? YAML.stringify(view, { lineWidth: 0 })
        : formatStatus(view);
  process.stdout.write(text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The container state in which the API server can serve logs (started at least once). */
function hasStarted(pod: k8s.V1Pod, container: string): boolean {
  const cs = pod.status?.containerStatuses?.find((c) => c.name === container);
  return Boolean(cs?.state?.running || cs?.state?.terminated || cs?.lastState?.terminated);
}

/**
 * How a followed log ended. The kubelet closes the stream when the container exits and writes
 * the pod's status just after, so a pod still shown running is read again for a few seconds.
 */
async function howItEnded(t: Target, podName: string, container: string): Promise<LogEnd> {
  for (let i = 0; ; i++) {
    const end = logEnd(await readPod(t, podName), container);
    if (end.kind !== 'closed' || i >= 20) return end;
    await sleep(500);
  }
}

export async function showLogs(me: string, name: string, flags: LogsFlags): Promise<void> {
  const t = target(name, flags);
  const restore = await readRestore(t);
  const step = flags.step ?? currentStepOf(restore);
  const jobName = step ? restore.status?.steps?.[step]?.jobName : undefined;
  if (!step || !jobName)
    throw new UserFacingError(
      `${t.namespace}/${name} has no ${flags.step ? `${flags.step} ` : ''}step pod yet (phase ${restore.status?.phase ?? 'Pending'}): ${me} status ${name} -n ${t.namespace} says what it waits for`,
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
    if (state !== said) process.stderr.write(`${me}: ${state}; waiting for its log...\n`);
    said = state;
    await sleep(2000);
    pod = newestFirst(await listJobPods(t, jobName))[0];
  }
  const podName = pod.metadata!.name!;
  process.stderr.write(
    flags.follow
      ? `${me}: following the ${step} pod ${podName} (Job ${jobName}) until its container ends; Ctrl-C stops\n`
      : `${me}: the log of the ${step} pod ${podName} (Job ${jobName}) so far\n`,
  );
  await streamPodLog(t, podName, step, process.stdout, {
    follow: flags.follow,
    ...(flags.tail !== undefined ? { tailLines: flags.tail } : {}),
    ...(flags.raw ? {} : { transform: formattingStream(lineFormatter({ colorize: process.stdout.isTTY })) }),
  });
  if (!flags.follow) return;
  const end = await howItEnded(t, podName, step);
  const next = `${me} status ${name} -n ${t.namespace} shows what the restore does next`;
  if (end.kind === 'ended')
    process.stderr.write(
      `${me}: the ${step} container of pod ${podName} ended: exit code ${end.exitCode} (${end.reason}); ${next}\n`,
    );
  else if (end.kind === 'gone')
    process.stderr.write(`${me}: pod ${podName} was deleted, its log ends here; ${next}\n`);
  else
    throw new UserFacingError(
      `the API server closed the log stream of pod ${podName} while its ${step} container still runs; run the command again to keep following`,
      'LogStreamClosed',
      EXIT.internal,
    );
}
