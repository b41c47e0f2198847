// The staging PVC: the dump files, mounted by the step Jobs at /staging and by the managed
// database at its directory objects' path. Existing mode uses the user's claim instead. Pure.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { ResolvedAlmaRestore } from '../api/defaults.js';
import type { SizingPlan } from '../api/types.js';
import { ownedMetadata } from './meta.js';
import { stagingClaimName } from './names.js';

/** The claim the steps (and the database) mount: ours in managed mode, the user's otherwise. */
export function stagingClaimFor(restore: ResolvedAlmaRestore): string {
  return restore.spec.database.existing?.stagingClaimName ?? stagingClaimName(restore.name);
}

/** undefined in existing mode: the user's PVC (spec.database.existing.stagingClaimName) is used. */
export function buildStagingPvc(
  restore: ResolvedAlmaRestore,
  plan: SizingPlan,
): V1PersistentVolumeClaim | undefined {
  if (restore.spec.database.existing) return undefined;
  const { storage } = restore.spec;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: ownedMetadata(restore, stagingClaimName(restore.name), 'staging'),
    spec: {
      accessModes: [storage.stagingAccessMode],
      resources: { requests: { storage: plan.stagingSize } },
      ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
      volumeMode: 'Filesystem',
    },
  };
}
