// `helm install` of the chart into the real test control plane, then the controller runs with
// the chart's ServiceAccount (a token from the TokenRequest API, nothing else) and drives a
// restore from Pending to Succeeded: the chart's RBAC is sufficient. Actions outside it are
// denied, and the Pod template passes the "restricted" Pod Security admission.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { sharedControlPlane, type ControlPlane } from '../support/control-plane.js';
import { startController, type ControllerProcess } from '../support/controller-process.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { RestoreClient, managedRestore, stepResult } from '../support/restores.js';
import { CHART_DIR, findHelm, parseObjects, run, type K8sObject } from '../support/chart-tools.js';
import type { StepName } from '../../src/steps/result.js';

const STEPS: [StepName, string][] = [
  ['fetch', 'Fetching'],
  ['prepare', 'Preparing'],
  ['import', 'Importing'],
  ['verify', 'Verifying'],
];

function statusCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

async function expectForbidden(what: string, call: () => Promise<unknown>) {
  try {
    await call();
  } catch (err) {
    assert.equal(statusCode(err), 403, `${what}: expected 403 Forbidden, got ${String(err)}`);
    return;
  }
  assert.fail(`${what} was allowed to the controller's ServiceAccount`);
}

describe('helm install + the controller as the chart ServiceAccount', () => {
  let cp: ControlPlane;
  let helm: string;
  let work: string;
  let opNs: string;
  let watchNs: string;
  let otherNs: string;
  let release: string;
  let saKubeconfig: string;
  let saConfig: k8s.KubeConfig;
  let manifest: K8sObject[];
  let controller: ControllerProcess | undefined;
  let installStdout = '';
  let fullname = '';

  const helmArgs = (...args: string[]) => [...args, '--kubeconfig', cp.kubeconfigPath];

  before(async () => {
    cp = await sharedControlPlane();
    helm = findHelm();
    work = await mkdtemp(path.join(os.tmpdir(), 'alma-chart-install-'));
    opNs = await cp.newNamespace('alma-op');
    watchNs = await cp.newNamespace('alma-lib');
    otherNs = await cp.newNamespace('alma-other');
    // Cluster-scoped names (ClusterRoles) carry the release name: unique per run.
    release = `alma-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  });

  after(async () => {
    await controller?.stop();
    if (release && cp) await run(helm, helmArgs('uninstall', release, '--namespace', opNs, '--wait=false'));
    await rm(work, { recursive: true, force: true });
  });

  it('helm install succeeds with a namespaced watch and prints what to do next', async () => {
    const r = await run(
      helm,
      helmArgs(
        'install',
        release,
        CHART_DIR,
        '--namespace',
        opNs,
        '--set',
        `controller.watchNamespaces={${watchNs}}`,
      ),
    );
    assert.equal(r.code, 0, `helm install failed:\n${r.stdout}\n${r.stderr}`);
    installStdout = r.stdout;
    assert.match(installStdout, /STATUS: deployed/);
    assert.match(installStdout, new RegExp(`rollout status deployment/${release}-alma-restore-operator`));
    assert.match(installStdout, new RegExp(`It watches AlmaRestores in: ${watchNs}\\.`));
    const got = await run(helm, helmArgs('get', 'manifest', release, '--namespace', opNs));
    assert.equal(got.code, 0, got.stderr);
    manifest = parseObjects(got.stdout);
    const kinds = manifest.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}`).sort();
    assert.deepEqual(
      kinds,
      [
        'ClusterRole/',
        'ClusterRoleBinding/',
        `Deployment/${opNs}`,
        `Role/${opNs}`,
        `Role/${watchNs}`,
        `RoleBinding/${opNs}`,
        `RoleBinding/${watchNs}`,
        `Service/${opNs}`,
        `ServiceAccount/${opNs}`,
      ].sort(),
    );
    fullname = manifest.find((o) => o.kind === 'Deployment')!.metadata.name;
    const apps = cp.kubeConfig.makeApiClient(k8s.AppsV1Api);
    const deploy = await apps.readNamespacedDeployment({ namespace: opNs, name: fullname });
    assert.equal(deploy.spec?.replicas, 2);
  });

  it('the controller Pod template passes the "restricted" Pod Security admission (server-side dry run)', async () => {
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const restricted = await cp.newNamespace('alma-psa');
    await core.patchNamespace(
      {
        name: restricted,
        body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const deploy = manifest.find((o) => o.kind === 'Deployment') as unknown as k8s.V1Deployment;
    const template = deploy.spec!.template;
    const pod: k8s.V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'controller-psa-check', labels: template.metadata?.labels },
      spec: template.spec!,
    };
    await core.createNamespacedPod({ namespace: restricted, body: pod, dryRun: 'All' });
    // The admission does bite: the same Pod allowed to escalate privileges is refused.
    const loose = structuredClone(pod);
    loose.spec!.containers[0]!.securityContext = { allowPrivilegeEscalation: true };
    await assert.rejects(
      core.createNamespacedPod({ namespace: restricted, body: loose, dryRun: 'All' }),
      (err: unknown) =>
        statusCode(err) === 403 && /violates PodSecurity.*allowPrivilegeEscalation/.test(String(err)),
    );
  });

  it('a token for the chart ServiceAccount is allowed what the controller needs and denied the rest', async () => {
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const sa = (manifest.find((o) => o.kind === 'ServiceAccount') as K8sObject).metadata.name;
    const token = await core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: opNs,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    assert.ok(token.status?.token, 'TokenRequest returned a token');
    const admin = YAML.parse(await readFile(cp.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    };
    const cluster = admin.clusters[0]!.cluster;
    saKubeconfig = path.join(work, 'sa.kubeconfig');
    await writeFile(
      saKubeconfig,
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster }],
        users: [{ name: sa, user: { token: token.status!.token } }],
        contexts: [{ name: 'sa', context: { cluster: 'test', user: sa } }],
        'current-context': 'sa',
      }),
      { mode: 0o600 },
    );
    saConfig = new k8s.KubeConfig();
    saConfig.loadFromFile(saKubeconfig);
    const saCore = saConfig.makeApiClient(k8s.CoreV1Api);

    // Allowed: get a named Secret in a watched namespace (the tablespace guard reads the admin Secret).
    for (const ns of [watchNs, otherNs])
      await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: 'oracle-admin' }, stringData: { password: 'not-a-real-password' } },
      });
    const secret = await saCore.readNamespacedSecret({ namespace: watchNs, name: 'oracle-admin' });
    assert.equal(secret.metadata?.name, 'oracle-admin');
    // Denied: Secrets of a namespace it was not granted, listing Secrets anywhere, and the rest.
    await expectForbidden(`get Secret in ${otherNs}`, () =>
      saCore.readNamespacedSecret({ namespace: otherNs, name: 'oracle-admin' }),
    );
    await expectForbidden(`list Secrets in ${watchNs}`, () =>
      saCore.listNamespacedSecret({ namespace: watchNs }),
    );
    await expectForbidden('list AlmaRestores cluster-wide', () =>
      saConfig
        .makeApiClient(k8s.CustomObjectsApi)
        .listClusterCustomObject({ group: 'almarestore.io', version: 'v1alpha1', plural: 'almarestores' }),
    );
    await expectForbidden(`create Job in ${otherNs}`, () =>
      saConfig.makeApiClient(k8s.BatchV1Api).createNamespacedJob({
        namespace: otherNs,
        body: {
          metadata: { name: 'nope' },
          spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } },
        },
      }),
    );
    await expectForbidden(`create Pod in ${watchNs}`, () =>
      saCore.createNamespacedPod({
        namespace: watchNs,
        body: { metadata: { name: 'nope' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      }),
    );
    await expectForbidden(`delete Lease in ${opNs}`, () =>
      saConfig
        .makeApiClient(k8s.CoordinationV1Api)
        .deleteNamespacedLease({ namespace: opNs, name: fullname }),
    );
    await expectForbidden('list Nodes', () => saCore.listNode());
    // Cluster-wide reads of StorageClasses are granted (allowVolumeExpansion).
    await saConfig.makeApiClient(k8s.StorageV1Api).listStorageClass();
  });

  it('the controller, with only that token and the chart args, drives a restore to Succeeded', async () => {
    assert.ok(saKubeconfig, 'previous test minted the token');
    const deploy = manifest.find((o) => o.kind === 'Deployment') as unknown as k8s.V1Deployment;
    const args = deploy.spec!.template.spec!.containers[0]!.args!;
    assert.equal(args[0], 'controller');
    // The harness sets the bind address (a free port) and the watched namespace (the same one).
    const chartArgs = args
      .slice(1)
      .filter((a) => !a.startsWith('--metrics-bind-address=') && !a.startsWith('--watch-namespace='));
    assert.ok(chartArgs.includes('--leader-elect'));
    assert.ok(args.includes(`--watch-namespace=${watchNs}`));
    const logDir = path.join(work, 'logs');
    await rm(logDir, { recursive: true, force: true });
    await mkdir(logDir);
    try {
      controller = await startController({
        kubeconfigPath: saKubeconfig,
        namespace: watchNs,
        args: chartArgs,
        logDir,
        name: 'chart-sa',
      });
    } catch (err) {
      const logs = await Promise.all(
        (await readdir(logDir)).map((f) => readFile(path.join(logDir, f), 'utf8')),
      );
      throw new Error(`${(err as Error).message}\n--- controller log ---\n${logs.join('\n').slice(-4000)}`, {
        cause: err,
      });
    }

    try {
      const restores = new RestoreClient(cp.kubeConfig, watchNs);
      const kubelet = new FakeKubelet(cp.kubeConfig);
      await restores.create(managedRestore('q1'));
      await restores.waitForPhase('q1', 'Provisioning');
      await kubelet.bindClaim(watchNs, 'q1-staging');
      await kubelet.markStatefulSetReady(watchNs, 'q1-db');
      for (const [step, phase] of STEPS) {
        await restores.waitForPhase('q1', phase);
        await kubelet.finishJob(watchNs, `q1-${step}-1`, { exitCode: 0, message: stepResult(step) });
      }
      const done = await restores.waitForPhase('q1', 'Succeeded');
      assert.equal(done.status?.progress, 100);

      // It held the leader Lease in the release namespace, under its own identity.
      const lease = await cp.kubeConfig
        .makeApiClient(k8s.CoordinationV1Api)
        .readNamespacedLease({ namespace: opNs, name: fullname });
      assert.ok(lease.spec?.holderIdentity, 'the Lease has a holder');
      // Events were recorded (core events create/patch).
      const events = await cp.kubeConfig
        .makeApiClient(k8s.CoreV1Api)
        .listNamespacedEvent({ namespace: watchNs, fieldSelector: 'involvedObject.name=q1' });
      assert.ok(events.items.length > 0, 'the controller recorded Events');
    } catch (err) {
      const log = await readFile(controller!.logFile, 'utf8');
      throw new Error(`${(err as Error).message}\n--- controller log (tail) ---\n${log.slice(-6000)}`, {
        cause: err,
      });
    }
    const log = await readFile(controller!.logFile, 'utf8');
    assert.doesNotMatch(log, /forbidden/i, 'no request of the controller was denied');
  });
});
