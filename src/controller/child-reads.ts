// Reads about the restore's children that provisioning and the step outcome need: whether a
// claim binds only once a pod uses it, the latest Warning Event of a stuck child, and a step
// container's terminated state (its result, never parsed from logs).
import * as k8s from '@kubernetes/client-node';
import type { StepName } from '../contract/result.js';
import type { Cache } from './caches.js';

export function bindsOnFirstConsumer(
  storageClasses: Cache<k8s.V1StorageClass>,
  claim: k8s.V1PersistentVolumeClaim,
): boolean {
  const className = claim.spec?.storageClassName;
  if (!className) return false;
  const sc = storageClasses.get(className);
  // Such a claim binds only once the database pod uses it: the database readiness wait covers it.
  return sc?.volumeBindingMode === 'WaitForFirstConsumer';
}

export async function latestWarning(
  core: k8s.CoreV1Api,
  namespace: string,
  kind: string,
  name: string,
): Promise<string | undefined> {
  const events = await core
    .listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    })
    .catch(() => undefined);
  const warnings = (events?.items ?? []).filter((e) => e.type === 'Warning');
  const last = warnings
    .sort((a, b) => new Date(a.lastTimestamp ?? 0).getTime() - new Date(b.lastTimestamp ?? 0).getTime())
    .pop();
  return last ? `${last.reason}: ${last.message}` : undefined;
}

/**
 * The step container's terminated state, from the Job's newest pod (never from logs): from the
 * cached pods, or, when the cache has not yet seen it (the Job's condition can arrive first),
 * from the API server.
 */
export async function terminatedState(
  core: k8s.CoreV1Api,
  namespace: string,
  jobName: string,
  container: StepName,
  cachedPods: k8s.V1Pod[] = [],
): Promise<k8s.V1ContainerStateTerminated | undefined> {
  return (
    terminatedIn(cachedPods, container) ??
    terminatedIn(
      (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` })).items,
      container,
    )
  );
}

function terminatedIn(pods: k8s.V1Pod[], container: StepName): k8s.V1ContainerStateTerminated | undefined {
  const newest = [...pods].sort(
    (a, b) =>
      new Date(a.metadata?.creationTimestamp ?? 0).getTime() -
      new Date(b.metadata?.creationTimestamp ?? 0).getTime(),
  );
  for (const pod of newest.reverse()) {
    const state = pod.status?.containerStatuses?.find((s) => s.name === container)?.state?.terminated;
    if (state) return state;
  }
  return undefined;
}
