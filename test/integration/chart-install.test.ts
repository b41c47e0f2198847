// The install commands of docs/install.md, run verbatim against the real test control plane:
// `helm install` (namespaced watch), then the controller runs with the chart's ServiceAccount (a
// token from the TokenRequest API, nothing else) and drives a restore from Pending to Succeeded:
// the chart's RBAC is sufficient. Actions outside it are denied, and the Pod template passes the
// "restricted" Pod Security admission. Then the cluster-wide helm install and the plain
// manifests/install.yaml (server-side apply, what `kubectl apply --server-side` does).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { sharedControlPlane, waitFor, type ControlPlane } from '../support/control-plane.js';
import { startController, type ControllerProcess } from '../support/controller-process.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { RestoreClient, createRestoreSecrets, managedRestore, stepResult } from '../support/restores.js';
import { CHART_DIR, REPO_ROOT, findHelm, parseObjects, run, type K8sObject } from '../support/chart-tools.js';
import type { StepName } from '../../src/contract/result.js';

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

/** The command of docs/install.md's block marked `<!-- tested: id -->`, as argv. */
async function documentedCommand(id: string): Promise<string[]> {
  const doc = await readFile(path.join(REPO_ROOT, 'docs', 'install.md'), 'utf8');
  const m = new RegExp(`<!-- tested: ${id} -->\\n\`\`\`sh\\n([^\`]+)\`\`\``).exec(doc);
  assert.ok(m, `docs/install.md has no tested block ${id}`);
  const text = m[1]!.trim();
  assert.doesNotMatch(text, /["'\\$;|&\n]/, `${id}: keep tested commands free of shell syntax`);
  return text.split(/\s+/);
}

/** A kubeconfig that authenticates with a TokenRequest token of the ServiceAccount, nothing else. */
async function serviceAccountKubeconfig(cp: ControlPlane, namespace: string, sa: string, file: string) {
  const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const token = await core.createNamespacedServiceAccountToken({
    name: sa,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  assert.ok(token.status?.token, 'TokenRequest returned a token');
  const admin = YAML.parse(await readFile(cp.kubeconfigPath, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  };
  await writeFile(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: admin.clusters[0]!.cluster }],
      users: [{ name: sa, user: { token: token.status!.token } }],
      contexts: [{ name: 'sa', context: { cluster: 'test', user: sa } }],
      'current-context': 'sa',
    }),
    { mode: 0o600 },
  );
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** The resource path of the kinds manifests/install.yaml holds. */
function resourcePath(obj: K8sObject): string {
  const plural: Record<string, string> = {
    Namespace: 'namespaces',
    CustomResourceDefinition: 'customresourcedefinitions',
    ServiceAccount: 'serviceaccounts',
    ClusterRole: 'clusterroles',
    ClusterRoleBinding: 'clusterrolebindings',
    Role: 'roles',
    RoleBinding: 'rolebindings',
    Service: 'services',
    Deployment: 'deployments',
  };
  const resource = plural[obj.kind];
  assert.ok(resource, `manifests/install.yaml holds an unexpected kind ${obj.kind}`);
  const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const ns = obj.metadata.namespace ? `/namespaces/${obj.metadata.namespace}` : '';
  return `${base}${ns}/${resource}/${obj.metadata.name}`;
}

/** `kubectl apply --server-side` of one object: PATCH application/apply-patch+yaml, force. */
async function serverSideApply(kc: k8s.KubeConfig, obj: K8sObject): Promise<void> {
  const server = kc.getCurrentCluster()!.server;
  const url = `${server}${resourcePath(obj)}?fieldManager=kubectl&force=true`;
  const opts: https.RequestOptions = {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/apply-patch+yaml' },
  };
  await kc.applyToHTTPSOptions(opts);
  const body = JSON.stringify(obj);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = https.request(url, opts, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.ok(status >= 200 && status < 300, `apply ${obj.kind} ${obj.metadata.name}: HTTP ${status} ${text}`);
}

describe('docs/install.md commands; the controller as the chart ServiceAccount', () => {
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
    // The names docs/install.md uses (one control plane per test run: no clash).
    opNs = 'alma-restore-system';
    release = 'alma-restore-operator';
    watchNs = 'library';
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: watchNs } } }).catch((err: unknown) => {
      if (statusCode(err) !== 409) throw err;
    });
    otherNs = await cp.newNamespace('alma-other');
  });

  after(async () => {
    await controller?.stop();
    if (release && cp) await run(helm, helmArgs('uninstall', release, '--namespace', opNs, '--wait=false'));
    await rm(work, { recursive: true, force: true });
  });

  it('the documented `kubectl apply -f manifests/namespace.yaml` makes the namespace, labelled for restricted Pod Security', async () => {
    const argv = await documentedCommand('kubectl-apply-namespace');
    assert.deepEqual(argv, ['kubectl', 'apply', '-f', 'manifests/namespace.yaml']);
    for (const obj of parseObjects(await readFile(path.join(REPO_ROOT, argv[3]!), 'utf8')))
      await serverSideApply(cp.kubeConfig, obj);
    const ns = await cp.kubeConfig.makeApiClient(k8s.CoreV1Api).readNamespace({ name: opNs });
    assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  it('the documented namespaced `helm install` succeeds and prints what to do next', async () => {
    const argv = await documentedCommand('helm-install-namespaced');
    // helm's --create-namespace cannot label the namespace: the docs apply namespace.yaml instead.
    assert.ok(!argv.includes('--create-namespace'), 'the namespace comes from manifests/namespace.yaml');
    assert.equal(argv[0], 'helm');
    assert.ok(argv.includes(`controller.watchNamespaces={${watchNs}}`));
    assert.equal(path.resolve(REPO_ROOT, argv[3]!), CHART_DIR);
    const r = await run(helm, helmArgs(...argv.slice(1)));
    assert.equal(r.code, 0, `helm install failed:\n${r.stdout}\n${r.stderr}`);
    installStdout = r.stdout;
    assert.match(installStdout, /STATUS: deployed/);
    assert.match(
      installStdout,
      /kubectl -n alma-restore-system rollout status deployment\/alma-restore-operator\n/,
    );
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
    saKubeconfig = path.join(work, 'sa.kubeconfig');
    saConfig = await serviceAccountKubeconfig(cp, opNs, sa, saKubeconfig);
    const saCore = saConfig.makeApiClient(k8s.CoreV1Api);

    // Allowed: get a named Secret in a watched namespace (the tablespace guard reads the admin Secret).
    for (const ns of [watchNs, otherNs])
      await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: 'oracle-admin' }, stringData: { password: 'not-a-real-password' } },
      });
    const secret = await saCore.readNamespacedSecret({ namespace: watchNs, name: 'oracle-admin' });
    assert.equal(secret.metadata?.name, 'oracle-admin');
    // Denied: Secrets of a namespace it was not granted, writing Secrets anywhere, and the rest.
    // (Listing and watching them in a watched namespace is granted: the Secret cache.)
    await expectForbidden(`get Secret in ${otherNs}`, () =>
      saCore.readNamespacedSecret({ namespace: otherNs, name: 'oracle-admin' }),
    );
    await expectForbidden(`list Secrets in ${otherNs}`, () =>
      saCore.listNamespacedSecret({ namespace: otherNs }),
    );
    await expectForbidden(`create a Secret in ${watchNs}`, () =>
      saCore.createNamespacedSecret({ namespace: watchNs, body: { metadata: { name: 'planted' } } }),
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
      await cp.kubeConfig
        .makeApiClient(k8s.CoreV1Api)
        .deleteNamespacedSecret({ namespace: watchNs, name: 'oracle-admin' });
      await createRestoreSecrets(cp.kubeConfig, watchNs);
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
  it('the documented cluster-wide `helm install` grants the controller every namespace, still no Secret writing', async () => {
    await controller?.stop();
    controller = undefined;
    const un = await run(helm, helmArgs('uninstall', release, '--namespace', opNs, '--wait'));
    assert.equal(un.code, 0, un.stderr);
    const argv = await documentedCommand('helm-install-cluster-wide');
    assert.ok(!argv.some((a) => a.includes('watchNamespaces')));
    assert.ok(!argv.includes('--create-namespace'), 'the namespace comes from manifests/namespace.yaml');
    const r = await run(helm, helmArgs(...argv.slice(1)));
    assert.equal(r.code, 0, `helm install failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /It watches AlmaRestores in all namespaces\./);
    const kc = await serviceAccountKubeconfig(
      cp,
      opNs,
      'alma-restore-operator',
      path.join(work, 'sa-cw.kubeconfig'),
    );
    // A changed CRD re-initialises its storage for a moment (429): retry like kubectl would.
    await waitFor('AlmaRestores to be listable by the ServiceAccount', async () => {
      await kc
        .makeApiClient(k8s.CustomObjectsApi)
        .listClusterCustomObject({ group: 'almarestore.io', version: 'v1alpha1', plural: 'almarestores' });
      return true;
    });
    await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: otherNs, name: 'oracle-admin' });
    await expectForbidden('create a Secret', () =>
      kc
        .makeApiClient(k8s.CoreV1Api)
        .createNamespacedSecret({ namespace: otherNs, body: { metadata: { name: 'planted' } } }),
    );
    const un2 = await run(helm, helmArgs('uninstall', release, '--namespace', opNs, '--wait'));
    assert.equal(un2.code, 0, un2.stderr);
  });

  it('the documented `kubectl apply --server-side -f manifests/install.yaml` applies cleanly', async () => {
    const argv = await documentedCommand('kubectl-apply-manifests');
    assert.deepEqual(argv, ['kubectl', 'apply', '--server-side', '-f', 'manifests/install.yaml']);
    // No kubectl binary in the test kit: the same request kubectl sends (a server-side apply
    // PATCH of each object, untyped, so that no field is lost in a client-side model).
    const objects = parseObjects(await readFile(path.join(REPO_ROOT, argv[4]!), 'utf8'));
    for (const obj of objects) await serverSideApply(cp.kubeConfig, obj);
    const api = k8s.KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    const apps = cp.kubeConfig.makeApiClient(k8s.AppsV1Api);
    const deploy = await apps.readNamespacedDeployment({
      namespace: 'alma-restore-system',
      name: 'alma-restore-operator',
    });
    assert.equal(deploy.spec?.replicas, 2);
    const ns = await cp.kubeConfig
      .makeApiClient(k8s.CoreV1Api)
      .readNamespace({ name: 'alma-restore-system' });
    assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    const kc = await serviceAccountKubeconfig(
      cp,
      opNs,
      'alma-restore-operator',
      path.join(work, 'sa-m.kubeconfig'),
    );
    await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .listClusterCustomObject({ group: 'almarestore.io', version: 'v1alpha1', plural: 'almarestores' });
    // Clean up everything but the CRD (other tests use it) and the namespace.
    for (const obj of objects.filter((o) => o.kind !== 'CustomResourceDefinition' && o.kind !== 'Namespace'))
      await api.delete(obj);
  });
});
