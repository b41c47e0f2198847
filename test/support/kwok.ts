// kube-scheduler and kwok on the test control plane. Pods that name the scheduler KWOK_SCHEDULER
// are placed by the real kube-scheduler (resources, affinity, taints, volumes) onto fake Nodes
// that kwok keeps Ready, and kwok then runs them to completion with its built-in stages. Pods
// that name no scheduler stay Pending for the fake kubelet (test/support/fake-kubelet.ts), which
// writes the termination messages that kwok cannot: the two never handle the same pod.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { freePort, httpsOk, waitFor, type ControlPlane } from './control-plane.js';
import { startManagedProcess, type ManagedProcess } from './processes.js';

export const KWOK_SCHEDULER = 'alma-test-kwok';
const NODE_GROUP_LABEL = 'alma-test/kwok-group';
const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

export interface FakeNodeSpec {
  name: string;
  cpu: string;
  memory: string;
}

export interface FakeNodes {
  names: string[];
  stop(): Promise<void>;
}

function schedulerConfig(kubeconfig: string): string {
  return [
    'apiVersion: kubescheduler.config.k8s.io/v1',
    'kind: KubeSchedulerConfiguration',
    `clientConnection: { kubeconfig: ${JSON.stringify(kubeconfig)} }`,
    'leaderElection: { leaderElect: false }',
    `profiles: [{ schedulerName: ${KWOK_SCHEDULER} }]`,
    '',
  ].join('\n');
}

/** Starts kube-scheduler (one profile: KWOK_SCHEDULER) and kwok, and registers `nodes` as Ready Nodes. */
export async function startFakeNodes(cp: ControlPlane, nodes: FakeNodeSpec[]): Promise<FakeNodes> {
  const group = `g${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const kubeconfig = cp.kubeconfigPath;
  const logFile = (name: string) => path.join(cp.info.dir, `${name}-${group}.log`);
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const p of processes.reverse()) await p.stop();
    for (const n of nodes) await core.deleteNode({ name: n.name }).catch(() => undefined);
  };
  try {
    const configFile = path.join(cp.info.dir, `kube-scheduler-${group}.yaml`);
    await writeFile(configFile, schedulerConfig(kubeconfig));
    const schedulerPort = await freePort();
    processes.push(
      await startManagedProcess({
        name: 'kube-scheduler',
        command: path.join(cp.binDir, 'kube-scheduler'),
        args: [
          `--config=${configFile}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${schedulerPort}`,
        ],
        logFile: logFile('kube-scheduler'),
        ready: () => httpsOk(`https://127.0.0.1:${schedulerPort}/healthz`),
      }),
    );
    const kwokPort = await freePort();
    processes.push(
      await startManagedProcess({
        name: 'kwok',
        command: path.join(cp.binDir, 'kwok'),
        args: [
          `--kubeconfig=${kubeconfig}`,
          `--manage-nodes-with-label-selector=${NODE_GROUP_LABEL}=${group}`,
          `--server-address=127.0.0.1:${kwokPort}`,
        ],
        logFile: logFile('kwok'),
        ready: async () => (await fetch(`http://127.0.0.1:${kwokPort}/healthz`)).ok,
      }),
    );
    for (const n of nodes) {
      const capacity = { cpu: n.cpu, memory: n.memory, pods: '110' };
      await core.createNode({
        body: {
          metadata: {
            name: n.name,
            labels: { 'kubernetes.io/hostname': n.name, [NODE_GROUP_LABEL]: group },
            annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          },
          status: { capacity, allocatable: capacity },
        },
      });
    }
    // The API server taints a new Node not-ready; the node lifecycle controller (not run here)
    // lifts the taint once the node reports Ready, so the harness does that for kwok's nodes.
    for (const n of nodes) {
      await waitFor(`kwok to report node ${n.name} Ready`, async () => {
        const node = await core.readNode({ name: n.name });
        return !!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      });
      const node = await core.readNode({ name: n.name });
      node.spec = {
        ...node.spec,
        taints: (node.spec?.taints ?? []).filter((t) => t.key !== NOT_READY_TAINT),
      };
      await core.replaceNode({ name: n.name, body: node });
    }
    return { names: nodes.map((n) => n.name), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * What a provisioner and the PV controller (not run here) would do for a claim: a PersistentVolume
 * bound to it, and the claim marked Bound, so that the scheduler's volume binding accepts pods
 * that mount it. Returns the volume's name (cluster-scoped: the caller deletes it).
 */
export async function bindClaim(cp: ControlPlane, namespace: string, claimName: string): Promise<string> {
  const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const claim = await core.readNamespacedPersistentVolumeClaim({ namespace, name: claimName });
  const volumeName = `pv-${claim.metadata!.uid}`;
  const capacity = { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' };
  const accessModes = claim.spec?.accessModes ?? ['ReadWriteOnce'];
  await core.createPersistentVolume({
    body: {
      metadata: { name: volumeName },
      spec: {
        capacity,
        accessModes,
        ...(claim.spec?.storageClassName ? { storageClassName: claim.spec.storageClassName } : {}),
        hostPath: { path: `/tmp/${volumeName}` },
        claimRef: { namespace, name: claimName, uid: claim.metadata!.uid! },
      },
    },
  });
  claim.spec = { ...claim.spec, volumeName };
  claim.metadata!.annotations = { ...claim.metadata!.annotations, 'pv.kubernetes.io/bind-completed': 'yes' };
  const updated = await core.replaceNamespacedPersistentVolumeClaim({
    namespace,
    name: claimName,
    body: claim,
  });
  updated.status = { phase: 'Bound', capacity, accessModes };
  await core.replaceNamespacedPersistentVolumeClaimStatus({ namespace, name: claimName, body: updated });
  return volumeName;
}
