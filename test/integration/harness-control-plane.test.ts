// Proof that the test control plane is a real one: CRDs and custom resources round-trip through
// etcd, the API server enforces schema and CEL validation, RBAC denies an unbound identity, and
// the garbage collector deletes owned objects.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { sharedControlPlane, waitFor, type ControlPlane } from '../support/control-plane.js';

const GROUP = 'example.test';
const VERSION = 'v1';
const PLURAL = 'widgets';

function widget(name: string, spec: Record<string, unknown>) {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { name }, spec };
}

function apiError(err: unknown): { code?: number; message: string } {
  const e = err as { code?: number; body?: unknown };
  const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string }) : undefined;
  return { code: e.code, message: body?.message ?? String(err) };
}

describe('test control plane', () => {
  let cp: ControlPlane;
  let custom: k8s.CustomObjectsApi;
  before(async () => {
    cp = await sharedControlPlane();
    await cp.applyCrds(['test/fixtures/crds/widgets.example.test.yaml']);
    custom = cp.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  });

  it('reports the pinned Kubernetes version (built with version ldflags)', async () => {
    const version = await cp.kubeConfig.makeApiClient(k8s.VersionApi).getCode();
    assert.match(version.gitVersion, /^v1\.3[5-9]\.\d+$/);
  });

  it('creates, reads, updates and deletes a custom resource', async () => {
    const namespace = await cp.newNamespace('crud');
    const base = { group: GROUP, version: VERSION, namespace, plural: PLURAL };
    await custom.createNamespacedCustomObject({ ...base, body: widget('w1', { size: 2, color: 'blue' }) });
    const read = (await custom.getNamespacedCustomObject({ ...base, name: 'w1' })) as {
      spec: { size: number };
    };
    assert.equal(read.spec.size, 2);
    await custom.patchNamespacedCustomObject(
      { ...base, name: 'w1', body: { spec: { size: 3 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const patched = (await custom.getNamespacedCustomObject({ ...base, name: 'w1' })) as {
      spec: { size: number };
    };
    assert.equal(patched.spec.size, 3);
    await custom.deleteNamespacedCustomObject({ ...base, name: 'w1' });
    await assert.rejects(
      custom.getNamespacedCustomObject({ ...base, name: 'w1' }),
      (err) => apiError(err).code === 404,
    );
  });

  it('rejects invalid objects with the server’s schema and CEL messages', async () => {
    const namespace = await cp.newNamespace('validation');
    const base = { group: GROUP, version: VERSION, namespace, plural: PLURAL };
    await assert.rejects(
      custom.createNamespacedCustomObject({ ...base, body: widget('big-blue', { size: 7, color: 'blue' }) }),
      (err) => {
        const { code, message } = apiError(err);
        assert.equal(code, 422);
        assert.match(message, /widgets larger than 5 must be red/);
        return true;
      },
    );
    await assert.rejects(
      custom.createNamespacedCustomObject({ ...base, body: widget('huge', { size: 11 }) }),
      (err) => {
        assert.match(
          apiError(err).message,
          /spec\.size: Invalid value: 11: spec\.size in body should be less than or equal to 10/,
        );
        return true;
      },
    );
  });

  it('denies an identity without a RoleBinding (403) and allows it once bound', async () => {
    const namespace = await cp.newNamespace('rbac');
    const userKc = new k8s.KubeConfig();
    userKc.loadFromFile(await cp.mintUser('alice', ['testers']));
    const asAlice = userKc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(asAlice.listNamespacedConfigMap({ namespace }), (err) => {
      const { code, message } = apiError(err);
      assert.equal(code, 403);
      assert.match(message, /User "alice" cannot list resource "configmaps"/);
      return true;
    });
    const rbac = cp.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'cm-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'alice-reads' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'testers' }],
      },
    });
    await waitFor('RBAC to allow alice', async () => {
      await asAlice.listNamespacedConfigMap({ namespace });
      return true;
    });
    // Still only what the Role grants.
    await assert.rejects(asAlice.listNamespacedSecret({ namespace }), (err) => apiError(err).code === 403);
  });

  it('deletes an owned object through the garbage collector when its owner is deleted', async () => {
    const namespace = await cp.newNamespace('gc');
    const base = { group: GROUP, version: VERSION, namespace, plural: PLURAL };
    const owner = (await custom.createNamespacedCustomObject({
      ...base,
      body: widget('owner', { size: 1 }),
    })) as {
      metadata: { uid: string };
    };
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [
            {
              apiVersion: `${GROUP}/${VERSION}`,
              kind: 'Widget',
              name: 'owner',
              uid: owner.metadata.uid,
              controller: true,
            },
          ],
        },
        data: { a: 'b' },
      },
    });
    await custom.deleteNamespacedCustomObject({ ...base, name: 'owner' });
    await waitFor(
      'the garbage collector to delete the owned ConfigMap',
      async () => {
        try {
          await core.readNamespacedConfigMap({ namespace, name: 'owned' });
          return false;
        } catch (err) {
          return apiError(err).code === 404;
        }
      },
      90_000,
      500,
    );
  });
});
