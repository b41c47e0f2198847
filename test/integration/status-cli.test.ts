// `alma-restore status` and the kubectl plugin's entry point (src/kubectl-alma.ts, run as kubectl
// runs it; cli-package.test.ts runs it through a real kubectl) against the real API server:
// restores written through the status subresource in a few states, a step pod whose status is
// written as a kubelet would, and Events on the restore. `logs` is shown here up to the point where
// the kubelet would serve the log; logs-follow.test.ts follows one through a stand-in kubelet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { AlmaRestore, AlmaRestoreStatus } from '../../src/api/types.js';
import { sharedControlPlane, type ControlPlane } from '../support/control-plane.js';
import { RestoreClient, existingRestore } from '../support/restores.js';
import { hostKeyRejectedStatus } from '../support/restore-status.js';
import { createStepPod } from '../support/step-pods.js';
import { cliArgs } from '../support/cli-entry.js';

describe('status and logs against the API server', () => {
  let cp: ControlPlane;
  let ns: string;
  let core: k8s.CoreV1Api;

  function cli(entry: 'cli' | 'kubectl-alma', args: string[], env: NodeJS.ProcessEnv = {}) {
    const r = spawnSync(process.execPath, [...cliArgs(entry), ...args], {
      env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, TZ: 'UTC', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  const restoreIn = (name: string, status: AlmaRestoreStatus) =>
    new RestoreClient(cp.kubeConfig, ns).createWithStatus(existingRestore(name), status);

  const stepPod = (name: string, jobName: string, container: string, status: k8s.V1PodStatus) =>
    createStepPod(core, ns, { name, jobName, container, nodeName: 'node-a' }, status);

  async function event(restore: AlmaRestore, reason: string, type: string, message: string, at: Date) {
    await core.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { name: `${restore.metadata.name}.${reason.toLowerCase()}${at.getTime()}` },
        involvedObject: {
          apiVersion: restore.apiVersion,
          kind: restore.kind,
          name: restore.metadata.name,
          namespace: ns,
          uid: restore.metadata.uid,
        },
        type,
        reason,
        message,
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
        source: { component: 'alma-restore-operator' },
      },
    });
  }

  before(async () => {
    cp = await sharedControlPlane();
    ns = await cp.newNamespace('status');
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const started = new Date(Date.now() - 2 * 3600_000);
    const importing = await restoreIn('q3-importing', {
      phase: 'Importing',
      progress: 65,
      progressMessage: 'Importing: Data Pump reports 50% done',
      startTime: started.toISOString(),
      plan: {
        totalBibRecords: 1_000_000,
        institutionIds: '3978',
        stagingSize: '71Gi',
        stagingBytes: 71 * 2 ** 30,
        databaseSize: '80Gi',
        databaseBytes: 80 * 2 ** 30,
        institutions: [
          {
            institutionId: '3978',
            bibRecords: 1_000_000,
            schema: 'EXL_ADMIN',
            tablespace: 'USERS',
            tablespaceSize: '80Gi',
            tablespaceBytes: 80 * 2 ** 30,
          },
        ],
      },
      steps: {
        fetch: {
          phase: 'Succeeded',
          jobName: 'q3-importing-fetch-1',
          attempt: 1,
          reason: 'Fetched',
          message: 'fetched',
        },
        import: {
          phase: 'Running',
          jobName: 'q3-importing-import-1',
          attempt: 1,
          startTime: started.toISOString(),
        },
      },
      tablespaces: [
        {
          institutionId: '3978',
          tablespace: 'USERS',
          usedRatio: 0.9,
          usedBytes: 9,
          allocatedBytes: 10,
          maxBytes: 10,
        },
      ],
    });
    await stepPod('q3-importing-import-1-x1', 'q3-importing-import-1', 'import', {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'import',
          image: 'runner:test',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: started } },
        },
      ],
    });
    await event(
      importing,
      'StepStarted',
      'Normal',
      'import: Job q3-importing-import-1 started (attempt 1)',
      started,
    );

    const failed = await restoreIn('q3-failed', hostKeyRejectedStatus('q3-failed'));
    await stepPod('q3-failed-fetch-1-y1', 'q3-failed-fetch-1', 'fetch', {
      phase: 'Failed',
      containerStatuses: [
        {
          name: 'fetch',
          image: 'runner:test',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 14, reason: 'Error' } },
        },
      ],
    });
    await event(
      failed,
      'StepFailed',
      'Warning',
      'fetch: SFTP host key for sftp.example.edu:22 does not match',
      new Date(),
    );

    await restoreIn('q3-pending-pod', {
      phase: 'Fetching',
      progress: 10,
      steps: { fetch: { phase: 'Running', jobName: 'q3-pending-pod-fetch-1', attempt: 1 } },
    });
    await stepPod('q3-pending-pod-fetch-1-z1', 'q3-pending-pod-fetch-1', 'fetch', {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'fetch',
          image: 'runner:test',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    });
  });

  it('status of an importing restore: step, pod, bar, ETA, plan, tablespaces, events, commands', () => {
    const r = cli('cli', ['status', 'q3-importing', '-n', ns]);
    assert.equal(r.code, 0, r.stderr);
    const t = r.stdout;
    assert.match(
      t,
      new RegExp(
        `^AlmaRestore ${ns}/q3-importing\\nPhase: {5}Importing\\nStep: {6}import \\(attempt 1\\), Running for 2h`,
      ),
    );
    assert.match(t, /\nPod: {7}q3-importing-import-1-x1: Running: running since .* on node-a\n/);
    assert.match(
      t,
      /\nProgress: {2}\[#{20}-{10}\] {2}65%\nETA: {7}2h \(estimated from the progress so far\)\n/,
    );
    assert.match(t, /\n {2}institution 3978: schema EXL_ADMIN, tablespace USERS 80Gi\n/);
    assert.match(t, /\n {2}USERS .* 90% {2}above the 85% line\n/);
    assert.match(
      t,
      /\n {2}2h {3}Normal {2}StepStarted {2}import: Job q3-importing-import-1 started \(attempt 1\)\n/,
    );
    assert.match(
      t,
      new RegExp(`\\n {2}logs: {6}kubectl logs -n ${ns} job/q3-importing-import-1 -c import -f`),
    );
    assert.doesNotMatch(t, /retry:/);
  });

  it('kubectl alma status of a failed restore: the failure, the pod exit code and the retry command', () => {
    const r = cli('kubectl-alma', ['status', 'q3-failed', '-n', ns]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\nPod: {7}q3-failed-fetch-1-y1: Failed: terminated \(Error, exit code 14\) on node-a\n/,
    );
    assert.match(
      r.stdout,
      /\nFailed: {4}fetch: HostKeyRejected\n {11}SFTP host key for sftp\.example\.edu:22 does not match the pinned SHA256:abc\n/,
    );
    assert.match(r.stdout, /StepFailed {2}fetch: SFTP host key/);
    assert.match(
      r.stdout,
      new RegExp(
        `\\n {2}retry: {5}kubectl annotate almarestore q3-failed -n ${ns} almarestore\\.io/retry="\\$\\(date \\+%s\\)" --overwrite\\n`,
      ),
    );
  });

  it('-o json and -o yaml give the same view as data; the namespace comes from the context when -n is absent', async () => {
    const json = cli('cli', ['status', 'q3-failed', '-n', ns, '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const view = JSON.parse(json.stdout) as {
      phase: string;
      currentStep: string;
      pod: { state: string };
      events: unknown[];
    };
    assert.equal(view.phase, 'Failed');
    assert.equal(view.currentStep, 'fetch');
    assert.equal(view.pod.state, 'Failed: terminated (Error, exit code 14)');
    assert.equal(view.events.length, 1);
    const yaml = cli('kubectl-alma', ['status', 'q3-failed', '-n', ns, '-o', 'yaml']);
    assert.deepEqual(YAML.parse(yaml.stdout), view);
    // A kubeconfig whose context names the namespace, as `kubectl config set-context --current --namespace` makes.
    const kc = YAML.parse((await import('node:fs')).readFileSync(cp.kubeconfigPath, 'utf8')) as {
      contexts: { context: { namespace?: string } }[];
    };
    kc.contexts[0]!.context.namespace = ns;
    const file = path.join(path.dirname(cp.kubeconfigPath), `kubeconfig-ns-${process.pid}`);
    (await import('node:fs')).writeFileSync(file, YAML.stringify(kc));
    const ctx = cli('cli', ['status', 'q3-failed', '-o', 'json', '--kubeconfig', file], { KUBECONFIG: '' });
    assert.equal(ctx.code, 0, ctx.stderr);
    assert.equal((JSON.parse(ctx.stdout) as { namespace: string }).namespace, ns);
  });

  it('a restore that does not exist, or a user who may not read it, gets one sentence and exit 1', async () => {
    const r = cli('cli', ['status', 'nope', '-n', ns]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `alma-restore: no AlmaRestore "nope" in namespace ${ns}: kubectl get almarestores -n ${ns} lists them (-A for all namespaces)`,
    );
    const nobody = await cp.mintUser('status-nobody');
    const f = cli('kubectl-alma', ['status', 'q3-failed', '-n', ns], { KUBECONFIG: nobody });
    assert.equal(f.code, 1);
    assert.match(
      f.stderr,
      /^kubectl alma: the API server https:\/\/127\.0\.0\.1:\d+ forbids reading almarestores\/q3-failed/,
    );
  });

  it('logs: a pod still being created has no log yet; a restore without a step pod says where to look', () => {
    const pending = cli('cli', ['logs', 'q3-pending-pod', '-n', ns, '--no-follow']);
    assert.equal(pending.code, 1);
    assert.equal(
      pending.stderr.trim(),
      'alma-restore: pod q3-pending-pod-fetch-1-z1 is Pending (ContainerCreating): no log yet; run without --no-follow to wait for it',
    );
    const none = cli('kubectl-alma', ['logs', 'q3-importing', '-n', ns, '--step', 'verify']);
    assert.equal(none.code, 1);
    assert.equal(
      none.stderr.trim(),
      `kubectl alma: ${ns}/q3-importing has no verify step pod yet (phase Importing): kubectl alma status q3-importing -n ${ns} says what it waits for`,
    );
  });
});
