// A restore at rest costs the API server nothing: with a Succeeded, a Failed, a Queued restore, one
// waiting on its fetch Job and one waiting in Provisioning for its database, every restore is made
// to reconcile again (an annotation each: an update event, no status change) and the API server's
// own request counters (apiserver_request_total, as the bench counts them) must show no write and
// no read beyond the test's own annotations. A private control plane without the controller
// manager, so that nothing else writes in the counted resources while the test counts. Then a new
// restore's way to Queued: one status write per pass and its two Events, sent in the background
// (no finalizer until it is admitted), counted the same way.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  CONTROLLER_RESOURCES,
  classify,
  diffCounts,
  scrapeRequestTotals,
} from '../support/apiserver-requests.js';
import { FINALIZER } from '../../src/controller/reconciler.js';
import { defaultCrds, startControlPlane, waitForValue, type ControlPlane } from '../support/control-plane.js';
import { startController, type ControllerProcess } from '../support/controller-process.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { waitForEvents } from '../support/restore-events.js';
import { RestoreClient, createRestoreSecrets, existingRestore, managedRestore } from '../support/restores.js';

/** A sample of the controller's own /metrics page. */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('controller at rest', () => {
  let cp: ControlPlane;
  let controller: ControllerProcess | undefined;
  /** The namespace of the first test, whose controller and restores the second one goes on with. */
  let namespace: string | undefined;

  before(async () => {
    cp = await startControlPlane({ controllerManager: false, crds: defaultCrds() });
  });
  after(async () => {
    // The harness's children are unref'd: hold the event loop open while they stop.
    const hold = setInterval(() => {}, 1000);
    await controller?.stop();
    await cp?.stop(1000);
    clearInterval(hold);
  });

  it('issues no write and no read when restores that are waiting or finished reconcile again', async () => {
    const kc = cp.kubeConfig;
    const ns = (namespace = await cp.newNamespace('at-rest'));
    const kubelet = new FakeKubelet(kc);
    const restores = new RestoreClient(kc, ns);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await createRestoreSecrets(kc, ns);
    await kubelet.createBoundClaim(ns, 'dumps', '100Gi');
    // Finished restores, as an earlier controller left them.
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const phase of ['Succeeded', 'Failed'] as const) {
      const r = existingRestore(phase.toLowerCase(), `db-${phase.toLowerCase()}.example.edu:1521/ALMA`);
      r.metadata.finalizers = [FINALIZER];
      const made = await restores.create(r);
      await custom.patchNamespacedCustomObjectStatus(
        {
          group: 'almarestore.io',
          version: 'v1alpha1',
          namespace: ns,
          plural: 'almarestores',
          name: made.metadata.name,
          body: {
            status: {
              phase,
              observedGeneration: made.metadata.generation,
              completionTime: now,
              ...(phase === 'Failed' ? { failedStep: 'fetch' } : {}),
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }

    const logDir = await mkdtemp(path.join(os.tmpdir(), 'alma-at-rest-'));
    controller = await startController({
      kubeconfigPath: cp.kubeconfigPath,
      namespace: ns,
      logDir,
      args: ['--max-concurrent-restores=10', '--max-concurrent-per-database=1'],
    });
    await restores.create(existingRestore('fetching', 'db-shared.example.edu:1521/ALMA'));
    await restores.waitForPhase('fetching', 'Fetching');
    await restores.create(existingRestore('queued', 'db-shared.example.edu:1521/ALMA'));
    await restores.waitForPhase('queued', 'Queued');
    await restores.create(managedRestore('provisioning'));
    await restores.waitForPhase('provisioning', 'Provisioning');
    await kubelet.bindClaim(ns, 'provisioning-staging');
    await waitForValue(
      'provisioning to wait for its database',
      () => restores.get('provisioning'),
      (r) => /^Waiting for the Oracle database/.test(r.status?.progressMessage ?? ''),
      { describe: (r) => `${r.status?.phase}: ${r.status?.progressMessage}` },
    );
    const names = ['succeeded', 'failed', 'fetching', 'queued', 'provisioning'];
    const idle = async () => {
      const text = await controller!.metrics();
      return {
        depth: sample(text, 'alma_restore_workqueue_depth'),
        reconciles: sample(text, 'alma_restore_reconcile_duration_seconds_count'),
      };
    };
    const settled = await waitForValue(
      'the controller to be idle (work queue empty)',
      idle,
      (m) => m.depth === 0,
      {
        describe: (m) => JSON.stringify(m),
      },
    );

    const before = await scrapeRequestTotals(kc);
    for (const name of names)
      await restores.patch(name, { metadata: { annotations: { 'test.example/poke': '1' } } });
    await waitForValue(
      `a reconcile of each of the ${names.length} restores after its annotation`,
      idle,
      (m) => m.depth === 0 && m.reconciles >= settled.reconciles + names.length,
      { describe: (m) => `${JSON.stringify(m)} (before: ${settled.reconciles} reconciles)` },
    );
    const counted = classify(diffCounts(before, await scrapeRequestTotals(kc)), CONTROLLER_RESOURCES);
    const rows = new Map(counted.rows);
    assert.equal(
      rows.get('almarestores PATCH'),
      names.length,
      `the test's own annotations; all: ${JSON.stringify(counted.rows)}`,
    );
    rows.delete('almarestores PATCH');
    assert.deepEqual([...rows], [], 'requests the controller sent while its restores were at rest');
  });

  it('takes a new restore to Queued in one pass: one status write, one Event sent in the background, no finalizer', async () => {
    const kc = cp.kubeConfig;
    const ns = namespace!;
    const restores = new RestoreClient(kc, ns);
    const before = await scrapeRequestTotals(kc);
    await restores.create(existingRestore('queued-2', 'db-shared.example.edu:1521/ALMA'));
    const queued = await restores.waitForPhase('queued-2', 'Queued');
    assert.deepEqual(queued.metadata.finalizers ?? [], [], 'a Queued restore owns nothing: no finalizer');
    await waitForValue(
      'the controller to be idle (work queue empty)',
      async () => sample(await controller!.metrics(), 'alma_restore_workqueue_depth'),
      (depth) => depth === 0,
    );
    // Not lost for being sent after the status: the Event arrives (the test's LISTs set aside below).
    await waitForEvents(kc.makeApiClient(k8s.CoreV1Api), ns, 'queued-2', ['Normal/Queued']);
    const counted = classify(diffCounts(before, await scrapeRequestTotals(kc)), CONTROLLER_RESOURCES);
    const rows = new Map(counted.rows);
    // The test's own reads (its polls of the restore and of the Events); writes are what is counted.
    rows.delete('events LIST');
    rows.delete('almarestores GET');
    assert.deepEqual(
      Object.fromEntries(rows),
      {
        'almarestores POST': 1, // the test's create
        'almarestores/status PUT': 1, // Pending -> Queued, with the plan: one pass, one write
        'events POST': 1,
      },
      'requests from the create to Queued',
    );
  });
});
