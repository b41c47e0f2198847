// Pod blockers through the real API server: the fake kubelet writes the waiting / terminated /
// unschedulable states a kubelet or the scheduler writes, and the controller (a real process)
// must show each one in status and as a Warning Event within 30 s, then fail the step (or the
// provisioning) with the kubelet's reason once it outlasts --pod-blocked-timeout.
// test/integration/real-node-*.test.ts shows the same against a real kubelet.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { sharedControlPlane, waitFor, waitForValue, type ControlPlane } from '../support/control-plane.js';
import { startController, type ControllerProcess } from '../support/controller-process.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { RestoreClient, createRestoreSecrets, managedRestore } from '../support/restores.js';
import type { AlmaRestore } from '../../src/api/types.js';

const GRACE = '20s';

describe('pod blockers (fake kubelet)', { concurrency: 3 }, () => {
  let cp: ControlPlane;
  let kubelet: FakeKubelet;
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let logDir: string;
  const controllers: ControllerProcess[] = [];

  before(async () => {
    cp = await sharedControlPlane();
    kubelet = new FakeKubelet(cp.kubeConfig);
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    batch = cp.kubeConfig.makeApiClient(k8s.BatchV1Api);
    logDir = await mkdtemp(path.join(os.tmpdir(), 'alma-blockers-logs-'));
  });
  after(async () => {
    for (const c of controllers) await c.stop();
  });

  async function fetchingRestore(prefix: string) {
    const ns = await cp.newNamespace(prefix);
    await createRestoreSecrets(cp.kubeConfig, ns);
    controllers.push(
      await startController({
        kubeconfigPath: cp.kubeconfigPath,
        namespace: ns,
        args: [`--pod-blocked-timeout=${GRACE}`],
        logDir,
        name: prefix,
      }),
    );
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('b1'));
    await restores.waitForPhase('b1', 'Provisioning');
    return { ns, restores };
  }

  async function warnings(ns: string) {
    const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=b1' });
    return list.items.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`);
  }

  /** Waits (<= 30 s) until status and Events show the blocker; returns the restore as it was then. */
  async function shown(
    ns: string,
    restores: RestoreClient,
    reason: string,
    check: (r: AlmaRestore) => boolean,
  ) {
    const started = Date.now();
    let last: AlmaRestore | undefined;
    let events: string[] = [];
    await waitFor(
      `status and a Warning Event to show ${reason} (last: ${last?.status?.progressMessage} / ${events.join(' | ')})`,
      async () => {
        last = await restores.get('b1');
        events = await warnings(ns);
        return check(last) && events.some((e) => e.startsWith(`${reason}: `) && /pod b1-/.test(e));
      },
      30_000,
    );
    return { restore: last!, seconds: (Date.now() - started) / 1000 };
  }

  const waitingState = (reason: string, message: string) => (pod: k8s.V1Pod) => ({
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: new Date() }],
    containerStatuses: [
      {
        name: pod.spec!.containers[0]!.name,
        image: pod.spec!.containers[0]!.image!,
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason, message } },
      },
    ],
  });

  async function provision(ns: string) {
    await kubelet.bindClaim(ns, 'b1-staging');
    await kubelet.markStatefulSetReady(ns, 'b1-db');
  }

  for (const [reason, message] of [
    ['ErrImageNeverPull', 'Container image "runner:test" is not present with pull policy of Never'],
    ['ImagePullBackOff', 'Back-off pulling image "runner:test"'],
    ['CreateContainerConfigError', "couldn't find key password in Secret b1/oracle-admin"],
  ] as const) {
    it(`shows a fetch pod stuck in ${reason} within 30 s and fails the step with it after the grace`, async () => {
      const { ns, restores } = await fetchingRestore(reason.toLowerCase().slice(0, 12));
      await provision(ns);
      await restores.waitForPhase('b1', 'Fetching');
      await kubelet.setPodStatus(ns, 'job-name=b1-fetch-1', waitingState(reason, message));
      const { restore } = await shown(ns, restores, reason, (r) => r.status?.steps?.fetch?.reason === reason);
      assert.equal(restore.status?.phase, 'Fetching', 'shown, not yet failed');
      assert.match(
        restore.status!.steps!.fetch!.message!,
        new RegExp(`^pod b1-fetch-1-\\w+: ${reason}: container fetch: `),
      );
      const cond = restore.status?.conditions?.find((c) => c.type === 'FetchSucceeded');
      assert.equal(cond?.status, 'Unknown');
      assert.equal(cond?.reason, reason);

      const failed = await restores.waitForPhase('b1', 'Failed', 40_000);
      assert.equal(failed.status?.failedStep, 'fetch');
      assert.equal(failed.status?.steps?.fetch?.reason, reason);
      assert.match(failed.status!.steps!.fetch!.message!, /blocked for \d+s, limit 20s/);
      assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, reason);
      await waitFor('the blocked Job to be deleted', async () => {
        const job = await batch
          .readNamespacedJob({ namespace: ns, name: 'b1-fetch-1' })
          .catch(() => undefined);
        return !job || !!job.metadata?.deletionTimestamp;
      });
    });
  }

  it('names OOMKilled when the step is killed by its memory limit', async () => {
    const { ns, restores } = await fetchingRestore('oom');
    await provision(ns);
    await restores.waitForPhase('b1', 'Fetching');
    await kubelet.setPodStatus(ns, 'job-name=b1-fetch-1', (pod) => ({
      phase: 'Failed',
      containerStatuses: [
        {
          name: 'fetch',
          image: pod.spec!.containers[0]!.image!,
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date() } },
        },
      ],
    }));
    const started = Date.now();
    const failed = await restores.waitForPhase('b1', 'Failed', 30_000);
    assert.ok(Date.now() - started < 30_000);
    assert.equal(failed.status?.steps?.fetch?.reason, 'OOMKilled');
    assert.match(failed.status!.steps!.fetch!.message!, /killed by its memory limit/);
    assert.ok((await warnings(ns)).some((e) => e.startsWith('OOMKilled: fetch: ')));
  });

  it('shows an unschedulable step pod and fails on it after the grace', async () => {
    const { ns, restores } = await fetchingRestore('unsched');
    await provision(ns);
    await restores.waitForPhase('b1', 'Fetching');
    await kubelet.setPodStatus(ns, 'job-name=b1-fetch-1', () => ({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: 1 Insufficient memory.',
          lastTransitionTime: new Date(),
        },
      ],
    }));
    await shown(ns, restores, 'Unschedulable', (r) => r.status?.steps?.fetch?.reason === 'Unschedulable');
    const failed = await restores.waitForPhase('b1', 'Failed', 40_000);
    assert.equal(failed.status?.steps?.fetch?.reason, 'Unschedulable');
    assert.match(failed.status!.steps!.fetch!.message!, /Insufficient memory/);
  });

  it('shows the managed database pod stuck on its image pull and fails provisioning after the grace', async () => {
    const { ns, restores } = await fetchingRestore('dbpull');
    await kubelet.bindClaim(ns, 'b1-staging');
    // What the StatefulSet controller would create (the test control plane runs none).
    const sts = await waitForValue('the database StatefulSet b1-db to be created', () =>
      cp.kubeConfig.makeApiClient(k8s.AppsV1Api).readNamespacedStatefulSet({ namespace: ns, name: 'b1-db' }),
    );
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'b1-db-0', labels: sts.spec!.template.metadata!.labels },
        spec: {
          ...sts.spec!.template.spec!,
          // The StatefulSet controller adds a volume per claim template.
          volumes: [
            ...(sts.spec!.template.spec!.volumes ?? []),
            ...sts.spec!.volumeClaimTemplates!.map((t) => ({
              name: t.metadata!.name!,
              persistentVolumeClaim: { claimName: `${t.metadata!.name!}-b1-db-0` },
            })),
          ],
        },
      },
    });
    await kubelet.setPodStatus(
      ns,
      'almarestore.io/restore=b1,app.kubernetes.io/component=database',
      waitingState(
        'ImagePullBackOff',
        'Back-off pulling image "container-registry.oracle.com/database/enterprise:19.3.0.0"',
      ),
    );
    const { restore } = await shown(ns, restores, 'ImagePullBackOff', (r) =>
      /database b1-db cannot start: pod b1-db-0: ImagePullBackOff/.test(r.status?.progressMessage ?? ''),
    );
    assert.equal(
      restore.status?.conditions?.find((c) => c.type === 'Provisioned')?.reason,
      'ImagePullBackOff',
    );
    const failed = await restores.waitForPhase('b1', 'Failed', 40_000);
    assert.equal(failed.status?.failedStep, 'provision');
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'ImagePullBackOff');
  });
});
