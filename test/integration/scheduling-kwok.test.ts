// The real kube-scheduler places the operator's pods on fake nodes that kwok runs. Proof that the
// harness's scheduler + kwok half works, and that with a ReadWriteOnce staging volume each step
// pod follows the managed database pod to its node (stepAffinity): only a real scheduler shows it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { resolveAlmaRestore } from '../../src/api/defaults.js';
import { planSizing } from '../../src/api/sizing.js';
import type { AlmaRestore } from '../../src/api/types.js';
import { validateAlmaRestore } from '../../src/api/validation.js';
import { desiredResources } from '../../src/resources/index.js';
import { sharedControlPlane, waitFor, type ControlPlane } from '../support/control-plane.js';
import { bindClaim, KWOK_SCHEDULER, startFakeNodes, type FakeNodes } from '../support/kwok.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('scheduling with kube-scheduler and kwok', () => {
  let cp: ControlPlane;
  let nodes: FakeNodes;
  let namespace: string;
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  const prefix = `kwok-${process.pid}`;
  // The large node is where the scheduler puts a pod that is free to go anywhere (most room left).
  const LARGE = `${prefix}-large`;
  const SMALL = `${prefix}-small`;

  // kwok runs a Job's pod to completion and it may be gone within milliseconds of being bound,
  // so placements are recorded from a watch rather than by polling.
  const placements = new Map<string, string>(); // Job name -> node of its pod
  let stopWatch: AbortController | undefined;
  const volumes: string[] = []; // cluster-scoped: deleted at the end

  before(async () => {
    cp = await sharedControlPlane();
    nodes = await startFakeNodes(cp, [
      { name: LARGE, cpu: '64', memory: '256Gi' },
      { name: SMALL, cpu: '8', memory: '32Gi' },
    ]);
    namespace = await cp.newNamespace('kwok');
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    batch = cp.kubeConfig.makeApiClient(k8s.BatchV1Api);
    stopWatch = await new k8s.Watch(cp.kubeConfig).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      (_type: string, pod: k8s.V1Pod) => {
        const job = pod.metadata?.labels?.['job-name'];
        if (job && pod.spec?.nodeName) placements.set(job, pod.spec.nodeName);
      },
      () => undefined,
    );
  });
  after(async () => {
    stopWatch?.abort();
    await nodes?.stop();
    for (const name of volumes) await core.deletePersistentVolume({ name }).catch(() => undefined);
  });

  async function nodeOfJobPod(name: string): Promise<string> {
    await waitFor(`the pod of Job ${name} to be scheduled`, async () => placements.has(name));
    return placements.get(name)!;
  }

  it('places a Job pod on a fake node and kwok runs it to completion', async () => {
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'proof' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              schedulerName: KWOK_SCHEDULER,
              restartPolicy: 'Never',
              containers: [
                { name: 'c', image: 'example.invalid/none', resources: { requests: { cpu: '1' } } },
              ],
            },
          },
        },
      },
    });
    assert.ok(nodes.names.includes(await nodeOfJobPod('proof')));
    await waitFor('Job proof to complete', async () => {
      const job = await batch.readNamespacedJob({ namespace, name: 'proof' });
      return !!job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
    });
  });

  it('puts a step pod on the managed database pod’s node when staging is ReadWriteOnce', async () => {
    const doc = YAML.parse(
      readFileSync(path.join(ROOT, 'manifests/examples/almarestore-managed.yaml'), 'utf8'),
    ) as AlmaRestore;
    doc.metadata.namespace = namespace;
    doc.spec.storage = { ...doc.spec.storage, stagingAccessMode: 'ReadWriteOnce' };
    const verdict = validateAlmaRestore(doc);
    assert.ok(verdict.ok);
    const restore = resolveAlmaRestore(verdict.defaulted, { runnerImage: 'example.invalid/runner:1' });
    const built = desiredResources(restore, planSizing(restore.spec));

    // The claims the database pod and the step pods mount, bound as a provisioner would.
    const claims: k8s.V1PersistentVolumeClaim[] = [
      built.stagingPvc!,
      ...built.databaseStatefulSet!.spec!.volumeClaimTemplates!.map((t) => ({
        ...t,
        metadata: { name: `${t.metadata!.name}-${built.databaseStatefulSet!.metadata!.name}-0` },
      })),
    ];
    for (const claim of claims) {
      await core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: { ...claim, metadata: { name: claim.metadata!.name!, namespace } },
      });
      volumes.push(await bindClaim(cp, namespace, claim.metadata!.name!));
    }

    // The database pod as the StatefulSet controller (not run here) would create it, pinned to
    // the small node: the scheduler's scoring alone would send a step pod to the large one.
    const sts = built.databaseStatefulSet!;
    const template = sts.spec!.template;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: `${sts.metadata!.name}-0`, labels: template.metadata!.labels! },
        spec: {
          ...template.spec!,
          schedulerName: KWOK_SCHEDULER,
          nodeSelector: { 'kubernetes.io/hostname': SMALL },
          volumes: [
            ...(template.spec!.volumes ?? []),
            ...sts.spec!.volumeClaimTemplates!.map((t) => ({
              name: t.metadata!.name!,
              persistentVolumeClaim: { claimName: `${t.metadata!.name}-${sts.metadata!.name}-0` },
            })),
          ],
        },
      },
    });
    await waitFor('the database pod to be scheduled', async () => {
      const pod = await core.readNamespacedPod({ namespace, name: `${sts.metadata!.name}-0` });
      return pod.spec?.nodeName === SMALL;
    });

    const onKwok = (job: k8s.V1Job): k8s.V1Job => {
      job.spec!.template.spec!.schedulerName = KWOK_SCHEDULER;
      return job;
    };
    const fetchJob = onKwok(built.job('fetch', 1));
    assert.ok(fetchJob.spec!.template.spec!.affinity?.podAffinity, 'the step Job asks for podAffinity');
    await batch.createNamespacedJob({ namespace, body: fetchJob });
    assert.equal(await nodeOfJobPod(fetchJob.metadata!.name!), SMALL);

    // Control: the same pod without the affinity goes to the large node, so the placement above
    // is the affinity's doing.
    const free = onKwok(built.job('prepare', 1));
    delete free.spec!.template.spec!.affinity;
    await batch.createNamespacedJob({ namespace, body: free });
    assert.equal(await nodeOfJobPod(free.metadata!.name!), LARGE);
  });
});
