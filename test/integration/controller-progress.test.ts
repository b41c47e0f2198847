// Live progress of every step in status, against the real control plane: the controller reads
// each running step's progress record from the tail of its container log, through the API
// server's pods/log (a loopback stand-in serves the kubelet's log endpoint), and shows it in
// status.steps.<step>.progress, status.progress and status.progressMessage. The lines are the
// steps' own records (the same builders the steps log). After a failure the last progress stays.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sharedControlPlane, waitFor, type ControlPlane } from '../support/control-plane.js';
import { startController, type ControllerProcess } from '../support/controller-process.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { FakeNodeLogs } from '../support/fake-node-logs.js';
import { RestoreClient, createRestoreSecrets, managedRestore, stepResult } from '../support/restores.js';
import type { AlmaRestore, StepProgress } from '../../src/api/types.js';
import { progressFields, type ProgressReport } from '../../src/contract/progress-record.js';
import { transferProgress, waitingProgress } from '../../src/steps/fetch/progress.js';
import { importProgressReport } from '../../src/steps/import/progress.js';
import type { StepName } from '../../src/contract/result.js';

const GiB = 2 ** 30;

/** One log line as the step's pino logger writes it. */
function line(report: ProgressReport, at: Date): string {
  return JSON.stringify({
    level: 'info',
    time: at.toISOString(),
    ...progressFields(report),
    msg: 'progress',
  });
}

describe('AlmaRestore controller: live progress of every step', () => {
  let cp: ControlPlane;
  let kubelet: FakeKubelet;
  let node: FakeNodeLogs;
  let logDir: string;
  const controllers: ControllerProcess[] = [];

  before(async () => {
    cp = await sharedControlPlane();
    kubelet = new FakeKubelet(cp.kubeConfig);
    node = await FakeNodeLogs.start(cp, `alma-progress-${process.pid}`);
    logDir = await mkdtemp(path.join(os.tmpdir(), 'alma-progress-logs-'));
  });
  after(async () => {
    for (const c of controllers) await c.stop();
    await node?.stop();
  });

  async function waitForProgress(
    restores: RestoreClient,
    name: string,
    step: StepName,
    what: string,
    ok: (p: StepProgress, r: AlmaRestore) => boolean,
  ): Promise<AlmaRestore> {
    let last: AlmaRestore | undefined;
    await waitFor(`status.steps.${step}.progress to show ${what}`, async () => {
      last = await restores.get(name);
      const p = last.status?.steps?.[step]?.progress;
      return !!p && ok(p, last);
    }).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${JSON.stringify(last?.status?.steps?.[step])}`, { cause: err });
    });
    return last!;
  }

  it('shows fetch waiting and transferring, prepare actions, import ETA and verify checks; keeps it after a failure', async () => {
    const ns = await cp.newNamespace('progress');
    await createRestoreSecrets(cp.kubeConfig, ns);
    controllers.push(
      await startController({ kubeconfigPath: cp.kubeconfigPath, namespace: ns, logDir, name: 'progress' }),
    );
    const restores = new RestoreClient(cp.kubeConfig, ns);
    await restores.create(managedRestore('live'));
    await restores.waitForPhase('live', 'Provisioning');
    await kubelet.bindClaim(ns, 'live-staging');
    await kubelet.markStatefulSetReady(ns, 'live-db');
    await restores.waitForPhase('live', 'Fetching');

    // fetch, waiting for the delivery: which files are there, since when.
    const fetchPod = await node.bindJobPod(ns, 'live-fetch-1');
    const since = new Date(Date.now() - 3600_000);
    const share = { index: 0, count: 1 };
    node.print(ns, fetchPod, 'fetch', [
      JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'fetch starting' }),
      line(
        waitingProgress(
          '3978',
          share,
          'local_backup_final_3975_3978.tar.gz.ac to stop changing',
          [
            {
              name: 'local_backup_final_3975_3978.tar.gz.aa',
              size: 4 * GiB,
              unchangedSinceMs: since.getTime(),
            },
            {
              name: 'local_backup_final_3975_3978.tar.gz.ab',
              size: 4 * GiB,
              unchangedSinceMs: since.getTime(),
            },
            { name: 'local_backup_final_3975_3978.tar.gz.ac', size: GiB, unchangedSinceMs: Date.now() },
          ],
          since.getTime(),
        ),
        new Date(),
      ),
    ]);
    const waiting = await waitForProgress(
      restores,
      'live',
      'fetch',
      'WaitingForDelivery',
      (p) => p.stage === 'WaitingForDelivery',
    );
    const wp = waiting.status!.steps!.fetch!.progress!;
    assert.equal(wp.waitingSince, since.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.deepEqual(
      wp.files?.map((f) => [f.name.slice(-2), f.bytes]),
      [
        ['aa', 4 * GiB],
        ['ab', 4 * GiB],
        ['ac', GiB],
      ],
    );
    assert.match(
      waiting.status!.progressMessage!,
      /^Fetching: institution 3978: waiting for the delivery since .* \(3 file\(s\) there; waiting for .*\.ac to stop changing\)/,
    );
    assert.ok(
      node.requests.some(
        (r) => r.startsWith(`/containerLogs/${ns}/${fetchPod}/fetch?`) && r.includes('tailLines='),
      ),
    );

    // fetch, transferring: bytes of total, rate, ETA; the overall percent moves.
    const transfer = transferProgress({
      institutionId: '3978',
      share,
      phase: 'stream',
      transferred: 3 * GiB,
      total: 10 * GiB,
      bytesPerSecond: 100 * 2 ** 20,
      etaSeconds: 72,
      line: 'stream: 3.0 GiB of 10.0 GiB at 100.0 MiB/s, ETA 72 s',
    });
    node.print(ns, fetchPod, 'fetch', [line(transfer, new Date())]);
    const moving = await waitForProgress(
      restores,
      'live',
      'fetch',
      'Transferring',
      (p) => p.stage === 'Transferring',
    );
    assert.deepEqual(
      (({ done, total, unit, bytesPerSecond, etaSeconds, fraction }) => ({
        done,
        total,
        unit,
        bytesPerSecond,
        etaSeconds,
        fraction,
      }))(moving.status!.steps!.fetch!.progress!),
      {
        done: 3 * GiB,
        total: 10 * GiB,
        unit: 'bytes',
        bytesPerSecond: 100 * 2 ** 20,
        etaSeconds: 72,
        fraction: 0.3,
      },
    );
    assert.equal(moving.status!.progress, 18, '10% at Fetching + 30% of the 25 points to Preparing');

    // A failure keeps the last progress: status.progress does not drop to 0.
    await kubelet.finishJob(ns, 'live-fetch-1', { exitCode: 1, message: stepResult('fetch', 'Failed') });
    const failed = await restores.waitForPhase('live', 'Failed');
    assert.equal(failed.status!.progress, 18);
    assert.equal(failed.status!.steps!.fetch!.progress?.stage, 'Transferring');
    assert.equal(failed.status!.steps!.fetch!.progress?.done, 3 * GiB);

    await restores.patch('live', { metadata: { annotations: { 'almarestore.io/retry': '1' } } });
    await restores.waitForPhase('live', 'Fetching', 30_000);
    await kubelet.finishJob(ns, 'live-fetch-2', { exitCode: 0, message: stepResult('fetch') });

    // prepare: actions done of planned.
    await restores.waitForPhase('live', 'Preparing');
    const preparePod = await node.bindJobPod(ns, 'live-prepare-1');
    node.print(ns, preparePod, 'prepare', [
      line(
        {
          stage: 'Applying',
          message: '2 of 5 action(s) done; now: CREATE USER EXL_ADMIN',
          fraction: 0.4,
          done: 2,
          total: 5,
          unit: 'actions',
        },
        new Date(),
      ),
    ]);
    const preparing = await waitForProgress(
      restores,
      'live',
      'prepare',
      'actions',
      (p) => p.unit === 'actions',
    );
    assert.deepEqual(
      [preparing.status!.steps!.prepare!.progress!.done, preparing.status!.steps!.prepare!.progress!.total],
      [2, 5],
    );
    assert.equal(preparing.status!.progress, 37, '35% at Preparing + 40% of 5 points');
    await kubelet.finishJob(ns, 'live-prepare-1', { exitCode: 0, message: stepResult('prepare') });

    // import: the step's own percent and an ETA in status.
    await restores.waitForPhase('live', 'Importing');
    const importPod = await node.bindJobPod(ns, 'live-import-1');
    const fields = { percentDone: 50, etaSeconds: 3600 };
    node.print(ns, importPod, 'import', [
      line(
        importProgressReport(
          [{ institutionId: '3978', bibRecords: 1_000_000 }],
          0,
          fields,
          '50.0% done, ETA 01:00:00',
        ),
        new Date(),
      ),
    ]);
    const importing = await waitForProgress(
      restores,
      'live',
      'import',
      'an ETA',
      (p) => p.etaSeconds !== undefined,
    );
    assert.equal(importing.status!.steps!.import!.progress!.etaSeconds, 3600);
    assert.equal(importing.status!.progress, 65, '40% at Importing + half of 50 points');
    await kubelet.finishJob(ns, 'live-import-1', { exitCode: 0, message: stepResult('import') });

    // verify: checks done of total.
    await restores.waitForPhase('live', 'Verifying');
    const verifyPod = await node.bindJobPod(ns, 'live-verify-1');
    node.print(ns, verifyPod, 'verify', [
      line(
        {
          stage: 'Checking',
          message: '3 of 8 check(s) done (last: 3978/constraints)',
          fraction: 3 / 8,
          done: 3,
          total: 8,
          unit: 'checks',
        },
        new Date(),
      ),
    ]);
    const verifying = await waitForProgress(restores, 'live', 'verify', 'checks', (p) => p.unit === 'checks');
    assert.deepEqual(
      [verifying.status!.steps!.verify!.progress!.done, verifying.status!.steps!.verify!.progress!.total],
      [3, 8],
    );
    assert.match(verifying.status!.progressMessage!, /^Verifying: 3 of 8 check\(s\) done/);
  });
});
