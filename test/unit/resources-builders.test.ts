import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject, V1Job } from '@kubernetes/client-node';
import { planSizing } from '../../src/api/sizing.js';
import type { AlmaRestoreSpec } from '../../src/api/types.js';
import {
  LABEL,
  allResources,
  buildDatabaseService,
  buildDatabaseStatefulSet,
  buildStagingPvc,
  buildStepJob,
  databaseDataClaimName,
  desiredResources,
  jobName,
  oracleMemory,
  stagingClaimName,
} from '../../src/resources/index.js';
import { STEP_NAMES } from '../../src/contract/result.js';
import { existingSpec, minimalSpec, resolved } from './api-fixtures.js';

const managed = (mutate: (s: AlmaRestoreSpec) => void = () => {}) => {
  const spec = minimalSpec();
  mutate(spec);
  const r = resolved(spec);
  return { r, plan: planSizing(r.spec) };
};

const podOf = (job: V1Job) => job.spec!.template.spec!;
const mountsOf = (job: V1Job) =>
  Object.fromEntries(podOf(job).containers[0]!.volumeMounts!.map((m) => [m.mountPath, m.name]));

describe('names', () => {
  it('are deterministic', () => {
    assert.equal(stagingClaimName('q3'), 'q3-staging');
    assert.equal(jobName('q3', 'import', 2), 'q3-import-2');
    assert.equal(databaseDataClaimName('q3'), 'oradata-q3-db-0');
    const longest = 'a'.repeat(40);
    assert.ok(jobName(longest, 'prepare', 999).length <= 63);
  });
});

describe('every owned object', () => {
  it('carries the labels and a controller ownerReference to the AlmaRestore', () => {
    const { r, plan } = managed();
    const all: KubernetesObject[] = allResources(r, plan);
    assert.equal(all.length, 8);
    for (const obj of all) {
      const labels = obj.metadata!.labels!;
      assert.equal(labels[LABEL.name], 'alma-restore', obj.kind);
      assert.equal(labels[LABEL.managedBy], 'alma-restore-operator');
      assert.equal(labels[LABEL.restore], 'q3');
      assert.equal(obj.metadata!.namespace, 'library');
      assert.deepEqual(obj.metadata!.ownerReferences, [
        {
          apiVersion: 'almarestore.io/v1alpha1',
          kind: 'AlmaRestore',
          name: 'q3',
          uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });
});

describe('staging PVC', () => {
  it('is RWO by default, sized from the plan, on the storage class', () => {
    const { r, plan } = managed((s) => (s.storage = { storageClassName: 'fast' }));
    const pvc = buildStagingPvc(r, plan)!;
    assert.equal(pvc.metadata!.name, 'q3-staging');
    assert.deepEqual(pvc.spec!.accessModes, ['ReadWriteOnce']);
    assert.deepEqual(pvc.spec!.resources!.requests, { storage: plan.stagingSize });
    assert.equal(pvc.spec!.storageClassName, 'fast');
  });
  it('is not created for an existing database (the user names the claim)', () => {
    const r = resolved(existingSpec());
    assert.equal(buildStagingPvc(r, planSizing(r.spec)), undefined);
    assert.equal(buildDatabaseStatefulSet(r, planSizing(r.spec)), undefined);
    assert.equal(buildDatabaseService(r), undefined);
  });
});

describe('Oracle StatefulSet and Service', () => {
  it('runs Oracle 19c as uid 54321 with its env, probes, data volume and the staging volume', () => {
    const { r, plan } = managed((s) => {
      s.database.managed!.imagePullSecrets = ['oracle-registry'];
      s.retention = { onDelete: 'Delete' };
    });
    const sts = buildDatabaseStatefulSet(r, plan)!;
    const pod = sts.spec!.template.spec!;
    const c = pod.containers[0]!;
    assert.equal(sts.metadata!.name, 'q3-db');
    assert.equal(sts.spec!.serviceName, 'q3-db');
    assert.equal(sts.spec!.replicas, 1);
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'oracle-registry' }]);
    assert.equal(pod.securityContext!.runAsUser, 54321);
    assert.equal(pod.securityContext!.fsGroup, 54321);
    assert.equal(c.image, 'oracle/database:19.3.0-ee');
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.ORACLE_SID, 'ORCLCDB');
    assert.equal(env.ORACLE_PDB, 'ORCLPDB1');
    assert.equal(env.ORACLE_CHARACTERSET, 'AL32UTF8');
    assert.deepEqual(env.ORACLE_PWD, { secretKeyRef: { name: 'db-admin', key: 'password' } });
    assert.equal(env.INIT_SGA_SIZE, '4096');
    assert.equal(env.INIT_PGA_SIZE, '1638');
    assert.deepEqual(c.resources!.limits, { memory: '8Gi' });
    assert.match(c.startupProbe!.exec!.command!.join(' '), /checkDBStatus\.sh/);
    assert.ok(c.startupProbe!.periodSeconds! * c.startupProbe!.failureThreshold! >= 3600, 'DBCA needs time');
    assert.ok(c.readinessProbe);
    assert.deepEqual(
      c.volumeMounts!.map((m) => [m.name, m.mountPath]),
      [
        ['oradata', '/opt/oracle/oradata'],
        ['staging', '/opt/oracle/staging'],
      ],
    );
    assert.deepEqual(pod.volumes, [{ name: 'staging', persistentVolumeClaim: { claimName: 'q3-staging' } }]);
    assert.deepEqual(sts.spec!.volumeClaimTemplates![0]!.spec!.resources!.requests, {
      storage: plan.databaseSize,
    });
    assert.deepEqual(sts.spec!.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: 'Delete',
      whenScaled: 'Retain',
    });
    const svc = buildDatabaseService(r)!;
    assert.equal(svc.spec!.clusterIP, 'None');
    assert.deepEqual(svc.spec!.selector, sts.spec!.selector!.matchLabels);
    assert.deepEqual(sts.spec!.template.metadata!.labels![LABEL.component], 'database');
  });

  it('sizes SGA/PGA from the memory limit', () => {
    assert.deepEqual(oracleMemory('4Gi'), { sgaMiB: 2048, pgaMiB: 819 });
  });
});

describe('step Jobs', () => {
  it('run once, restricted, with a deadline, the config, staging and /tmp', () => {
    const { r } = managed((s) => (s.steps = { importDeadlineSeconds: 7200 }));
    for (const step of STEP_NAMES) {
      const job = buildStepJob(r, step, 3);
      const pod = podOf(job);
      const c = pod.containers[0]!;
      assert.equal(job.metadata!.name, `q3-${step}-3`);
      assert.equal(job.metadata!.labels![LABEL.step], step);
      assert.equal(job.metadata!.labels![LABEL.attempt], '3');
      assert.equal(job.spec!.backoffLimit, 0);
      assert.equal(pod.restartPolicy, 'Never');
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(pod.securityContext!.runAsNonRoot, true);
      assert.deepEqual(pod.securityContext!.seccompProfile, { type: 'RuntimeDefault' });
      assert.equal(c.securityContext!.allowPrivilegeEscalation, false);
      assert.deepEqual(c.securityContext!.capabilities, { drop: ['ALL'] });
      assert.equal(c.securityContext!.readOnlyRootFilesystem, true);
      assert.equal(c.terminationMessagePolicy, 'FallbackToLogsOnError');
      assert.deepEqual(c.args, [step, '--config', '/etc/alma-restore/restore.json']);
      assert.equal(c.image, 'registry.example.edu/alma/runner:1');
      const mounts = mountsOf(job);
      assert.equal(mounts['/etc/alma-restore'], 'config');
      assert.equal(mounts['/staging'], 'staging');
      assert.equal(mounts['/tmp'], 'tmp');
      assert.ok(
        c
          .volumeMounts!.filter((m) => m.mountPath.startsWith('/var/run/secrets/alma'))
          .every((m) => m.readOnly),
      );
      // The same labels on the pods, for the controller to find them.
      assert.equal(job.spec!.template.metadata!.labels![LABEL.step], step);
    }
    assert.equal(buildStepJob(r, 'import', 1).spec!.activeDeadlineSeconds, 7200);
    assert.equal(buildStepJob(r, 'fetch', 1).spec!.activeDeadlineSeconds, 172800);
  });

  it('mount only the Secrets each step needs', () => {
    const { r } = managed((s) => (s.import = { postImport: { webhookSecret: 'hook' } }));
    const secretMounts = (step: (typeof STEP_NAMES)[number]) =>
      Object.keys(mountsOf(buildStepJob(r, step, 1)))
        .filter((p) => p.startsWith('/var/run/secrets/alma/'))
        .map((p) => p.slice('/var/run/secrets/alma/'.length));
    assert.deepEqual(secretMounts('fetch'), ['sftp']);
    assert.deepEqual(secretMounts('prepare'), ['db-admin', 'schema']);
    assert.deepEqual(secretMounts('import'), ['db-admin', 'schema']);
    assert.deepEqual(secretMounts('verify'), ['db-admin', 'schema', 'webhook']);
  });

  it('give the managed admin Secret a username file from the ConfigMap', () => {
    const { r, plan } = managed();
    const vol = podOf(buildStepJob(r, 'prepare', 1)).volumes!.find((v) => v.name === 'secret-db-admin')!;
    assert.deepEqual(
      vol.projected!.sources!.map((s) => (s.secret ? s.secret.items : s.configMap!.items)),
      [[{ key: 'password', path: 'password' }], [{ key: 'db-admin-username', path: 'username' }]],
    );
    assert.equal(desiredResources(r, plan).configMap.data!['db-admin-username'], 'SYSTEM');
    const existing = resolved(existingSpec());
    const plain = podOf(buildStepJob(existing, 'prepare', 1)).volumes!.find(
      (v) => v.name === 'secret-db-admin',
    )!;
    assert.equal(plain.secret!.secretName, 'db-admin');
  });

  it("go to the database pod's node with an RWO staging volume in managed mode, only then", () => {
    const rwo = podOf(buildStepJob(managed().r, 'fetch', 1)).affinity!;
    assert.deepEqual(rwo.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0], {
      labelSelector: { matchLabels: { [LABEL.restore]: 'q3', [LABEL.component]: 'database' } },
      topologyKey: 'kubernetes.io/hostname',
    });
    const rwx = managed((s) => (s.storage = { stagingAccessMode: 'ReadWriteMany' })).r;
    assert.equal(podOf(buildStepJob(rwx, 'fetch', 1)).affinity, undefined);
    assert.equal(podOf(buildStepJob(resolved(existingSpec()), 'fetch', 1)).affinity, undefined);
    const claim = podOf(buildStepJob(resolved(existingSpec()), 'fetch', 1)).volumes!.find(
      (v) => v.name === 'staging',
    )!;
    assert.equal(claim.persistentVolumeClaim!.claimName, 'alma-nfs');
  });

  it('run the impdp engine in the database image, with Node copied in by an init container', () => {
    const { r } = managed((s) => {
      s.import = { engine: 'impdp' };
      s.database.managed!.imagePullSecrets = ['oracle-registry'];
    });
    const pod = podOf(buildStepJob(r, 'import', 1));
    const c = pod.containers[0]!;
    assert.equal(c.image, 'oracle/database:19.3.0-ee');
    assert.deepEqual(c.command, ['/opt/alma-runner/nodejs/bin/node', '/opt/alma-runner/app/dist/cli.js']);
    assert.deepEqual(c.args, ['import', '--config', '/etc/alma-restore/restore.json']);
    assert.equal(pod.securityContext!.runAsUser, 54321);
    assert.equal(pod.initContainers![0]!.image, 'registry.example.edu/alma/runner:1');
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'oracle-registry' }]);
    // The other steps keep the runner image.
    assert.equal(
      podOf(buildStepJob(r, 'verify', 1)).containers[0]!.image,
      'registry.example.edu/alma/runner:1',
    );
  });
});
