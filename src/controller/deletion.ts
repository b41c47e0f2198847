// The end of a restore's life: after success, the staging claim dropped when
// retention.deleteStagingOnSuccess says so; on deletion of the AlmaRestore, its children released
// per retention.onDelete (children.ts) and then the finalizer removed, guarded by resourceVersion.
// The finalizer is added only when the restore is about to own something (admission to
// Provisioning, see Pass.ensureFinalizer): a Pending, Planning or Queued restore has no child and
// no external resource, so its deletion needs no cleanup and its first passes no finalizer write.
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type AlmaRestore } from '../api/types.js';
import { releaseChildren } from './children.js';
import { FINALIZER, ignore404, type Pass, type ReconcileResult } from './context.js';
import type { DesiredState } from './desired.js';

/** The finalizer list write (a JSON patch that tests the resourceVersion: no concurrent change is lost). */
export interface FinalizerApi {
  /** Returns the object as the server now holds it. */
  setFinalizers(restore: AlmaRestore, finalizers: string[]): Promise<AlmaRestore>;
}

export function finalizerApi(kc: k8s.KubeConfig): FinalizerApi {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  return {
    setFinalizers: async (restore, finalizers) =>
      (await custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: restore.metadata.namespace!,
          plural: PLURAL,
          name: restore.metadata.name,
          body: [
            { op: 'test', path: '/metadata/resourceVersion', value: restore.metadata.resourceVersion },
            { op: 'add', path: '/metadata/finalizers', value: finalizers },
          ],
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      )) as AlmaRestore,
  };
}

/**
 * Adds the finalizer to a restore that lacks it, updating `restore` in place (the pass goes on
 * with it); returns the server's new resourceVersion when it wrote, else undefined.
 */
export async function ensureFinalizer(api: FinalizerApi, restore: AlmaRestore): Promise<string | undefined> {
  if (restore.metadata.finalizers?.includes(FINALIZER)) return undefined;
  const updated = await api.setFinalizers(restore, [...(restore.metadata.finalizers ?? []), FINALIZER]);
  restore.metadata.finalizers = updated.metadata.finalizers;
  restore.metadata.resourceVersion = updated.metadata.resourceVersion;
  return updated.metadata.resourceVersion;
}

/** Releases the children (retention.onDelete), then lets the API server delete the restore. */
export async function finalize(
  pass: Pass,
  api: FinalizerApi,
  restore: AlmaRestore,
): Promise<ReconcileResult> {
  if (!restore.metadata.finalizers?.includes(FINALIZER)) return {};
  await releaseChildren(pass.kc, restore, pass.events);
  await api.setFinalizers(
    restore,
    restore.metadata.finalizers.filter((f) => f !== FINALIZER),
  );
  return {};
}

/** A Succeeded restore: its success time exported; its staging claim dropped once, if asked. */
export async function afterSuccess(
  pass: Pass,
  restore: AlmaRestore,
  desired: DesiredState,
): Promise<ReconcileResult> {
  const ns = restore.metadata.namespace!;
  pass.metrics.lastSuccessTimestamp.set(
    { namespace: ns, restore: restore.metadata.name },
    new Date(restore.status?.completionTime ?? pass.now()).getTime() / 1000,
  );
  if (!desired.deleteStagingOnSuccess || !desired.children.stagingPvc || restore.status?.stagingDeleted)
    return {};
  // The staging claim is ours (managed mode): drop it. pvc-protection keeps it until no pod mounts it.
  await ignore404(
    pass.core.deleteNamespacedPersistentVolumeClaim({ namespace: ns, name: desired.stagingClaimName }),
  );
  await pass.events.record(
    restore,
    'Normal',
    'StagingDeleted',
    `deleted staging volume ${desired.stagingClaimName} (retention.deleteStagingOnSuccess)`,
  );
  await pass.status.write(restore, { stagingDeleted: true });
  return {};
}
