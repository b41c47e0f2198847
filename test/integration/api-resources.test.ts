// What the builders produce is accepted by a REAL API server (server-side dry run: admission,
// defaulting and validation of ConfigMap, PVC, Service, StatefulSet and Jobs, incl. the
// restricted Pod Security profile's requirements), for both example manifests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { resolveAlmaRestore } from '../../src/api/defaults.js';
import { planSizing } from '../../src/api/sizing.js';
import type { AlmaRestore } from '../../src/api/types.js';
import { validateAlmaRestore } from '../../src/api/validation.js';
import { allResources } from '../../src/resources/index.js';
import { sharedControlPlane, type ControlPlane } from '../support/control-plane.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('resources built for an AlmaRestore, against the real API server', () => {
  let cp: ControlPlane;
  let objects: k8s.KubernetesObjectApi;
  let namespace: string;

  before(async () => {
    cp = await sharedControlPlane();
    objects = k8s.KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    namespace = await cp.newNamespace('api-resources');
    // Enforce the restricted Pod Security Standard: the step Jobs' pods must pass it.
    await cp.kubeConfig.makeApiClient(k8s.CoreV1Api).patchNamespace(
      {
        name: namespace,
        body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  });

  for (const file of ['almarestore-managed.yaml', 'almarestore-existing.yaml', 'impdp'])
    it(`accepts every object for ${file} (dry run)`, async () => {
      const source = file === 'impdp' ? 'almarestore-managed.yaml' : file;
      const doc = YAML.parse(
        readFileSync(path.join(ROOT, 'manifests/examples', source), 'utf8'),
      ) as AlmaRestore;
      if (file === 'impdp') doc.spec.import = { engine: 'impdp' };
      doc.metadata.namespace = namespace;
      const verdict = validateAlmaRestore(doc);
      assert.ok(verdict.ok);
      const restore = resolveAlmaRestore(verdict.defaulted, {
        runnerImage: 'registry.example.edu/alma/runner:1',
      });
      const built = allResources(restore, planSizing(restore.spec));
      assert.ok(built.length >= 5);
      // PodSecurity enforces on Pods only (workloads just warn): dry-run their pod templates too.
      const pods = built
        .filter((o): o is k8s.V1Job | k8s.V1StatefulSet => o.kind === 'Job' || o.kind === 'StatefulSet')
        .map((o) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `${o.metadata!.name}-pod`, namespace, labels: o.spec!.template.metadata!.labels },
          spec: {
            ...o.spec!.template.spec!,
            // The StatefulSet controller adds a volume per claim template: so do we.
            volumes: [
              ...(o.spec!.template.spec!.volumes ?? []),
              ...((o as k8s.V1StatefulSet).spec!.volumeClaimTemplates ?? []).map((t) => ({
                name: t.metadata!.name!,
                persistentVolumeClaim: { claimName: `${t.metadata!.name}-${o.metadata!.name}-0` },
              })),
            ],
          },
        }));
      assert.ok(pods.length >= 4);
      for (const obj of [...built, ...pods]) {
        try {
          await objects.create(obj, undefined, 'All');
        } catch (err) {
          assert.fail(
            `${obj.kind} ${obj.metadata?.name} rejected: ${(err as { body?: string }).body ?? err}`,
          );
        }
      }
    });
});
