// The controller's watched caches (one informer per kind, per watched namespace, merged), which
// every reconcile reads instead of the API server: the AlmaRestores, their children (selected by
// the almarestore.io/restore label, so the caches hold only what the controller made; the claims
// are all of the namespace, as an existing database's staging claim is the user's), the Secrets
// of the watched namespaces and the StorageClasses. Pure lookups over them live here too.
import type * as k8s from '@kubernetes/client-node';
import type { AlmaRestore } from '../api/types.js';
import type { RunningInformer } from '../runtime/informers.js';

/** What a reconcile reads a cache through: list by namespace, get by name. */
export type Cache<T extends k8s.KubernetesObject> = Pick<RunningInformer<T>, 'list' | 'get'>;

export interface Caches {
  restores: Cache<AlmaRestore>;
  jobs: Cache<k8s.V1Job>;
  secrets: Cache<k8s.V1Secret>;
  pods: Cache<k8s.V1Pod>;
  claims: Cache<k8s.V1PersistentVolumeClaim>;
  statefulSets: Cache<k8s.V1StatefulSet>;
  services: Cache<k8s.V1Service>;
  configMaps: Cache<k8s.V1ConfigMap>;
  /** Cluster-scoped: list() and get(name) without a namespace. */
  storageClasses: Cache<k8s.V1StorageClass>;
}

/** Pure: the cached objects of `namespace` whose labels hold every key=value of `labels`. */
export function withLabels<T extends k8s.KubernetesObject>(
  cache: Cache<T>,
  namespace: string,
  labels: Record<string, string>,
): T[] {
  return cache
    .list(namespace)
    .filter((o) => Object.entries(labels).every(([k, v]) => o.metadata?.labels?.[k] === v));
}

/** An in-memory cache over a fixed list (unit tests, and callers that already hold the objects). */
export function staticCache<T extends k8s.KubernetesObject>(objects: T[]): Cache<T> {
  return {
    list: (namespace) =>
      objects.filter((o) => namespace === undefined || o.metadata?.namespace === namespace),
    get: (name, namespace) =>
      objects.find(
        (o) => o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace),
      ),
  };
}
