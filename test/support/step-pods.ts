// Step pods as the Job controller and a kubelet would leave them, for the CLI tests: a pod with
// the Job's `job-name` label, bound to a node, whose status is written as the kubelet writes it.
import * as k8s from '@kubernetes/client-node';
import { waitForValue } from './control-plane.js';

export async function createStepPod(
  core: k8s.CoreV1Api,
  namespace: string,
  pod: { name: string; jobName: string; container: string; nodeName: string },
  status: k8s.V1PodStatus,
): Promise<void> {
  // The ServiceAccount controller creates "default" shortly after the namespace.
  await waitForValue(`pod ${pod.name} to be created (the namespace's default ServiceAccount)`, () =>
    core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: pod.name, labels: { 'job-name': pod.jobName } },
        spec: {
          nodeName: pod.nodeName,
          automountServiceAccountToken: false,
          containers: [{ name: pod.container, image: 'runner:test' }],
        },
      },
    }),
  );
  await setPodStatus(core, namespace, pod.name, status);
}

export async function setPodStatus(
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
  status: k8s.V1PodStatus,
): Promise<void> {
  await core.patchNamespacedPodStatus(
    { namespace, name, body: { status } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

/** The status of a pod whose one container runs (since `startedAt`). */
export function runningStatus(container: string, startedAt = new Date()): k8s.V1PodStatus {
  return {
    phase: 'Running',
    containerStatuses: [
      {
        name: container,
        image: 'runner:test',
        imageID: '',
        ready: true,
        restartCount: 0,
        state: { running: { startedAt } },
      },
    ],
  };
}

/** The status of a pod whose one container has exited with `exitCode`. */
export function terminatedStatus(container: string, exitCode: number, reason: string): k8s.V1PodStatus {
  return {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    containerStatuses: [
      {
        name: container,
        image: 'runner:test',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason } },
      },
    ],
  };
}
