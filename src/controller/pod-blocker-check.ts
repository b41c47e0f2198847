// The I/O half of pod-blockers.ts: given the pods behind a step Job or the managed database (from
// the watched cache), reads the Events of a pod still before its containers (the only request
// here) and returns the newest pod's blocker, and whether a pod exists and is still Pending (the
// caller looks again then: Events wake no informer; a pod's own changes do).
import type * as k8s from '@kubernetes/client-node';
import { newestPod, podBlocker, type PodBlocker } from './pod-blockers.js';

export async function findPodBlocker(
  core: k8s.CoreV1Api,
  namespace: string,
  pods: k8s.V1Pod[],
): Promise<{ pending: boolean; blocker?: PodBlocker }> {
  const pod = newestPod(pods);
  if (!pod) return { pending: false };
  const pending = (pod.status?.phase ?? 'Pending') === 'Pending';
  const fromStatus = podBlocker(pod);
  if (fromStatus || !pending) return { pending, blocker: fromStatus };
  const events = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.metadata!.name!},involvedObject.uid=${pod.metadata!.uid!}`,
  });
  return { pending, blocker: podBlocker(pod, events.items) };
}
