// The install story agrees with itself: one minimum Kubernetes version (README, docs/install.md,
// Chart.yaml kubeVersion) that the CRD's features need; the docs name only files that exist; the
// examples create the namespace they use; the operator's namespace is labelled for restricted
// Pod Security wherever the docs make it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { crdYaml } from '../../src/api/crd.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const README = read('README.md');
const INSTALL = read('docs/install.md');

/** The oldest Kubernetes that serves every feature the CRD uses (kubernetes.io CEL and CRD docs). */
function minimumKubernetes(): string {
  const crd = crdYaml();
  if (/\breason: Field|fieldPath:/.test(crd)) return '1.30'; // reason / fieldPath of rules: stable in 1.30
  if (/\bquantity\(|isQuantity\(/.test(crd)) return '1.29'; // Kubernetes quantity library: 1.29+
  return '1.25'; // x-kubernetes-validations on by default
}

describe('install docs', () => {
  it('state one minimum Kubernetes version, the one the CRD needs', () => {
    const min = minimumKubernetes();
    assert.equal(min, '1.30');
    assert.match(README, new RegExp(`Kubernetes ${min.replace('.', '\\.')}\\+`));
    assert.match(INSTALL, new RegExp(`\\*\\*Kubernetes ${min.replace('.', '\\.')} or later\\.\\*\\*`));
    const chart = YAML.parse(read('charts/alma-restore-operator/Chart.yaml')) as { kubeVersion?: string };
    assert.equal(chart.kubeVersion, `>=${min}.0-0`);
    // Every statement of a minimum ("Kubernetes 1.x+" / "1.x or later") names the same version.
    const minimums = [...`${README}\n${INSTALL}`.matchAll(/Kubernetes (1\.\d+)(?:\+| or later)/g)].map(
      (m) => m[1],
    );
    assert.deepEqual([...new Set(minimums)], [min], 'every stated minimum in README and install.md');
  });

  it('name only files that exist', () => {
    for (const [name, text] of [
      ['README.md', README],
      ['docs/install.md', INSTALL],
      ['docs/troubleshooting.md', read('docs/troubleshooting.md')],
    ] as const) {
      const paths = [
        ...text.matchAll(
          /(?<![\w/.-])((?:manifests|charts|docs|crds|scripts|src|test|bench)\/[\w./-]*\w)(?![\w*-])/g,
        ),
      ].map((m) => m[1]!);
      // `-f FILE` in commands, relative to the repository (placeholders in capitals are not files).
      const flags = [...text.matchAll(/ -f (\S+\.ya?ml)\b/g)]
        .map((m) => m[1]!)
        .filter((f) => !f.startsWith('/'));
      const links = [...text.matchAll(/\]\(([\w./-]+\.md)(?:#[\w-]*)?\)/g)].map((m) =>
        path.join(name.startsWith('docs/') ? 'docs' : '', m[1]!),
      );
      const missing = [...new Set([...paths, ...flags, ...links])].filter(
        (p) => !existsSync(path.join(ROOT, p)),
      );
      assert.deepEqual(missing, [], `${name} names files that do not exist`);
    }
  });

  it('never use helm --create-namespace: the namespace comes labelled from manifests/namespace.yaml', () => {
    for (const text of [README, INSTALL])
      for (const line of text.split('\n').filter((l) => /^helm install /.test(l)))
        assert.doesNotMatch(line, /--create-namespace/, line);
    assert.match(README, /\nkubectl apply -f manifests\/namespace\.yaml\nhelm install alma-restore-operator/);
    const ns = YAML.parse(read('manifests/namespace.yaml')) as {
      metadata: { name: string; labels: Record<string, string> };
    };
    assert.equal(ns.metadata.name, 'alma-restore-system');
    assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    const installed = YAML.parseAllDocuments(read('manifests/install.yaml'))
      .map((d) => d.toJS() as { kind?: string })
      .find((d) => d?.kind === 'Namespace');
    assert.deepEqual(installed, ns, 'manifests/install.yaml starts with the same Namespace');
  });
});

describe('manifests/examples', () => {
  const files = readdirSync(path.join(ROOT, 'manifests/examples')).filter((f) => f.endsWith('.yaml'));
  const docsOf = (f: string) =>
    YAML.parseAllDocuments(read(`manifests/examples/${f}`))
      .map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } } | null)
      .filter((d) => d !== null);

  it('create the namespace they use, before anything in it (the secrets file comes first)', () => {
    for (const f of files.filter((x) => x.startsWith('almarestore-'))) {
      const secrets = f.replace('almarestore-', 'secrets-');
      const sdocs = docsOf(secrets);
      assert.equal(sdocs[0]!.kind, 'Namespace', `${secrets} starts with the Namespace`);
      const created = sdocs[0]!.metadata.name;
      for (const d of [...sdocs.slice(1), ...docsOf(f)])
        assert.equal(
          d.metadata.namespace,
          created,
          `${d.kind}/${d.metadata.name} is in namespace ${created}`,
        );
      assert.match(
        read(`manifests/examples/${f}`),
        new RegExp(`kubectl apply -f ${secrets}`),
        `${f} says to apply ${secrets} first`,
      );
    }
  });
});
