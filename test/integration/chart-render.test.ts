// The Helm chart with the real helm binary: lint, render (defaults and every optional feature),
// least-privilege RBAC, restricted security context, schema rejections, and the files derived
// from the chart (CRD copy, manifests/install.yaml) kept in sync.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import YAML from 'yaml';
import {
  CHART_DIR,
  REPO_ROOT,
  findHelm,
  helmTemplate,
  parseObjects,
  run,
  TEMPLATE_KUBE_VERSION,
  type K8sObject,
} from '../support/chart-tools.js';

const ALL_FEATURES = path.join(CHART_DIR, 'ci', 'all-features-values.yaml');
const BAD_VALUES = path.join(CHART_DIR, 'tests', 'bad-values');

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** What the controller uses in a watched namespace: exactly this, nothing more. */
const WATCHED_RULES: Record<string, string[]> = {
  'almarestore.io/almarestores': ['get', 'list', 'watch', 'update', 'patch'],
  'almarestore.io/almarestores/status': ['get', 'update', 'patch'],
  'almarestore.io/almarestores/finalizers': ['update'],
  'batch/jobs': ['get', 'list', 'watch', 'create', 'delete', 'patch'],
  'core/pods': ['get', 'list', 'watch'],
  // Live step progress: the step container's log tail (docs/api.md, "Live progress").
  'core/pods/log': ['get'],
  'core/persistentvolumeclaims': ['get', 'list', 'watch', 'create', 'delete', 'patch'],
  'core/services': ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  'core/configmaps': ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  'apps/statefulsets': ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  // Watched so that a Secret created after the restore wakes it (docs/install.md, "Caches, RBAC and memory").
  'core/secrets': ['get', 'list', 'watch'],
  'core/events': ['create', 'patch', 'list'],
  'events.k8s.io/events': ['create', 'patch'],
};

/** Flattens rules to "group/resource" -> sorted verbs; fails on wildcards. */
function flatten(rules: PolicyRule[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        assert.ok(g !== '*' && res !== '*' && !r.verbs.includes('*'), `wildcard in ${JSON.stringify(r)}`);
        const key = `${g === '' ? 'core' : g}/${res}`;
        out[key] = [...new Set([...(out[key] ?? []), ...r.verbs])].sort();
      }
    }
  }
  return out;
}
const sorted = (m: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v].sort()]));

function find(objs: K8sObject[], kind: string, name?: string, namespace?: string): K8sObject[] {
  return objs.filter(
    (o) =>
      o.kind === kind &&
      (name === undefined || o.metadata.name === name) &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
}
function one(objs: K8sObject[], kind: string, name?: string, namespace?: string): K8sObject {
  const found = find(objs, kind, name, namespace);
  assert.equal(
    found.length,
    1,
    `expected one ${kind} ${namespace ?? ''}/${name ?? '*'}, got ${found.length}`,
  );
  return found[0]!;
}

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown>;
  ports: { name: string; containerPort: number }[];
  image: string;
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  topologySpreadConstraints?: {
    topologyKey: string;
    labelSelector?: { matchLabels: Record<string, string> };
  }[];
}
function podSpec(deploy: K8sObject): PodSpec {
  return (deploy.spec as { template: { spec: PodSpec } }).template.spec;
}

describe('Helm chart (real helm)', () => {
  let helm: string;
  let defaults: K8sObject[];
  let full: K8sObject[];

  before(async () => {
    helm = findHelm();
    defaults = parseObjects(await helmTemplate([]));
    full = parseObjects(await helmTemplate(['-f', ALL_FEATURES]));
  });

  it('passes helm lint --strict with default values and with every optional feature on', async () => {
    for (const args of [[], ['-f', ALL_FEATURES]]) {
      const r = await run(helm, ['lint', CHART_DIR, '--strict', ...TEMPLATE_KUBE_VERSION, ...args]);
      assert.equal(r.code, 0, `helm lint ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('renders the controller Deployment: 2 replicas, leader election, probes, resources, restricted, spread', () => {
    const deploy = one(defaults, 'Deployment', 'alma-restore-operator', 'alma-restore-system');
    assert.equal((deploy.spec as { replicas: number }).replicas, 2);
    const pod = podSpec(deploy);
    assert.equal(pod.serviceAccountName, 'alma-restore-operator');
    const [c] = pod.containers;
    assert.ok(c);
    assert.equal(c.image, 'ghcr.io/alma-restore-operator/alma-restore-operator:0.1.0');
    assert.equal(c.args[0], 'controller');
    assert.ok(c.args.includes('--leader-elect'), c.args.join(' '));
    assert.ok(c.args.includes('--lease-namespace=alma-restore-system'));
    assert.ok(c.args.includes('--lease-name=alma-restore-operator'));
    assert.ok(c.args.includes('--max-concurrent-restores=2'));
    assert.ok(c.args.includes('--metrics-bind-address=:8080'));
    assert.ok(!c.args.some((a) => a.startsWith('--watch-namespace')), 'default watches all namespaces');
    assert.deepEqual(
      c.env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath,
      'metadata.namespace',
    );
    assert.equal(
      c.env.find((e) => e.name === 'RUNNER_IMAGE')?.value,
      c.image,
      'step Jobs run the same image',
    );
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.ports[0]?.containerPort, 8080);
    assert.ok(c.resources.requests?.cpu && c.resources.requests.memory && c.resources.limits?.memory);
    // The "restricted" Pod Security Standard.
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    const spread = pod.topologySpreadConstraints ?? [];
    assert.equal(spread[0]?.topologyKey, 'kubernetes.io/hostname');
    assert.deepEqual(spread[0]?.labelSelector?.matchLabels, {
      'app.kubernetes.io/name': 'alma-restore-operator',
      'app.kubernetes.io/instance': 'alma-restore-operator',
      'app.kubernetes.io/component': 'controller',
    });
  });

  it('default RBAC is cluster-wide and exactly what the controller uses', () => {
    const role = one(defaults, 'ClusterRole', 'alma-restore-operator');
    assert.deepEqual(flatten(role.rules as PolicyRule[]), sorted(WATCHED_RULES));
    const binding = one(defaults, 'ClusterRoleBinding', 'alma-restore-operator');
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'alma-restore-operator', namespace: 'alma-restore-system' },
    ]);
    const sc = one(defaults, 'ClusterRole', 'alma-restore-operator-storageclasses');
    assert.deepEqual(flatten(sc.rules as PolicyRule[]), {
      'storage.k8s.io/storageclasses': ['get', 'list', 'watch'],
    });
    const lease = one(defaults, 'Role', 'alma-restore-operator-leader-election', 'alma-restore-system');
    assert.deepEqual(flatten(lease.rules as PolicyRule[]), {
      'coordination.k8s.io/leases': ['create', 'get', 'update'],
    });
    one(defaults, 'RoleBinding', 'alma-restore-operator-leader-election', 'alma-restore-system');
    one(defaults, 'ServiceAccount', 'alma-restore-operator', 'alma-restore-system');
    // Nothing optional by default.
    for (const kind of ['ServiceMonitor', 'PrometheusRule', 'PodDisruptionBudget'])
      assert.equal(find(defaults, kind).length, 0, `${kind} rendered by default`);
  });

  it('renders a metrics Service that selects the controller Pods', () => {
    const svc = one(defaults, 'Service', 'alma-restore-operator-metrics', 'alma-restore-system');
    const spec = svc.spec as { selector: Record<string, string>; ports: { name: string; port: number }[] };
    assert.deepEqual(
      spec.ports.map((p) => [p.name, p.port]),
      [['metrics', 8080]],
    );
    const deploy = one(defaults, 'Deployment');
    const podLabels = (deploy.spec as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    for (const [k, v] of Object.entries(spec.selector)) assert.equal(podLabels[k], v, `selector ${k}`);
  });

  it('with every optional feature on: namespaced RBAC per watched namespace, ServiceMonitor, PrometheusRule, PDB', () => {
    // Namespaced watch: a Role + RoleBinding in each watched namespace, no cluster-wide access to them.
    for (const ns of ['library-a', 'library-b']) {
      const role = one(full, 'Role', 'alma-restore-operator', ns);
      assert.deepEqual(flatten(role.rules as PolicyRule[]), sorted(WATCHED_RULES));
      const rb = one(full, 'RoleBinding', 'alma-restore-operator', ns);
      assert.deepEqual(rb.subjects, [
        { kind: 'ServiceAccount', name: 'alma-controller', namespace: 'alma-restore-system' },
      ]);
    }
    const clusterRoles = find(full, 'ClusterRole');
    assert.deepEqual(
      clusterRoles.map((r) => r.metadata.name),
      ['alma-restore-operator-storageclasses'],
      'only storageclasses are cluster-wide in namespaced mode',
    );
    const c = podSpec(one(full, 'Deployment')).containers[0]!;
    assert.ok(c.args.includes('--watch-namespace=library-a,library-b'), c.args.join(' '));
    assert.ok(c.args.includes('--max-concurrent-restores=1'));
    assert.ok(c.args.includes('--max-concurrent-per-database=1'));
    assert.ok(c.args.includes('--metrics-bind-address=:9090'));
    assert.match(c.image, /@sha256:0123/);
    const sm = one(full, 'ServiceMonitor');
    assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
    assert.deepEqual(
      (sm.spec as { endpoints: { port: string; interval: string }[] }).endpoints.map((e) => [
        e.port,
        e.interval,
      ]),
      [['metrics', '15s']],
    );
    const rule = one(full, 'PrometheusRule');
    const text = YAML.stringify(rule.spec);
    assert.match(text, /alma_restore_tablespace_used_ratio\) > 0\.9/);
    assert.match(text, /up\{job="alma-operator"/);
    assert.match(text, /https:\/\/wiki\.example\.edu\/alma\/alerts\.md#almarestorefailed/);
    assert.equal((one(full, 'PodDisruptionBudget').spec as { minAvailable: number }).minAvailable, 2);
    const spread = podSpec(one(full, 'Deployment')).topologySpreadConstraints ?? [];
    assert.deepEqual(
      spread.map((s) => s.topologyKey),
      ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
    );
    assert.ok(
      spread.every((s) => s.labelSelector?.matchLabels['app.kubernetes.io/component'] === 'controller'),
    );
  });

  it('refuses a Kubernetes older than 1.30 (Chart.yaml kubeVersion: the CRD CEL rules)', async () => {
    const old = await run(helm, ['template', 'x', CHART_DIR, '--kube-version', '1.29.9']);
    assert.notEqual(old.code, 0);
    assert.match(
      old.stderr,
      /chart requires kubeVersion: >=1\.30\.0-0 which is incompatible with Kubernetes v1\.29\.9/,
    );
    const min = await run(helm, ['template', 'x', CHART_DIR, '--kube-version', '1.30.0']);
    assert.equal(min.code, 0, min.stderr);
  });

  it('refuses replicaCount > 1 without leader election, with a clear message', async () => {
    const r = await run(helm, [
      'template',
      'x',
      CHART_DIR,
      ...TEMPLATE_KUBE_VERSION,
      '--set',
      'controller.leaderElection.enabled=false',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /replicaCount > 1 requires controller.leaderElection.enabled=true/);
    // One replica without leader election is fine, and no Lease RBAC is rendered then.
    const single = parseObjects(
      await helmTemplate(['--set', 'controller.leaderElection.enabled=false', '--set', 'replicaCount=1']),
    );
    assert.equal(find(single, 'Role').length, 0);
    assert.ok(!podSpec(one(single, 'Deployment')).containers[0]!.args.includes('--leader-elect'));
  });

  it('values.schema.json rejects bad values files with clear messages', async () => {
    const expected: Record<string, RegExp> = {
      'typo-top-level-key.yaml': /additional properties 'replicas' not allowed/,
      'nested-typo.yaml': /at '\/metrics\/serviceMonitor': additional properties 'enable' not allowed/,
      'replica-count-string.yaml': /at '\/replicaCount': got string, want integer/,
      'pull-policy-invalid.yaml':
        /at '\/image\/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'/,
      'watch-namespace-invalid.yaml':
        /at '\/controller\/watchNamespaces\/0': 'Library_A' does not match pattern/,
      'watch-namespaces-not-a-list.yaml': /at '\/controller\/watchNamespaces': got string, want array/,
      'threshold-percent.yaml':
        /at '\/prometheusRule\/alerts\/tablespaceAlmostFull\/threshold': exclusiveMaximum/,
      'alert-for-not-a-duration.yaml':
        /at '\/prometheusRule\/alerts\/stalled\/for': 'ten minutes' does not match/,
      'severity-invalid.yaml': /at '\/prometheusRule\/alerts\/failed\/severity': value must be one of/,
    };
    const files = (await readdir(BAD_VALUES)).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, Object.keys(expected).sort(), 'every bad values file has an expected message');
    assert.ok(files.length >= 5);
    for (const f of files) {
      const r = await run(helm, [
        'template',
        'x',
        CHART_DIR,
        ...TEMPLATE_KUBE_VERSION,
        '-f',
        path.join(BAD_VALUES, f),
      ]);
      assert.notEqual(r.code, 0, `${f} was accepted`);
      assert.match(r.stderr, /values don't meet the specifications of the schema/, `${f}: ${r.stderr}`);
      assert.match(r.stderr, expected[f]!, `${f}: ${r.stderr}`);
    }
  });

  it("the chart's crds/ holds a byte-identical copy of crds/almarestore.io_almarestores.yaml", async () => {
    const source = await readFile(path.join(REPO_ROOT, 'crds', 'almarestore.io_almarestores.yaml'), 'utf8');
    const copy = await readFile(path.join(CHART_DIR, 'crds', 'almarestore.io_almarestores.yaml'), 'utf8');
    assert.ok(
      copy === source,
      'charts/alma-restore-operator/crds/ is stale: run bash scripts/render-install-manifest.sh and commit',
    );
    assert.deepEqual(await readdir(path.join(CHART_DIR, 'crds')), ['almarestore.io_almarestores.yaml']);
  });

  it('manifests/install.yaml is the chart rendered with default values (not stale)', async () => {
    const r = await run('bash', [path.join(REPO_ROOT, 'scripts', 'render-install-manifest.sh'), '--check'], {
      env: { ...process.env, HELM_BIN: helm },
    });
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    const objs = parseObjects(await readFile(path.join(REPO_ROOT, 'manifests', 'install.yaml'), 'utf8'));
    assert.deepEqual(
      objs.slice(0, 2).map((o) => o.kind),
      ['Namespace', 'CustomResourceDefinition'],
      'Namespace and CRD come first, so one kubectl apply works',
    );
    assert.equal(objs[0]?.metadata.name, 'alma-restore-system');
    one(objs, 'Deployment', 'alma-restore-operator', 'alma-restore-system');
  });
});
