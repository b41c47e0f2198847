// The tablespace guard inside the controller: while a restore is Importing, the reconciler polls
// the target tablespace (here the dictionary double stands in for Oracle; credentials come from
// a real Secret through the API), raises Degraded + an Event above the alert ratio, adds the
// datafile the guard decided, and exports the gauge. Below the ratio nothing happens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../../src/logging.js';
import { createGuardHook } from '../../src/controller/guard-hook.js';
import { startManager, type RunningManager } from '../../src/controller/manager.js';
import { SMALLFILE_UNLIMITED_BLOCKS } from '../../src/oracle/dictionary-sizing.js';
import { databaseDataClaimName } from '../../src/resources/names.js';
import { sharedControlPlane, waitFor, type ControlPlane } from '../support/control-plane.js';
import { DictionaryDouble } from '../support/dictionary-double.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { waitForEvents } from '../support/restore-events.js';
import { RestoreClient, createRestoreSecrets, managedRestore, stepResult } from '../support/restores.js';
import { RUNNER_IMAGE } from '../support/controller-process.js';

const FILE_MAX = SMALLFILE_UNLIMITED_BLOCKS * 8192;

describe('tablespace guard in the controller', () => {
  let cp: ControlPlane;
  let manager: RunningManager;
  let namespace: string;
  const databases = new Map<string, DictionaryDouble>();
  const seenPasswords: string[] = [];

  before(async () => {
    cp = await sharedControlPlane();
    namespace = await cp.newNamespace('guard');
    await createRestoreSecrets(cp.kubeConfig, namespace);
    const log = createLogger({ test: 'guard' }, { write: () => {} } as never);
    manager = await startManager(
      cp.kubeConfig,
      {
        watchNamespaces: [namespace],
        metricsHost: '127.0.0.1',
        metricsPort: 0,
        leaderElect: false,
        leaseNamespace: namespace,
        leaseName: 'unused',
        workers: 2,
        maxConcurrentRestores: 5,
        maxConcurrentPerDatabase: 1,
        pvcBindTimeoutMs: 600_000,
        databaseReadyTimeoutMs: 600_000,
        podBlockedTimeoutMs: 600_000,
        runnerImage: RUNNER_IMAGE,
      },
      log,
      (metrics) =>
        createGuardHook({
          kc: cp.kubeConfig,
          metrics,
          log,
          openDictionary: async (config, credentials) => {
            seenPasswords.push(credentials.password);
            return databases.get(config.restore.name)!;
          },
        }),
    );
  });
  after(async () => {
    await manager?.stop();
  });

  async function importing(
    name: string,
    usedRatio: number,
    opts: { db?: DictionaryDouble; storageClassName?: string } = {},
  ) {
    const db = opts.db ?? new DictionaryDouble();
    if (!opts.db) db.fill('USERS', Math.round(usedRatio * FILE_MAX) - 1024 * 1024);
    databases.set(name, db);
    const kubelet = new FakeKubelet(cp.kubeConfig);
    const restores = new RestoreClient(cp.kubeConfig, namespace);
    const base = managedRestore(name, { tablespaceGuard: { interval: '2s' } });
    if (opts.storageClassName) base.spec.database.managed!.storageClassName = opts.storageClassName;
    await restores.create(base);
    await restores.waitForPhase(name, 'Provisioning');
    await kubelet.bindClaim(namespace, `${name}-staging`);
    await kubelet.markStatefulSetReady(namespace, `${name}-db`);
    for (const step of ['fetch', 'prepare'] as const) {
      await kubelet.finishJob(namespace, `${name}-${step}-1`, { exitCode: 0, message: stepResult(step) });
    }
    await restores.waitForPhase(name, 'Importing');
    return { db, restores };
  }

  it('fires at 0.86: Degraded, an Event, one datafile added, the gauge exported', async () => {
    const { db, restores } = await importing('full', 0.86);
    let restore = await restores.get('full');
    await waitFor('the guard to report', async () => {
      restore = await restores.get('full');
      return (restore.status?.tablespaces?.length ?? 0) > 0 && (restore.status?.actions?.length ?? 0) > 0;
    });
    // The pass that saw 0.86 raised Degraded; once the datafile brought the fill back under the
    // ratio, the next pass cleared it: both transitions are visible as the condition's history.
    await waitFor('Degraded to clear after the datafile was added', async () => {
      restore = await restores.get('full');
      const degraded = restore.status?.conditions?.find((c) => c.type === 'Degraded');
      return degraded?.status === 'False' && degraded.reason === 'AsExpected';
    });
    assert.equal(db.tablespaces.get('USERS')!.files.length, 2, 'exactly one datafile added');
    assert.match(restore.status!.actions![0]!.action, /USERS/);
    const ts = restore.status!.tablespaces![0]!;
    assert.equal(ts.tablespace, 'USERS');
    assert.ok(ts.usedRatio < 0.85, `back under the threshold after the action (${ts.usedRatio})`);
    await waitForEvents(cp.kubeConfig.makeApiClient(k8s.CoreV1Api), namespace, 'full', [
      /^Warning\/TablespaceAlmostFull: .*USERS/,
      'Normal/TablespaceGrown',
    ]);
    const text = await manager.metrics.registry.metrics();
    const gauge = new RegExp(
      `alma_restore_tablespace_used_ratio\\{namespace="${namespace}",restore="full",institution="3978",tablespace="USERS"\\} ([0-9.e-]+)`,
    ).exec(text);
    assert.ok(gauge, 'the gauge is exported with restore, institution and tablespace labels');
    const value = Number(gauge[1]);
    assert.ok(value > 0.3 && value < 0.85, `the gauge shows the fill after the action: ${value}`);
    assert.ok(
      seenPasswords.every((p) => p === 'Adm1n-pw'),
      'credentials come from the Secret',
    );
  });

  it('stays quiet at 0.84: no condition, no action; progress follows Data Pump', async () => {
    const { db, restores } = await importing('fine', 0.84);
    db.dataPumpJobs.set('ALMA_FINE_3978', { state: 'EXECUTING', percent: 50 });
    let restore = await restores.get('fine');
    await waitFor('the guard to report', async () => {
      restore = await restores.get('fine');
      return (restore.status?.tablespaces?.length ?? 0) > 0;
    });
    assert.equal(restore.status?.conditions?.find((c) => c.type === 'Degraded')?.status, 'False');
    assert.equal(restore.status?.actions?.length ?? 0, 0);
    assert.equal(db.tablespaces.get('USERS')!.files.length, 1);
    assert.ok(restore.status!.tablespaces![0]!.usedRatio > 0.83);
    await waitFor('the import progress in status', async () => {
      restore = await restores.get('fine');
      return restore.status?.progress === 65; // halfway between Importing (40) and Verifying (90)
    });
    assert.match(restore.status?.progressMessage ?? '', /Data Pump reports 50% done/);

    // The import ends: the restore leaves Importing and the guard loop drops it (no more checks).
    assert.ok(manager.guarded(`${namespace}/fine`), 'an Importing restore is in the guard loop');
    await new FakeKubelet(cp.kubeConfig).finishJob(namespace, 'fine-import-1', {
      exitCode: 0,
      message: stepResult('import'),
    });
    await restores.waitForPhase('fine', 'Verifying');
    await waitFor(
      'the guard loop to drop the restore that left Importing',
      async () => !manager.guarded(`${namespace}/fine`),
    );
  });

  it('the disk is the limit: no datafile, the database claim grows once, not again while it expands', async () => {
    const GiB = 1024 ** 3;
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const className = `alma-guard-expand-${namespace}`;
    await cp.kubeConfig.makeApiClient(k8s.StorageV1Api).createStorageClass({
      body: {
        metadata: { name: className },
        provisioner: 'example.com/never-provisions',
        allowVolumeExpansion: true,
      },
    });
    // What the StatefulSet controller and a provisioner would leave: a bound 100Gi data claim.
    const claimName = databaseDataClaimName('disk');
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: claimName },
        spec: {
          storageClassName: className,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '100Gi' } },
        },
      },
    });
    await core.patchNamespacedPersistentVolumeClaimStatus(
      { namespace, name: claimName, body: { status: { phase: 'Bound', capacity: { storage: '100Gi' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // 20 GiB used, 3 GiB left on the disk: TABLESPACE_SIZE 23 GiB, the files could reach 32 GiB.
    const db = new DictionaryDouble({ diskFreeBytes: 23 * GiB });
    db.fill('USERS', 20 * GiB - db.tablespaces.get('USERS')!.usedBytes);
    const { restores } = await importing('disk', 0, { db, storageClassName: className });

    let restore = await restores.get('disk');
    await waitFor('the guard to grow the database volume', async () => {
      restore = await restores.get('disk');
      return (restore.status?.actions ?? []).some((a) => /grew the database volume/.test(a.action));
    });
    const claim = await core.readNamespacedPersistentVolumeClaim({ namespace, name: claimName });
    assert.equal(claim.spec?.resources?.requests?.storage, '101Gi');
    await waitFor('a later pass to see the expansion under way', async () => {
      restore = await restores.get('disk');
      return (restore.status?.actions ?? []).some((a) => /still under way/.test(a.action));
    });
    const again = await core.readNamespacedPersistentVolumeClaim({ namespace, name: claimName });
    assert.equal(again.spec?.resources?.requests?.storage, '101Gi', 'asked for once, not again each pass');
    assert.equal(db.tablespaces.get('USERS')!.files.length, 1, 'no datafile added');
    assert.ok(!db.actions.some((a) => a.startsWith('addDatafile')));
  });
});
