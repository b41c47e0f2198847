// The reads behind `status` and `logs`: the AlmaRestore, the pods of a step's Job, the restore's
// Events. Failures become one sentence a user can act on (not found, forbidden, unreachable).
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type AlmaRestore } from '../api/types.js';
import { describeApiFailure } from '../controller/preflight.js';
import { EXIT, UserFacingError } from '../errors.js';

export interface Target {
  kc: k8s.KubeConfig;
  source: string;
  namespace: string;
  name: string;
}

function apiError(t: Target, err: unknown, what: string): UserFacingError {
  if ((err as { code?: unknown }).code === 404 && what.startsWith('reading'))
    return new UserFacingError(
      `no AlmaRestore ${JSON.stringify(t.name)} in namespace ${t.namespace}: kubectl get almarestores -n ${t.namespace} lists them (-A for all namespaces)`,
      'NotFound',
      EXIT.internal,
    );
  const server = t.kc.getCurrentCluster()?.server ?? '(no server)';
  return new UserFacingError(describeApiFailure(err, server, t.source, what), 'ApiError', EXIT.internal);
}

export async function readRestore(t: Target): Promise<AlmaRestore> {
  try {
    return (await t.kc.makeApiClient(k8s.CustomObjectsApi).getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: t.namespace,
      plural: PLURAL,
      name: t.name,
    })) as AlmaRestore;
  } catch (err) {
    throw apiError(t, err, `reading ${PLURAL}/${t.name} in namespace ${t.namespace}`);
  }
}

export async function listJobPods(t: Target, jobName: string): Promise<k8s.V1Pod[]> {
  try {
    const pods = await t.kc
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedPod({ namespace: t.namespace, labelSelector: `job-name=${jobName}` });
    return pods.items;
  } catch (err) {
    throw apiError(t, err, `listing pods in namespace ${t.namespace}`);
  }
}

export async function listRestoreEvents(t: Target): Promise<k8s.CoreV1Event[]> {
  try {
    const events = await t.kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({
      namespace: t.namespace,
      fieldSelector: `involvedObject.kind=AlmaRestore,involvedObject.name=${t.name}`,
    });
    return events.items;
  } catch (err) {
    throw apiError(t, err, `listing events in namespace ${t.namespace}`);
  }
}

/** The pod, or undefined once it is gone (deleted). */
export async function readPod(t: Target, name: string): Promise<k8s.V1Pod | undefined> {
  try {
    return await t.kc.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ namespace: t.namespace, name });
  } catch (err) {
    if ((err as { code?: unknown }).code === 404) return undefined;
    throw apiError(t, err, `reading pod ${name} in namespace ${t.namespace}`);
  }
}

/** The newest pod first. */
export function newestFirst(pods: k8s.V1Pod[]): k8s.V1Pod[] {
  return [...pods].sort(
    (a, b) =>
      new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
      new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
  );
}
