// A real node started by a process of its own, for the test that SIGKILLs that process and then
// checks the cleaner removed everything: writes <state>/run-dir once it holds the real-node lock
// (another run may hold it first), starts the cluster with the pause image, runs one pod (so
// there are mounts, a netns, a veth and iptables chains), writes <state>/ready, then waits to be
// killed.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from './control-plane.js';
import { startRealCluster } from './real-node.js';

const [stateDir, pauseRef, pauseArchive] = process.argv.slice(2) as [string, string, string];
const cluster = await startRealCluster({
  pauseImage: { ref: pauseRef, archive: pauseArchive },
  onLockHeld: (runDir) => writeFileSync(path.join(stateDir, 'run-dir'), runDir),
});
const core = cluster.cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
// Retried: the ServiceAccount admission refuses pods until the default ServiceAccount exists.
await waitFor('the pod to be created', async () => {
  await core.createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name: 'sleeper' },
      spec: {
        containers: [{ name: 'pause', image: pauseRef, imagePullPolicy: 'Never' }],
        volumes: [{ name: 'scratch', emptyDir: { medium: 'Memory' } }],
      },
    },
  });
  return true;
});
await waitFor(
  'the pod to run',
  async () => {
    const pod = await core.readNamespacedPod({ namespace: 'default', name: 'sleeper' });
    return pod.status?.phase === 'Running';
  },
  120_000,
);
writeFileSync(path.join(stateDir, 'ready'), 'ready\n');
setInterval(() => undefined, 1 << 30);
