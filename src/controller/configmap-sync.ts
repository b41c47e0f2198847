// Keeps the step ConfigMap what the restore wants, writing only on a difference: compared
// (configMapDrift, pure) with the copy in the controller's watched cache, created when absent,
// replaced (with the cached resourceVersion: optimistic lock) only when a field the controller
// owns differs, left alone when equal. Compare-then-update rather than server-side apply: an
// apply is itself a PATCH request every pass, even when nothing changes, and the at-rest budget
// is zero writes; the cache makes the compare free.
import type * as k8s from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';

/** What syncing needs of the API server (an in-memory double in the unit tests). */
export interface ConfigMapApi {
  create(namespace: string, body: k8s.V1ConfigMap): Promise<unknown>;
  replace(namespace: string, name: string, body: k8s.V1ConfigMap): Promise<unknown>;
}

/**
 * Pure: the fields the controller owns (data, binaryData, its labels, its ownerReferences) in
 * which `existing` differs from `desired`; empty when equal. Labels and owners others add are
 * theirs and are not a difference.
 */
export function configMapDrift(existing: k8s.V1ConfigMap, desired: k8s.V1ConfigMap): string[] {
  const drift: string[] = [];
  if (!isDeepStrictEqual(existing.data ?? {}, desired.data ?? {})) drift.push('data');
  if (!isDeepStrictEqual(existing.binaryData ?? {}, desired.binaryData ?? {})) drift.push('binaryData');
  const labels = existing.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(desired.metadata?.labels ?? {}))
    if (labels[k] !== v) drift.push(`metadata.labels[${k}]`);
  const owners = existing.metadata?.ownerReferences ?? [];
  for (const want of desired.metadata?.ownerReferences ?? [])
    if (!owners.some((o) => o.uid === want.uid && o.controller === want.controller))
      drift.push(`metadata.ownerReferences[${want.uid}]`);
  return drift;
}

/** What syncConfigMap did: nothing, a create, or a replace (with the fields that differed). */
export type ConfigMapSync =
  { action: 'unchanged' } | { action: 'created' } | { action: 'replaced'; drift: string[] };

export async function syncConfigMap(
  api: ConfigMapApi,
  namespace: string,
  /** The ConfigMap as the watched cache holds it; undefined when the cache has none. */
  existing: k8s.V1ConfigMap | undefined,
  desired: k8s.V1ConfigMap,
): Promise<ConfigMapSync> {
  if (!existing) {
    try {
      await api.create(namespace, desired);
      return { action: 'created' };
    } catch (err) {
      // Created by an earlier pass the cache has not seen yet: its event brings the next compare.
      if ((err as { code?: number }).code === 409) return { action: 'unchanged' };
      throw err;
    }
  }
  const drift = configMapDrift(existing, desired);
  if (drift.length === 0) return { action: 'unchanged' };
  const name = desired.metadata!.name!;
  const body: k8s.V1ConfigMap = {
    ...desired,
    metadata: {
      ...existing.metadata,
      labels: { ...existing.metadata?.labels, ...desired.metadata?.labels },
      // Ours alone, as desired: an earlier AlmaRestore of this name no longer owns it.
      ownerReferences: desired.metadata?.ownerReferences,
      resourceVersion: existing.metadata?.resourceVersion,
    },
  };
  await api.replace(namespace, name, body);
  return { action: 'replaced', drift };
}
