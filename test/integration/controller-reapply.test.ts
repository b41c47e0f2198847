// Deleting an AlmaRestore and applying it again under the same name, against the real control
// plane (garbage collector included): the new restore waits while the old staging claim is still
// Terminating, saying which pod keeps it; it adopts the retained database explicitly (ownerReference,
// Event, status.actions); and it refuses an object of that name it did not make.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { waitFor, type ControlPlane } from '../support/control-plane.js';
import { ControllerBed } from '../support/controller-bed.js';
import { waitForEvents } from '../support/restore-events.js';
import type { FakeKubelet } from '../support/fake-kubelet.js';
import { managedRestore } from '../support/restores.js';
import type { AlmaRestore } from '../../src/api/types.js';

describe('AlmaRestore controller: re-applying a deleted name', () => {
  let bed: ControllerBed;
  let cp: ControlPlane;
  let kubelet: FakeKubelet;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(async () => {
    bed = await ControllerBed.start('reapply');
    ({ cp, kubelet } = bed);
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    apps = cp.kubeConfig.makeApiClient(k8s.AppsV1Api);
  });
  after(async () => {
    await bed.stop();
  });

  it('waits for the old staging claim to go and adopts the retained database, saying so', async () => {
    const { ns, restores } = await bed.setUp('reapply');
    const first = await restores.create(managedRestore('q3'));
    await restores.waitForPhase('q3', 'Provisioning');
    await waitFor('the first restore to create its staging claim and database', async () => {
      await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'q3-staging' });
      await apps.readNamespacedStatefulSet({ namespace: ns, name: 'q3-db' });
      return true;
    });
    // The database pod mounts the staging claim (the StatefulSet controller would make it).
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'q3-db-0' },
        spec: {
          containers: [{ name: 'oracle', image: 'oracle' }],
          volumes: [{ name: 'staging', persistentVolumeClaim: { claimName: 'q3-staging' } }],
        },
      },
    });

    await restores.delete('q3');
    await waitFor('the first AlmaRestore to be gone', async () => {
      try {
        await restores.get('q3');
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
    await waitFor(
      'the garbage collector to delete the old staging claim (kept Terminating by pvc-protection)',
      async () =>
        !!(await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'q3-staging' })).metadata
          ?.deletionTimestamp,
      90_000,
      500,
    );

    const second = await restores.create(managedRestore('q3'));
    assert.notEqual(second.metadata.uid, first.metadata.uid);
    let waiting: AlmaRestore | undefined;
    await waitFor('the new restore to say it waits for the old staging claim', async () => {
      waiting = await restores.get('q3');
      return /^Waiting for PersistentVolumeClaim [^ ]+\/q3-staging \(staging volume\) of an earlier AlmaRestore q3 to finish deleting/.test(
        waiting.status?.progressMessage ?? '',
      );
    });
    assert.equal(waiting!.status?.phase, 'Provisioning');
    assert.match(waiting!.status!.progressMessage!, /pod\(s\) q3-db-0 still mount it/);
    const provisioned = waiting!.status?.conditions?.find((c) => c.type === 'Provisioned');
    assert.equal(provisioned?.reason, 'PreviousRestoreTerminating');

    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'q3-db' });
    assert.deepEqual(
      sts.metadata?.ownerReferences?.map((o) => [o.kind, o.uid, o.controller]),
      [['AlmaRestore', second.metadata.uid, true]],
      'the retained database is adopted by the new restore',
    );
    await waitForEvents(core, ns, 'q3', [
      /^Normal\/Adopted: adopted StatefulSet [^ ]+\/q3-db \(database\), left by an earlier AlmaRestore q3/,
    ]);
    assert.ok(waiting!.status?.actions?.some((a) => /adopted StatefulSet .*q3-db/.test(a.action)));

    // Once the pod stops using it, pvc-protection lets the old claim go (done by hand here).
    await core.deleteNamespacedPod({ namespace: ns, name: 'q3-db-0', gracePeriodSeconds: 0 });
    await core.patchNamespacedPersistentVolumeClaim(
      { namespace: ns, name: 'q3-staging', body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await waitFor('a new staging claim owned by the new restore', async () => {
      const claim = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'q3-staging' });
      return (
        !claim.metadata?.deletionTimestamp &&
        claim.metadata?.ownerReferences?.[0]?.uid === second.metadata.uid
      );
    });
    await kubelet.bindClaim(ns, 'q3-staging');
    await kubelet.markStatefulSetReady(ns, 'q3-db');
    await restores.waitForPhase('q3', 'Fetching');
  });

  it('refuses a child name held by an object it did not make', async () => {
    const { ns, restores } = await bed.setUp('reapply-foreign');
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'other-db' }, spec: { clusterIP: 'None', ports: [{ port: 1521 }] } },
    });
    await restores.create(managedRestore('other'));
    const failed = await restores.waitForPhase('other', 'Failed');
    assert.equal(failed.status?.failedStep, 'provision');
    const message = failed.status?.conditions?.find((c) => c.type === 'Failed')?.message ?? '';
    assert.match(
      message,
      /Service [^ ]+\/other-db \(database Service\) already exists and was not made for AlmaRestore other: give this AlmaRestore another name, or delete or rename that Service/,
    );
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'NameInUse');
  });
});
