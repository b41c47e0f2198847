// The I/O half of pod-blockers.ts: reads the pods behind a step Job or the managed database (and,
// for a pod still before its containers, its Events) and returns the newest pod's blocker, and
// whether that pod is still Pending (the caller looks again sooner: Events wake no informer).
import type * as k8s from '@kubernetes/client-node';
import { newestPod, podBlocker, type PodBlocker } from './pod-blockers.js';

export async function findPodBlocker(
  core: k8s.CoreV1Api,
  namespace: string,
  labelSelector: string,
): Promise<{ pending: boolean; blocker?: PodBlocker }> {
  const pod = newestPod((await core.listNamespacedPod({ namespace, labelSelector })).items);
  if (!pod) return { pending: true };
  const pending = (pod.status?.phase ?? 'Pending') === 'Pending';
  const fromStatus = podBlocker(pod);
  if (fromStatus || !pending) return { pending, blocker: fromStatus };
  const events = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.metadata!.name!},involvedObject.uid=${pod.metadata!.uid!}`,
  });
  return { pending, blocker: podBlocker(pod, events.items) };
}
