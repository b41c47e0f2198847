// The controller's Planning checks and fixable mistakes, against the real control plane: a
// restore that names a missing StorageClass, image pull Secret or too small staging claim waits in
// Planning saying what to do, and goes on once it is fixed (the object appears, or the spec is
// edited: Planning has not started); a restore Failed at fetch may fix its SFTP source and its
// staging claim, and the retry annotation resumes with them.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { sharedControlPlane, waitFor, type ControlPlane } from '../support/control-plane.js';
import { startController, type ControllerProcess } from '../support/controller-process.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import {
  RestoreClient,
  createRestoreSecrets,
  existingRestore,
  managedRestore,
  stepResult,
} from '../support/restores.js';
import type { AlmaRestore } from '../../src/api/types.js';

describe('AlmaRestore controller: Planning checks and fixable mistakes', { concurrency: 3 }, () => {
  let cp: ControlPlane;
  let kubelet: FakeKubelet;
  let core: k8s.CoreV1Api;
  let storage: k8s.StorageV1Api;
  let batch: k8s.BatchV1Api;
  let logDir: string;
  const controllers: ControllerProcess[] = [];
  const storageClasses: string[] = [];

  before(async () => {
    cp = await sharedControlPlane();
    kubelet = new FakeKubelet(cp.kubeConfig);
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    storage = cp.kubeConfig.makeApiClient(k8s.StorageV1Api);
    batch = cp.kubeConfig.makeApiClient(k8s.BatchV1Api);
    logDir = await mkdtemp(path.join(os.tmpdir(), 'alma-planning-logs-'));
  });
  after(async () => {
    for (const c of controllers) await c.stop();
    for (const name of storageClasses) await storage.deleteStorageClass({ name }).catch(() => undefined);
  });

  async function setUp(prefix: string) {
    const ns = await cp.newNamespace(prefix);
    await createRestoreSecrets(cp.kubeConfig, ns);
    const c = await startController({
      kubeconfigPath: cp.kubeconfigPath,
      namespace: ns,
      logDir,
      name: prefix,
    });
    controllers.push(c);
    return { ns, restores: new RestoreClient(cp.kubeConfig, ns) };
  }

  const planned = (r: AlmaRestore) => r.status?.conditions?.find((c) => c.type === 'Planned');

  async function waitForPlanned(restores: RestoreClient, name: string, reason: string, says: RegExp) {
    let last: AlmaRestore | undefined;
    await waitFor(`${name}'s Planned condition to be ${reason} saying ${says}`, async () => {
      last = await restores.get(name);
      return planned(last)?.reason === reason && says.test(planned(last)?.message ?? '');
    }).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${JSON.stringify(planned(last!))}`, { cause: err });
    });
    assert.equal(last!.status?.phase, 'Planning');
    assert.equal(planned(last!)?.status, 'False');
    return last!;
  }

  async function events(ns: string, name: string) {
    const list = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items.map((e) => `${e.type}/${e.reason}: ${e.message}`);
  }

  async function createClaim(ns: string, name: string, size: string) {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name },
        spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: size } } },
      },
    });
    await kubelet.bindClaim(ns, name);
  }

  it('waits in Planning for a named StorageClass, then goes on once it exists', async () => {
    const { ns, restores } = await setUp('plan-sc');
    const className = `${ns}-fast`;
    await restores.create(managedRestore('sc', { storage: { storageClassName: className } }));
    const waiting = await waitForPlanned(
      restores,
      'sc',
      'StorageClassNotFound',
      new RegExp(
        `StorageClass ${className} \\(storage\\.storageClassName\\) does not exist \\(.*kubectl get storageclass\\): create it, or set storage\\.storageClassName to one that exists`,
      ),
    );
    assert.match(waiting.status?.progressMessage ?? '', /^Waiting in Planning: StorageClass/);
    assert.ok(
      (await events(ns, 'sc')).some((e) => e.startsWith('Warning/StorageClassNotFound: StorageClass')),
    );
    assert.equal((await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.length, 0);
    storageClasses.push(className);
    await storage.createStorageClass({
      body: {
        metadata: { name: className },
        provisioner: 'example.com/none',
        volumeBindingMode: 'Immediate',
      },
    });
    const moved = await restores.waitForPhase('sc', 'Provisioning', 30_000);
    assert.equal(planned(moved)?.status, 'True', 'Planned turns True once the checks pass');
  });

  it('waits for the image pull Secrets, naming the type the kubelet needs', async () => {
    const { ns, restores } = await setUp('plan-pull');
    const restore = managedRestore('pull');
    restore.spec.database.managed!.imagePullSecrets = ['oracle-registry'];
    await restores.create(restore);
    await waitForPlanned(
      restores,
      'pull',
      'ImagePullSecretInvalid',
      /image pull Secret [^ ]+\/oracle-registry \(database\.managed\.imagePullSecrets\) does not exist: create it \(kubectl create secret docker-registry oracle-registry -n [^ ]+ --docker-server=container-registry\.oracle\.com /,
    );
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'oracle-registry' }, stringData: { password: 'x' } },
    });
    await waitForPlanned(
      restores,
      'pull',
      'ImagePullSecretInvalid',
      /is of type Opaque; the kubelet pulls only with a kubernetes\.io\/dockerconfigjson Secret/,
    );
    await core.deleteNamespacedSecret({ namespace: ns, name: 'oracle-registry' });
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'oracle-registry' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: { '.dockerconfigjson': '{"auths":{}}' },
      },
    });
    await restores.waitForPhase('pull', 'Provisioning', 30_000);
  });

  it("waits while an existing database's staging claim is missing or smaller than the plan; an edit in Planning re-plans", async () => {
    const { ns, restores } = await setUp('plan-claim');
    const restore = existingRestore('small');
    restore.spec.institutions[0]!.bibRecords = 3_000_000;
    await restores.create(restore);
    await waitForPlanned(
      restores,
      'small',
      'StagingClaimMissing',
      /PersistentVolumeClaim [^ ]+\/dumps \(database\.existing\.stagingClaimName\) does not exist: create it on the volume the database server sees at database\.existing\.stagingPath/,
    );
    await createClaim(ns, 'dumps', '100Gi');
    const tooSmall = await waitForPlanned(
      restores,
      'small',
      'StagingClaimTooSmall',
      /dumps \(database\.existing\.stagingClaimName\) holds 100Gi; the plan needs 212Gi of dump files for 3000000 bib records: expand it \(kubectl patch pvc dumps .*\), set database\.existing\.stagingClaimName to a larger claim, or set storage\.stagingSize/,
    );
    assert.equal(tooSmall.status?.plan?.stagingSize, '212Gi');
    assert.ok((await events(ns, 'small')).some((e) => e.startsWith('Warning/StagingClaimTooSmall')));
    // Planning has not started: the spec may still change, and the plan follows it.
    await restores.patch('small', { spec: { storage: { stagingSize: '90Gi' } } });
    const fetching = await restores.waitForPhase('small', 'Fetching', 30_000);
    assert.equal(fetching.status?.plan?.stagingSize, '90Gi');
  });

  it('lets a restore Failed at fetch fix its SFTP host and staging claim; the retry resumes with them', async () => {
    const { ns, restores } = await setUp('fix-fetch');
    await createClaim(ns, 'dumps', '500Gi');
    await restores.create(existingRestore('typo'));
    await restores.waitForPhase('typo', 'Fetching');
    await kubelet.finishJob(ns, 'typo-fetch-1', {
      exitCode: 1,
      message: JSON.stringify({
        version: 1,
        step: 'fetch',
        outcome: 'Failed',
        reason: 'SftpUnreachable',
        message: 'cannot resolve sftp.example.edu',
        summary: {},
      }),
    });
    await restores.waitForPhase('typo', 'Failed');

    // The claim name is wrong too: provisioning says so, naming a field that may change.
    await restores.patch('typo', {
      metadata: { annotations: { 'almarestore.io/retry': '1' } },
      spec: {
        source: { sftp: { host: 'sftp.library.example.edu' } },
        database: { existing: { stagingClaimName: 'dumps-2' } },
      },
    });
    let missing: AlmaRestore | undefined;
    await waitFor('the retry to fail again, at provision', async () => {
      missing = await restores.get('typo');
      return missing.status?.phase === 'Failed' && missing.status.failedStep === 'provision';
    });
    assert.equal(missing!.status?.lastRetry, '1');
    const why = missing!.status?.conditions?.find((c) => c.type === 'Failed')?.message ?? '';
    assert.match(
      why,
      /dumps-2 does not exist: create it, or set database\.existing\.stagingClaimName to the claim/,
    );
    await createClaim(ns, 'dumps-2', '500Gi');
    await restores.patch('typo', { metadata: { annotations: { 'almarestore.io/retry': '2' } } });
    await restores.waitForPhase('typo', 'Fetching', 30_000);

    const job = await kubelet.waitForJob(ns, 'typo-fetch-2');
    const claims = job
      .spec!.template.spec!.volumes!.map((v) => v.persistentVolumeClaim?.claimName)
      .filter(Boolean);
    assert.deepEqual(claims, ['dumps-2'], 'the new attempt mounts the fixed claim');
    const config = await core.readNamespacedConfigMap({ namespace: ns, name: 'typo-config' });
    const stepConfig = JSON.parse(config.data!['restore.json']!) as { sftp: { host: string } };
    assert.equal(
      stepConfig.sftp.host,
      'sftp.library.example.edu',
      'the step configuration has the fixed host',
    );
    await kubelet.finishJob(ns, 'typo-fetch-2', { exitCode: 0, message: stepResult('fetch') });
    await restores.waitForPhase('typo', 'Preparing');
    // The phase is written before the step's Job is created: wait for the Job, not the next pass.
    await kubelet.waitForJob(ns, 'typo-prepare-1');
    const names = (await batch.listNamespacedJob({ namespace: ns })).items
      .map((j) => j.metadata!.name)
      .sort();
    assert.deepEqual(names, ['typo-fetch-1', 'typo-fetch-2', 'typo-prepare-1']);
  });
});
