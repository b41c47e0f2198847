import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { decideBlocker, newestPod, podBlocker } from '../../src/controller/pod-blockers.js';

const CREATED = new Date('2026-12-01T10:00:00Z');
const SCHEDULED = new Date('2026-12-01T10:00:05Z');

function pod(status: k8s.V1PodStatus, restartPolicy = 'Never', name = 'q3-fetch-1-abcde'): k8s.V1Pod {
  return {
    metadata: { name, uid: 'u1', creationTimestamp: CREATED },
    spec: { restartPolicy, containers: [{ name: 'fetch' }] },
    status,
  };
}

const scheduled: k8s.V1PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: SCHEDULED };

function waiting(reason: string, message?: string): k8s.V1PodStatus {
  return {
    phase: 'Pending',
    conditions: [scheduled],
    containerStatuses: [
      {
        name: 'fetch',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason, message } },
      },
    ],
  };
}

describe('pod blockers', () => {
  for (const reason of [
    'ErrImageNeverPull',
    'ErrImagePull',
    'ImagePullBackOff',
    'CreateContainerConfigError',
  ]) {
    it(`classifies a container waiting in ${reason}, since the pod was scheduled`, () => {
      const b = podBlocker(pod(waiting(reason, `kubelet says ${reason}`)));
      assert.equal(b?.reason, reason);
      assert.equal(b?.pod, 'q3-fetch-1-abcde');
      assert.equal(b?.message, `container fetch: kubelet says ${reason}`);
      assert.deepEqual(b?.since, SCHEDULED);
      assert.equal(b?.terminal, false);
    });
  }

  it('does not call a starting or running pod blocked', () => {
    assert.equal(podBlocker(pod(waiting('ContainerCreating'))), undefined);
    assert.equal(podBlocker(pod(waiting('PodInitializing'))), undefined);
    assert.equal(podBlocker(pod({ phase: 'Pending' })), undefined);
    const running = waiting('x');
    running.phase = 'Running';
    running.containerStatuses![0]!.state = { running: { startedAt: SCHEDULED } };
    assert.equal(podBlocker(pod(running)), undefined);
  });

  it('classifies an unschedulable pod with the scheduler message', () => {
    const b = podBlocker(
      pod({
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient memory.',
            lastTransitionTime: SCHEDULED,
          },
        ],
      }),
    );
    assert.equal(b?.reason, 'Unschedulable');
    assert.match(b!.message, /Insufficient memory/);
    assert.deepEqual(b?.since, SCHEDULED);
  });

  it('calls an OOMKilled container of a Never-restart pod terminal, and of a restarting pod not', () => {
    const status = (state: k8s.V1ContainerState, lastState?: k8s.V1ContainerState): k8s.V1PodStatus => ({
      phase: 'Failed',
      conditions: [scheduled],
      containerStatuses: [
        { name: 'fetch', image: 'x', imageID: '', ready: false, restartCount: 1, state, lastState },
      ],
    });
    const killed = {
      terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: new Date('2026-12-01T10:01:00Z') },
    };
    const b = podBlocker(pod(status(killed)));
    assert.equal(b?.reason, 'OOMKilled');
    assert.equal(b?.terminal, true);
    assert.match(b!.message, /memory limit.*137/);
    const restarting = podBlocker(pod(status({ waiting: { reason: 'CrashLoopBackOff' } }, killed), 'Always'));
    assert.equal(restarting?.reason, 'OOMKilled');
    assert.equal(restarting?.terminal, false);
    // A normal failure is the step's own business (its termination message), not a blocker.
    assert.equal(podBlocker(pod(status({ terminated: { reason: 'Error', exitCode: 1 } }))), undefined);
  });

  it('finds a volume the kubelet cannot mount from the pod Warning Events, only before containers exist', () => {
    const event = (reason: string, type: string, at: string): k8s.CoreV1Event => ({
      metadata: {},
      involvedObject: {},
      reason,
      type,
      message: `${reason}: MountVolume.SetUp failed for volume "db-admin" : secret "db" not found`,
      firstTimestamp: new Date(at),
      lastTimestamp: new Date(at),
    });
    const p = pod(waiting('ContainerCreating'));
    const b = podBlocker(p, [
      event('Scheduled', 'Normal', '2026-12-01T10:00:05Z'),
      event('FailedMount', 'Warning', '2026-12-01T10:00:07Z'),
      event('FailedMount', 'Warning', '2026-12-01T10:00:40Z'),
    ]);
    assert.equal(b?.reason, 'FailedMount');
    assert.match(b!.message, /secret "db" not found/);
    assert.deepEqual(b?.since, new Date('2026-12-01T10:00:07Z'));
    assert.equal(podBlocker(p, [event('Pulled', 'Normal', '2026-12-01T10:00:07Z')]), undefined);
  });

  it('reports a blocker at first and fails it once it outlasts the grace (or at once when terminal)', () => {
    const b = podBlocker(pod(waiting('ErrImageNeverPull', 'image not present')))!;
    const early = decideBlocker(b, new Date(SCHEDULED.getTime() + 10_000), 60_000);
    assert.equal(early.action, 'report');
    assert.equal(early.reason, 'ErrImageNeverPull');
    assert.match(
      early.message,
      /^pod q3-fetch-1-abcde: ErrImageNeverPull: container fetch: image not present$/,
    );
    assert.ok(early.action === 'report' && early.recheckAfterMs > 49_000 && early.recheckAfterMs <= 60_000);
    const late = decideBlocker(b, new Date(SCHEDULED.getTime() + 60_000), 60_000);
    assert.equal(late.action, 'fail');
    assert.match(late.message, /blocked for 60s, limit 60s/);
    assert.equal(decideBlocker({ ...b, terminal: true }, SCHEDULED, 60_000).action, 'fail');
  });

  it('picks the newest pod that is not being deleted', () => {
    const older = pod({}, 'Never', 'a');
    const newer = { ...pod({}, 'Never', 'b'), metadata: { name: 'b', creationTimestamp: SCHEDULED } };
    const deleting = {
      ...pod({}, 'Never', 'c'),
      metadata: { name: 'c', creationTimestamp: new Date(), deletionTimestamp: new Date() },
    };
    assert.equal(newestPod([newer, deleting, older])?.metadata?.name, 'b');
    assert.equal(podBlocker({ ...deleting, status: waiting('ErrImagePull') }), undefined);
  });
});
