// Why a pod of a restore is not running, as a pure function of what the kubelet and the scheduler
// wrote: pod status (+ the pod's Warning Events, for what the kubelet reports only there, such as
// a volume it cannot mount) -> a blocker, or undefined. The controller shows a blocker at once
// (step message, condition, Event) and fails the step when it outlasts a grace period, instead of
// waiting out activeDeadlineSeconds. The decision (report / fail / wait) is pure too.
import type * as k8s from '@kubernetes/client-node';

/** Waiting reasons the kubelet gives for a container that cannot start without someone's help. */
export const BLOCKING_WAITING_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'RegistryUnavailable',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
]);

/** Warning Event reasons the kubelet records for a pod stuck before its containers exist. */
export const BLOCKING_EVENT_REASONS = new Set([
  'FailedMount',
  'FailedAttachVolume',
  'FailedCreatePodSandBox',
]);

export interface PodBlocker {
  pod: string;
  /** The kubelet's (or scheduler's) own reason: ImagePullBackOff, Unschedulable, OOMKilled, ... */
  reason: string;
  /** What the kubelet said, prefixed with the container when there is one. */
  message: string;
  /** Since when the pod has been stuck this way (best known). */
  since: Date;
  /** The pod cannot recover on its own (a Never-restart container killed): fail at once. */
  terminal: boolean;
}

const time = (t: Date | string | undefined): number | undefined =>
  t === undefined ? undefined : new Date(t).getTime();

function statuses(pod: k8s.V1Pod): k8s.V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

/** When the pod became able to start containers: scheduled (or created, if that is all we know). */
function startedWaiting(pod: k8s.V1Pod): number {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True');
  return (
    time(scheduled?.lastTransitionTime) ??
    time(pod.status?.startTime) ??
    time(pod.metadata?.creationTimestamp) ??
    0
  );
}

/**
 * The pod's blocker, or undefined when it is running, finished normally, or still starting.
 * `events` are the pod's Events (any order); only Warnings count.
 */
export function podBlocker(pod: k8s.V1Pod, events: k8s.CoreV1Event[] = []): PodBlocker | undefined {
  const name = pod.metadata?.name ?? '?';
  if (pod.metadata?.deletionTimestamp) return undefined;

  const unscheduled = pod.status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );
  if (unscheduled) {
    return {
      pod: name,
      reason: 'Unschedulable',
      message: unscheduled.message ?? 'no node can run the pod',
      since: new Date(time(unscheduled.lastTransitionTime) ?? time(pod.metadata?.creationTimestamp) ?? 0),
      terminal: false,
    };
  }

  const neverRestarts = (pod.spec?.restartPolicy ?? 'Always') === 'Never';
  for (const s of statuses(pod)) {
    const killed = s.state?.terminated?.reason === 'OOMKilled' ? s.state.terminated : undefined;
    if (killed) {
      return {
        pod: name,
        reason: 'OOMKilled',
        message: `container ${s.name} was killed by its memory limit (exit code ${killed.exitCode})`,
        since: new Date(time(killed.finishedAt) ?? startedWaiting(pod)),
        terminal: neverRestarts,
      };
    }
  }
  for (const s of statuses(pod)) {
    const waiting = s.state?.waiting;
    if (!waiting?.reason || !BLOCKING_WAITING_REASONS.has(waiting.reason)) continue;
    // A container that restarts after OOMKilled waits in CrashLoopBackOff: name the real cause.
    const lastKill = s.lastState?.terminated?.reason === 'OOMKilled' ? s.lastState.terminated : undefined;
    return {
      pod: name,
      reason: lastKill ? 'OOMKilled' : waiting.reason,
      message: lastKill
        ? `container ${s.name} was killed by its memory limit and is restarting (${waiting.reason})`
        : `container ${s.name}: ${waiting.message ?? waiting.reason}`,
      since: new Date(startedWaiting(pod)),
      terminal: false,
    };
  }

  // Before any container exists the kubelet reports volume and sandbox trouble only as Events.
  if ((pod.status?.phase ?? 'Pending') !== 'Pending') return undefined;
  if (statuses(pod).some((s) => s.state?.running || s.state?.terminated)) return undefined;
  const warnings = events
    .filter((e) => e.type === 'Warning' && e.reason && BLOCKING_EVENT_REASONS.has(e.reason))
    .sort((a, b) => (eventTime(a, 'last') ?? 0) - (eventTime(b, 'last') ?? 0));
  const latest = warnings.at(-1);
  if (!latest) return undefined;
  const first = Math.min(...warnings.map((e) => eventTime(e, 'first') ?? Date.now()));
  return {
    pod: name,
    reason: latest.reason!,
    message: latest.message ?? latest.reason!,
    since: new Date(Math.max(first, startedWaiting(pod))),
    terminal: false,
  };
}

function eventTime(e: k8s.CoreV1Event, which: 'first' | 'last'): number | undefined {
  const t = which === 'first' ? (e.firstTimestamp ?? e.eventTime) : (e.lastTimestamp ?? e.eventTime);
  return time(t as Date | string | undefined);
}

/** The newest live pod among `pods` (a Job's retries, a StatefulSet's replacements). */
export function newestPod(pods: k8s.V1Pod[]): k8s.V1Pod | undefined {
  return pods
    .filter((p) => !p.metadata?.deletionTimestamp)
    .sort((a, b) => (time(a.metadata?.creationTimestamp) ?? 0) - (time(b.metadata?.creationTimestamp) ?? 0))
    .at(-1);
}

export type BlockerVerdict =
  | { action: 'fail'; reason: string; message: string }
  | { action: 'report'; reason: string; message: string; recheckAfterMs: number };

/** One line for status and Events: which pod, the kubelet's reason, what it said. */
export function describeBlocker(b: PodBlocker): string {
  return `pod ${b.pod}: ${b.reason}: ${b.message}`;
}

/** Report the blocker now; fail once it has lasted `graceMs` (or at once when terminal). */
export function decideBlocker(b: PodBlocker, now: Date, graceMs: number): BlockerVerdict {
  const lasted = now.getTime() - b.since.getTime();
  if (b.terminal || lasted >= graceMs) {
    const forHow = b.terminal
      ? ''
      : ` (blocked for ${Math.round(lasted / 1000)}s, limit ${Math.round(graceMs / 1000)}s)`;
    return { action: 'fail', reason: b.reason, message: `${describeBlocker(b)}${forHow}` };
  }
  return {
    action: 'report',
    reason: b.reason,
    message: describeBlocker(b),
    recheckAfterMs: Math.max(1000, Math.min(graceMs - lasted + 500, 60_000)),
  };
}
