// The data inventory through the controller, against the real control plane: a new restore finds
// the institution's previous Succeeded restore at Pending (status.history), plans from its
// measured figures with an import estimate, and when verify reports its counts, status.inventory
// and the alma_restore_records gauges carry them with the previous figures and the change.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type AlmaRestore } from '../../src/api/types.js';
import { sharedControlPlane, waitFor, waitForValue, type ControlPlane } from '../support/control-plane.js';
import { startController, type ControllerProcess } from '../support/controller-process.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { RestoreClient, createRestoreSecrets, managedRestore, stepResult } from '../support/restores.js';
import type { StepName } from '../../src/contract/result.js';

const GiB = 2 ** 30;
const STEPS: [StepName, string][] = [
  ['fetch', 'Fetching'],
  ['prepare', 'Preparing'],
  ['import', 'Importing'],
  ['verify', 'Verifying'],
];

describe('AlmaRestore controller: data inventory and history', () => {
  let cp: ControlPlane;
  let controller: ControllerProcess | undefined;

  before(async () => {
    cp = await sharedControlPlane();
  });
  after(async () => {
    await controller?.stop();
  });

  it('plans from the previous restore, then reports the inventory against it', async () => {
    const ns = await cp.newNamespace('inventory');
    await createRestoreSecrets(cp.kubeConfig, ns);
    const restores = new RestoreClient(cp.kubeConfig, ns);
    const custom = cp.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const kubelet = new FakeKubelet(cp.kubeConfig);

    // Last quarter's restore, as the controller left it (written before the controller starts).
    await restores.create(managedRestore('q3'));
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: PLURAL,
        name: 'q3',
        body: {
          status: {
            phase: 'Succeeded',
            completionTime: '2026-09-01T06:00:00Z',
            steps: {
              fetch: {
                phase: 'Succeeded',
                attempt: 1,
                summary: { institutions: [{ id: '3978', extractedBytes: 60 * GiB }] },
              },
              import: {
                phase: 'Succeeded',
                attempt: 1,
                startTime: '2026-09-01T00:00:00Z',
                completionTime: '2026-09-01T05:00:00Z',
              },
            },
            tablespaces: [
              {
                institutionId: '3978',
                tablespace: 'USERS',
                usedRatio: 0.7,
                usedBytes: 50 * GiB,
                allocatedBytes: 70 * GiB,
                maxBytes: 100 * GiB,
              },
            ],
            inventory: [
              {
                institutionId: '3978',
                exact: true,
                areas: [
                  { area: 'bibActive', count: 1_000_000 },
                  { area: 'users', count: 400 },
                ],
              },
            ],
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

    const logDir = await mkdtemp(path.join(os.tmpdir(), 'alma-inventory-logs-'));
    controller = await startController({
      kubeconfigPath: cp.kubeconfigPath,
      namespace: ns,
      logDir,
      name: 'inv',
    });
    await restores.create(
      managedRestore('q4', { institutions: [{ institutionId: '3978', bibRecords: 1_100_000 }] }),
    );
    const planned = await waitForValue(
      'q4 to record its history and plan',
      () => restores.get('q4'),
      (r: AlmaRestore) => (r.status?.history?.length ?? 0) > 0 && !!r.status?.plan,
      { describe: (r) => JSON.stringify({ phase: r.status?.phase, history: r.status?.history }) },
    );
    assert.equal(planned.status?.history?.[0]?.restore, `${ns}/q3`);
    assert.equal(planned.status?.plan?.stagingSize, '73Gi', '60 GiB for 1.0 M bibs, scaled to 1.1 M, + 10%');
    assert.equal(planned.status?.plan?.importEstimate?.text, `about 5 h 30 min, from ${ns}/q3`);
    assert.match(
      planned.status?.conditions?.find((c) => c.type === 'Planned')?.message ?? '',
      /import about 5 h 30 min/,
    );

    await restores.waitForPhase('q4', 'Provisioning');
    await kubelet.bindClaim(ns, 'q4-staging');
    await kubelet.markStatefulSetReady(ns, 'q4-db');
    for (const [step, phase] of STEPS) {
      await restores.waitForPhase('q4', phase);
      const summary =
        step === 'verify'
          ? {
              inventory: {
                areas: ['bibActive', 'users', 'licenses'],
                institutions: [{ institutionId: '3978', figures: [1_100_000, 350, null] }],
              },
            }
          : {};
      await kubelet.finishJob(ns, `q4-${step}-1`, {
        exitCode: 0,
        message: stepResult(step, step === 'verify' ? 'SucceededWithWarnings' : 'Succeeded', summary),
      });
    }
    const done = await restores.waitForPhase('q4', 'Succeeded');
    assert.deepEqual(done.status?.inventory, [
      {
        institutionId: '3978',
        exact: true,
        baseline: `${ns}/q3`,
        areas: [
          { area: 'bibActive', count: 1_100_000, previous: 1_000_000, change: 0.1 },
          { area: 'users', count: 350, previous: 400, change: -0.125 },
          { area: 'licenses', notInDelivery: true },
        ],
      },
    ]);
    await waitFor('the inventory gauges', async () => {
      const text = await controller!.metrics();
      return (
        new RegExp(
          `alma_restore_records\\{namespace="${ns}",restore="q4",institution="3978",area="users"\\} 350`,
        ).test(text) &&
        new RegExp(
          `alma_restore_records_previous\\{namespace="${ns}",restore="q4",institution="3978",area="users"\\} 400`,
        ).test(text)
      );
    });
  });
});
