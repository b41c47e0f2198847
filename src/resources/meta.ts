// Labels, ownerReferences and metadata shared by everything an AlmaRestore owns. Pure.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { ResolvedAlmaRestore } from '../api/defaults.js';
import { API_VERSION, GROUP, KIND } from '../api/types.js';

export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  restore: `${GROUP}/restore`,
  step: `${GROUP}/step`,
  attempt: `${GROUP}/attempt`,
} as const;

export const APP_NAME = 'alma-restore';
export const MANAGED_BY = 'alma-restore-operator';

export type Component = 'staging' | 'database' | 'config' | 'step';

/** Placeholder uid in offline output (`plan`): the API server assigns the real one. */
export const PLAN_UID = '00000000-0000-0000-0000-000000000000';

export function restoreLabels(restore: string, component: Component): Record<string, string> {
  return {
    [LABEL.name]: APP_NAME,
    [LABEL.instance]: restore,
    [LABEL.component]: component,
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.partOf]: APP_NAME,
    [LABEL.restore]: restore,
  };
}

/** Selects the managed database pod (the Service's selector, the steps' pod affinity). */
export function databaseSelector(restore: string): Record<string, string> {
  return { [LABEL.restore]: restore, [LABEL.component]: 'database' };
}

export function ownerReference(restore: ResolvedAlmaRestore): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: restore.name,
    uid: restore.uid ?? PLAN_UID,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function ownedMetadata(
  restore: ResolvedAlmaRestore,
  name: string,
  component: Component,
  extraLabels: Record<string, string> = {},
): V1ObjectMeta & { name: string; namespace: string } {
  return {
    name,
    namespace: restore.namespace,
    labels: { ...restoreLabels(restore.name, component), ...extraLabels },
    ownerReferences: [ownerReference(restore)],
  };
}
