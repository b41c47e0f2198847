// What a kubelet and the storage/StatefulSet controllers would do, done by the test through the
// real API server: the real job controller (kube-controller-manager) creates a step Job's pod,
// the test "runs" it by writing the pod's status (phase + terminated container with the
// termination message), and the job controller then marks the Job Complete or Failed itself.
import * as k8s from '@kubernetes/client-node';
import { waitFor, waitForValue } from './control-plane.js';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class FakeKubelet {
  private readonly core: k8s.CoreV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly batch: k8s.BatchV1Api;

  constructor(kc: k8s.KubeConfig) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
  }

  async waitForJob(namespace: string, name: string, timeoutMs = 60_000): Promise<k8s.V1Job> {
    return waitForValue(
      `Job ${namespace}/${name}`,
      () => this.batch.readNamespacedJob({ namespace, name }),
      undefined,
      {
        timeoutMs,
      },
    );
  }

  /** Finishes the Job's pod with the given exit code and termination message; waits for the Job's verdict. */
  async finishJob(
    namespace: string,
    jobName: string,
    result: { exitCode: number; message?: string },
    timeoutMs = 60_000,
  ): Promise<k8s.V1Job> {
    await this.waitForJob(namespace, jobName, timeoutMs);
    let pod: k8s.V1Pod | undefined;
    await waitFor(
      `the job controller to create a pod for ${jobName}`,
      async () => {
        const pods = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
        pod = pods.items.find((p) => !p.metadata?.deletionTimestamp);
        return !!pod;
      },
      timeoutMs,
    );
    const now = new Date();
    const container = pod!.spec!.containers[0]!;
    await this.core.patchNamespacedPodStatus(
      {
        namespace,
        name: pod!.metadata!.name!,
        body: {
          status: {
            phase: result.exitCode === 0 ? 'Succeeded' : 'Failed',
            startTime: now,
            containerStatuses: [
              {
                name: container.name,
                image: container.image ?? 'runner',
                imageID: '',
                ready: false,
                restartCount: 0,
                state: {
                  terminated: {
                    exitCode: result.exitCode,
                    reason: result.exitCode === 0 ? 'Completed' : 'Error',
                    message: result.message,
                    startedAt: now,
                    finishedAt: now,
                  },
                },
              },
            ],
          },
        },
      },
      merge,
    );
    const verdict = result.exitCode === 0 ? 'Complete' : 'Failed';
    let job: k8s.V1Job | undefined;
    await waitFor(
      `Job ${jobName} to be ${verdict}`,
      async () => {
        job = await this.batch.readNamespacedJob({ namespace, name: jobName });
        return !!job.status?.conditions?.some((c) => c.type === verdict && c.status === 'True');
      },
      timeoutMs,
    );
    return job!;
  }

  /**
   * Writes what a kubelet or the scheduler would for a pod that is stuck (image pull, Secret,
   * OOMKilled, unschedulable): waits for the newest pod matching `labelSelector`, patches its status.
   */
  async setPodStatus(
    namespace: string,
    labelSelector: string,
    status: (pod: k8s.V1Pod) => k8s.V1PodStatus,
    timeoutMs = 60_000,
  ): Promise<k8s.V1Pod> {
    let pod: k8s.V1Pod | undefined;
    await waitFor(
      `a pod matching ${labelSelector}`,
      async () => {
        const pods = await this.core.listNamespacedPod({ namespace, labelSelector });
        pod = pods.items.find((p) => !p.metadata?.deletionTimestamp);
        return !!pod;
      },
      timeoutMs,
    );
    await this.core.patchNamespacedPodStatus(
      { namespace, name: pod!.metadata!.name!, body: { status: status(pod!) } },
      merge,
    );
    return pod!;
  }

  /** What the PV controller does when a volume is provisioned. */
  async bindClaim(namespace: string, name: string): Promise<void> {
    await waitFor(`PVC ${namespace}/${name}`, async () => {
      await this.core.patchNamespacedPersistentVolumeClaimStatus(
        { namespace, name, body: { status: { phase: 'Bound' } } },
        merge,
      );
      return true;
    });
  }

  /** A claim of the user's (e.g. an existing database's staging claim), created and bound. */
  async createBoundClaim(namespace: string, name: string, storage: string): Promise<void> {
    await this.core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
      },
    });
    await this.bindClaim(namespace, name);
  }

  /** What the StatefulSet controller reports once the database pod passes its readiness probe. */
  async markStatefulSetReady(namespace: string, name: string): Promise<void> {
    await waitFor(`StatefulSet ${namespace}/${name}`, async () => {
      await this.apps.patchNamespacedStatefulSetStatus(
        {
          namespace,
          name,
          body: {
            status: {
              replicas: 1,
              readyReplicas: 1,
              availableReplicas: 1,
              currentReplicas: 1,
              updatedReplicas: 1,
            },
          },
        },
        merge,
      );
      return true;
    });
  }
}
