// Wake-ups without polling: a restore waiting for its Secrets, or Queued behind the concurrency
// limit, has no requeue timer (and the informers' resync is 5 minutes), so these restores move
// within the waits below only if the event itself (a Secret created, a slot freed) wakes them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitForValue, type ControlPlane } from '../support/control-plane.js';
import { ControllerBed } from '../support/controller-bed.js';
import { RestoreClient, createRestoreSecrets, managedRestore } from '../support/restores.js';

describe('controller wake-ups', () => {
  let bed: ControllerBed;
  let cp: ControlPlane;

  before(async () => {
    bed = await ControllerBed.start('wakeup');
    cp = bed.cp;
  });
  after(async () => {
    await bed.stop();
  });

  it('admits a restore as soon as the Secrets it waits for are created', async () => {
    const ns = await cp.newNamespace('wake-secret');
    await bed.controller(ns);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('q3'));
    await waitForValue(
      'q3 to wait for its Secrets',
      () => restores.get('q3'),
      (r) => /^Waiting in Planning: Secret .* does not exist/.test(r.status?.progressMessage ?? ''),
      { describe: (r) => `${r.status?.phase}: ${r.status?.progressMessage}` },
    );
    await createRestoreSecrets(cp.kubeConfig, ns);
    const moved = await restores.waitForPhase('q3', 'Provisioning', 30_000);
    assert.equal(moved.status?.phase, 'Provisioning');
  });

  it('admits a Queued restore when the active one leaves its slot', async () => {
    const ns = await bed.namespace('wake-slot');
    await bed.controller(ns, ['--max-concurrent-restores=1']);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('first'));
    await restores.waitForPhase('first', 'Provisioning');
    await restores.create(managedRestore('second'));
    await restores.waitForPhase('second', 'Queued');
    await restores.patch('first', { spec: { cancel: true } });
    await restores.waitForPhase('first', 'Cancelled');
    const admitted = await restores.waitForPhase('second', 'Provisioning', 30_000);
    assert.equal(admitted.status?.phase, 'Provisioning');
  });
});
