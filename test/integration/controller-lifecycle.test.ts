// The controller against the real control plane: a restore goes Pending -> Succeeded as each
// step Job completes (the real job controller marks Jobs done from pod status the test writes);
// failures, retry, crash-restart, suspend, cancel, deletion and the concurrency limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { waitFor, waitForValue, type ControlPlane } from '../support/control-plane.js';
import { ControllerBed } from '../support/controller-bed.js';
import { waitForEvents } from '../support/restore-events.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import {
  RestoreClient,
  createRestoreSecrets,
  existingRestore,
  managedRestore,
  stepResult,
} from '../support/restores.js';
import type { AlmaRestore } from '../../src/api/types.js';
import type { StepName } from '../../src/contract/result.js';

const STEPS: [StepName, string][] = [
  ['fetch', 'Fetching'],
  ['prepare', 'Preparing'],
  ['import', 'Importing'],
  ['verify', 'Verifying'],
];

const VERIFICATION = [
  {
    institutionId: '3978',
    checks: [{ name: 'invalidObjects', passed: true, observed: '0', expected: '0', action: 'recompiled 2' }],
  },
];

describe('AlmaRestore controller', { concurrency: 3 }, () => {
  let bed: ControllerBed;
  let cp: ControlPlane;
  let kubelet: FakeKubelet;
  let batch: k8s.BatchV1Api;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(async () => {
    bed = await ControllerBed.start('controller');
    ({ cp, kubelet } = bed);
    batch = cp.kubeConfig.makeApiClient(k8s.BatchV1Api);
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    apps = cp.kubeConfig.makeApiClient(k8s.AppsV1Api);
  });
  after(async () => {
    await bed.stop();
  });

  async function jobsOf(namespace: string, name: string) {
    return (await batch.listNamespacedJob({ namespace, labelSelector: `almarestore.io/restore=${name}` }))
      .items;
  }

  function condition(restore: AlmaRestore, type: string) {
    return restore.status?.conditions?.find((c) => c.type === type);
  }

  it('drives a restore from Pending to Succeeded, one observable step at a time', async () => {
    const ns = await bed.namespace('happy');
    await bed.controller(ns);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('q3'));

    const provisioning = await restores.waitForPhase('q3', 'Provisioning');
    assert.equal(provisioning.status?.plan?.totalBibRecords, 1_000_000);
    assert.ok(provisioning.status?.plan?.stagingSize, 'the plan has a staging size');
    assert.equal(provisioning.status?.observedGeneration, provisioning.metadata.generation);
    assert.ok(provisioning.metadata.finalizers?.includes('almarestore.io/cleanup'));
    // Provisioning creates the children in the reconcile after it records the phase.
    let sts: k8s.V1StatefulSet | undefined;
    await waitFor('the database StatefulSet', async () => {
      sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'q3-db' });
      return true;
    });
    assert.equal(sts!.metadata?.ownerReferences?.[0]?.kind, 'AlmaRestore');

    await bed.provision(ns, 'q3');
    for (const [step, phase] of STEPS) {
      const during = await restores.waitForPhase('q3', phase);
      assert.equal(during.status?.steps?.[step]?.phase ?? 'Running', 'Running');
      assert.equal(condition(during, 'Progressing')?.status, 'True');
      const summary = step === 'verify' ? { step, verification: VERIFICATION } : { step };
      await kubelet.finishJob(ns, `q3-${step}-1`, {
        exitCode: 0,
        message: stepResult(step, 'Succeeded', summary),
      });
    }
    const done = await restores.waitForPhase('q3', 'Succeeded');
    assert.equal(done.status?.progress, 100);
    assert.equal(condition(done, 'Ready')?.status, 'True');
    assert.equal(condition(done, 'Failed')?.status, 'False');
    for (const type of [
      'Planned',
      'Provisioned',
      'FetchSucceeded',
      'PrepareSucceeded',
      'ImportSucceeded',
      'VerifySucceeded',
    ]) {
      assert.equal(condition(done, type)?.status, 'True', `${type} condition`);
    }
    for (const [step] of STEPS) {
      assert.equal(done.status?.steps?.[step]?.phase, 'Succeeded', `${step} recorded`);
      assert.equal(done.status?.steps?.[step]?.summary?.step, step);
      assert.ok(done.status?.steps?.[step]?.completionTime);
    }
    assert.ok(done.status?.completionTime);
    assert.deepEqual(done.status?.verification, VERIFICATION, "verify's checks are in status.verification");
    await waitForEvents(core, ns, 'q3', [
      'Normal/Provisioning: Pending -> Provisioning', // sized, checked and admitted in its first pass
      'Normal/StepStarted',
      'Normal/StepSucceeded',
    ]);
    assert.equal((await jobsOf(ns, 'q3')).length, 4, 'exactly one Job per step');
  });

  it('fails on a failed step or a malformed result, and resumes at that step after the retry annotation', async () => {
    const ns = await bed.namespace('retry');
    await bed.controller(ns);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('r1'));
    await restores.waitForPhase('r1', 'Provisioning');
    await bed.provision(ns, 'r1');
    await restores.waitForPhase('r1', 'Fetching');
    await kubelet.finishJob(ns, 'r1-fetch-1', { exitCode: 0, message: stepResult('fetch') });
    const preparing = await restores.waitForPhase('r1', 'Preparing');
    assert.equal(preparing.status?.currentStep, 'prepare', 'the STEP column');
    await kubelet.finishJob(ns, 'r1-prepare-1', { exitCode: 1, message: stepResult('prepare', 'Failed') });
    const failed = await restores.waitForPhase('r1', 'Failed');
    assert.equal(failed.status?.failedStep, 'prepare');
    assert.equal(failed.status?.currentStep, 'prepare', 'the STEP column keeps the failed step');
    assert.match(condition(failed, 'Failed')?.message ?? '', /prepare failed: prepare found a problem/);
    assert.equal(failed.status?.steps?.prepare?.phase, 'Failed');
    await waitForEvents(core, ns, 'r1', ['Warning/BadDelivery']);

    await restores.patch('r1', { metadata: { annotations: { 'almarestore.io/retry': '1' } } });
    const retried = await restores.waitForPhase('r1', 'Preparing');
    assert.equal(retried.status?.steps?.prepare?.attempt, 2);
    assert.equal(retried.status?.steps?.fetch?.phase, 'Succeeded', 'fetch is not run again');
    // A result that is not JSON is a clear failure, not a hang.
    await kubelet.finishJob(ns, 'r1-prepare-2', { exitCode: 0, message: 'Segmentation fault (core dumped)' });
    const malformed = await restores.waitForPhase('r1', 'Failed');
    assert.match(malformed.status?.steps?.prepare?.message ?? '', /result is not JSON/);

    await restores.patch('r1', { metadata: { annotations: { 'almarestore.io/retry': '2' } } });
    await restores.waitForPhase('r1', 'Preparing');
    await kubelet.finishJob(ns, 'r1-prepare-3', { exitCode: 0, message: stepResult('prepare') });
    await restores.waitForPhase('r1', 'Importing');
    // The phase is written before the step's Job is created: wait for the Job, not the next pass.
    await kubelet.waitForJob(ns, 'r1-import-1');
    const names = (await jobsOf(ns, 'r1')).map((j) => j.metadata!.name).sort();
    assert.deepEqual(names, ['r1-fetch-1', 'r1-import-1', 'r1-prepare-1', 'r1-prepare-2', 'r1-prepare-3']);
  });

  it('survives being killed in every phase: no duplicate child, no lost status', async () => {
    const ns = await bed.namespace('crash');
    let controller = await bed.controller(ns, [], 'crash');
    const restores = new RestoreClient(cp.kubeConfig, ns);
    const restart = async () => {
      await controller.kill();
      controller = await bed.controller(ns, [], 'crash');
    };
    await restores.create(managedRestore('c1'));
    await restores.waitForPhase('c1', 'Provisioning');
    await restart();
    await bed.provision(ns, 'c1');
    for (const [step, phase] of STEPS) {
      await restores.waitForPhase('c1', phase);
      await kubelet.waitForJob(ns, `c1-${step}-1`);
      await restart(); // killed with the step's Job running
      await kubelet.finishJob(ns, `c1-${step}-1`, { exitCode: 0, message: stepResult(step) });
    }
    const done = await restores.waitForPhase('c1', 'Succeeded');
    for (const [step] of STEPS) assert.equal(done.status?.steps?.[step]?.phase, 'Succeeded');
    assert.equal((await jobsOf(ns, 'c1')).length, 4);
    const claims = await core.listNamespacedPersistentVolumeClaim({
      namespace: ns,
      labelSelector: 'almarestore.io/restore=c1',
    });
    // Exactly the children of one restore, each once, whatever the number of restarts.
    const names = (list: { items: { metadata?: { name?: string } }[] }) =>
      list.items.map((o) => o.metadata?.name).sort();
    const selector = { namespace: ns, labelSelector: 'almarestore.io/restore=c1' };
    assert.deepEqual(names(claims), ['c1-staging']);
    assert.deepEqual(names(await apps.listNamespacedStatefulSet(selector)), ['c1-db']);
    assert.deepEqual(names(await core.listNamespacedService(selector)), ['c1-db']);
    assert.deepEqual(names(await core.listNamespacedConfigMap(selector)), ['c1-config']);
    // A restarted controller exports what status holds, before anything changes.
    await restart();
    await waitFor('the restarted controller to export the phase', async () =>
      /alma_restore_phase\{namespace="[^"]+",restore="c1",phase="Succeeded"\} 1/.test(
        await controller.metrics(),
      ),
    );
    assert.match(
      await controller.metrics(),
      /alma_restore_last_progress_timestamp_seconds\{namespace="[^"]+",restore="c1"\} \d+/,
    );
  });

  it('waits in Planning, with the reason, until the referenced Secrets exist and have their keys', async () => {
    const ns = await cp.newNamespace('secrets');
    await bed.controller(ns);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('s0'));
    let restore = await restores.waitForPhase('s0', 'Planning');
    await waitFor('the Planned condition to name the missing Secrets', async () => {
      restore = await restores.get('s0');
      return condition(restore, 'Planned')?.reason === 'SecretInvalid';
    });
    assert.equal(condition(restore, 'Planned')?.status, 'False');
    assert.match(
      condition(restore, 'Planned')?.message ?? '',
      /Secret [^ ]+\/alma-sftp \(sftp\) does not exist/,
    );
    assert.equal((await jobsOf(ns, 's0')).length, 0, 'no step runs without its Secrets');
    await waitForEvents(core, ns, 's0', ['Warning/SecretInvalid']);
    // A Secret without the host key is named precisely; once all are right, the restore moves on.
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'alma-sftp' }, stringData: { username: 'alma', password: 'x' } },
    });
    await waitFor('the message to name the missing knownHosts key', async () =>
      /has no key "knownHosts"/.test(condition(await restores.get('s0'), 'Planned')?.message ?? ''),
    );
    await core.deleteNamespacedSecret({ namespace: ns, name: 'alma-sftp' });
    await createRestoreSecrets(cp.kubeConfig, ns);
    await restores.waitForPhase('s0', 'Provisioning', 30_000);
  });

  it("fails clearly when the staging volume cannot bind, with the storage layer's reason", async () => {
    const ns = await bed.namespace('nostorage');
    await bed.controller(ns, ['--pvc-bind-timeout=3s']);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('big'));
    // The phase turns Provisioning one pass before the claim is created: wait for the claim itself.
    const claim = await waitForValue('the staging claim big-staging to be created', () =>
      core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'big-staging' }),
    );
    // What the external provisioner reports when a quota or the pool is too small.
    const now = new Date();
    await core.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { name: 'big-staging.provisioning' },
        involvedObject: {
          kind: 'PersistentVolumeClaim',
          name: 'big-staging',
          namespace: ns,
          uid: claim.metadata?.uid,
        },
        type: 'Warning',
        reason: 'ProvisioningFailed',
        message: 'exceeded quota: storage, requested: 70Gi, limited: 50Gi',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        source: { component: 'persistentvolume-controller' },
      },
    });
    const failed = await restores.waitForPhase('big', 'Failed');
    assert.equal(failed.status?.failedStep, 'provision');
    const message = condition(failed, 'Failed')?.message ?? '';
    assert.match(message, /staging volume big-staging \(\d+Gi\) is still Pending/);
    assert.match(message, /ProvisioningFailed: exceeded quota/);
    assert.equal(condition(failed, 'Failed')?.reason, 'StorageUnavailable');
  });

  it('suspends, resumes and cancels', async () => {
    const ns = await bed.namespace('suspend');
    await bed.controller(ns);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('s1'));
    await restores.waitForPhase('s1', 'Provisioning');
    await bed.provision(ns, 's1');
    await restores.waitForPhase('s1', 'Fetching');
    await kubelet.waitForJob(ns, 's1-fetch-1');
    await restores.patch('s1', { spec: { suspend: true } });
    const suspended = await restores.waitForPhase('s1', 'Suspended');
    assert.equal(suspended.status?.suspendedPhase, 'Fetching');
    await waitFor('the running Job to be suspended', async () => {
      const job = await batch.readNamespacedJob({ namespace: ns, name: 's1-fetch-1' });
      return job.spec?.suspend === true;
    });
    await restores.patch('s1', { spec: { suspend: false } });
    await restores.waitForPhase('s1', 'Fetching');
    await restores.patch('s1', { spec: { cancel: true } });
    const cancelled = await restores.waitForPhase('s1', 'Cancelled');
    assert.equal(condition(cancelled, 'Progressing')?.status, 'False');
    await waitFor('the running Job to be deleted', async () => (await jobsOf(ns, 's1')).length === 0);
  });

  it('honours retention when an AlmaRestore is deleted', async () => {
    const ns = await bed.namespace('retain');
    await bed.controller(ns);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('keep'));
    await restores.create(managedRestore('drop', { retention: { onDelete: 'Delete' } }));
    await restores.waitForPhase('keep', 'Provisioning');
    await restores.waitForPhase('drop', 'Provisioning');
    await waitFor(
      'both StatefulSets',
      async () => (await apps.listNamespacedStatefulSet({ namespace: ns })).items.length === 2,
    );

    await restores.delete('keep');
    await restores.delete('drop');
    await waitFor('both AlmaRestores to be gone', async () => {
      const list = (await cp.kubeConfig.makeApiClient(k8s.CustomObjectsApi).listNamespacedCustomObject({
        group: 'almarestore.io',
        version: 'v1alpha1',
        namespace: ns,
        plural: 'almarestores',
      })) as {
        items: unknown[];
      };
      return list.items.length === 0;
    });
    await waitFor(
      'the garbage collector to delete the Delete-retention database',
      async () =>
        (await apps.listNamespacedStatefulSet({ namespace: ns })).items.every(
          (s) => s.metadata?.name !== 'drop-db',
        ),
      90_000,
      500,
    );
    const kept = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'keep-db' });
    assert.equal(
      kept.metadata?.ownerReferences?.length ?? 0,
      0,
      'the retained database is orphaned, not deleted',
    );
  });

  it('queues restores beyond the concurrency limit and admits them as slots free up', async () => {
    const ns = await bed.namespace('queue');
    await bed.controller(ns, ['--max-concurrent-restores=1']);
    // Existing databases read dump files from a claim of their own.
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: 'dumps' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '500Gi' } } },
      },
    });
    await kubelet.bindClaim(ns, 'dumps');
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(existingRestore('first'));
    await restores.waitForPhase('first', 'Fetching'); // an existing database provisions at once
    await restores.create(existingRestore('second', 'other-db.example.edu:1521/PDB2'));
    const queued = await restores.waitForPhase('second', 'Queued');
    assert.match(queued.status?.progressMessage ?? '', /limit 1/);
    await restores.patch('first', { spec: { cancel: true } });
    await restores.waitForPhase('first', 'Cancelled');
    await restores.waitForPhase('second', 'Fetching');
  });

  it('runs as two replicas where only the Lease holder acts, and the standby takes over when it dies', async () => {
    const ns = await bed.namespace('leader');
    const args = ['--leader-elect', `--lease-namespace=${ns}`];
    const a = await bed.controller(ns, args, 'leader-a');
    const coordination = cp.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    let holder = '';
    await waitFor('a leader', async () => {
      const lease = await coordination.readNamespacedLease({
        namespace: ns,
        name: 'alma-restore-operator-leader',
      });
      holder = lease.spec?.holderIdentity ?? '';
      return holder !== '';
    });
    const b = await bed.controller(ns, args, 'leader-b');
    assert.match(holder, new RegExp(`_${a.child.pid}$`), 'the first replica leads');
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('l1'));
    await restores.waitForPhase('l1', 'Provisioning');
    const standbyMetrics = await b.metrics();
    assert.doesNotMatch(standbyMetrics, /alma_restore_phase\{/, 'the standby reconciled nothing');

    await a.kill();
    await waitFor(
      'the standby to take over the lease',
      async () => {
        const lease = await coordination.readNamespacedLease({
          namespace: ns,
          name: 'alma-restore-operator-leader',
        });
        return lease.spec?.holderIdentity?.endsWith(`_${b.child.pid}`) ?? false;
      },
      60_000,
      500,
    );
    await bed.provision(ns, 'l1');
    await restores.waitForPhase('l1', 'Fetching');
    assert.match(
      await b.metrics(),
      /alma_restore_phase\{namespace="[^"]+",restore="l1",phase="Fetching"\} 1/,
    );
    // Graceful shutdown: SIGTERM drains, releases the lease for a quick hand-over, exits 0.
    assert.equal(await b.stop(), 0);
    const released = await coordination.readNamespacedLease({
      namespace: ns,
      name: 'alma-restore-operator-leader',
    });
    assert.equal(released.spec?.holderIdentity ?? '', '');
  });
});
