import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideChild, type ChildFacts } from '../../src/controller/children-decide.js';

const me = { name: 'q3', uid: 'new-uid' };
const ours = {
  'almarestore.io/restore': 'q3',
  'app.kubernetes.io/managed-by': 'alma-restore-operator',
};
const sts = (existing?: ChildFacts['existing']): ChildFacts => ({
  kind: 'StatefulSet',
  role: 'database',
  namespace: 'library',
  name: 'q3-db',
  ...(existing ? { existing } : {}),
});
const oldOwner = {
  apiVersion: 'almarestore.io/v1alpha1',
  kind: 'AlmaRestore',
  name: 'q3',
  uid: 'old-uid',
  controller: true,
};

describe('decideChild: what holds a child name when a restore is re-applied', () => {
  it('creates what is absent and keeps what it owns', () => {
    assert.deepEqual(decideChild(me, sts()), { action: 'create' });
    assert.deepEqual(decideChild(me, sts({ ownerReferences: [{ ...oldOwner, uid: 'new-uid' }] })), {
      action: 'ok',
    });
  });

  it('waits for a child still being deleted, naming the pods that keep a claim', () => {
    const v = decideChild(me, {
      kind: 'PersistentVolumeClaim',
      role: 'staging volume',
      namespace: 'library',
      name: 'q3-staging',
      existing: { deletionTimestamp: '2026-12-01T20:00:00.000Z', ownerReferences: [oldOwner], labels: ours },
      mountedBy: ['q3-db-0'],
    });
    assert.equal(v.action, 'wait');
    assert.match(
      (v as { message: string }).message,
      /^Waiting for PersistentVolumeClaim library\/q3-staging \(staging volume\) of an earlier AlmaRestore q3 to finish deleting \(since 2026-12-01T20:00:00\.000Z\); pod\(s\) q3-db-0 still mount it/,
    );
  });

  it("waits for the garbage collector on a child of the predecessor's uid", () => {
    assert.equal(decideChild(me, sts({ ownerReferences: [oldOwner], labels: ours })).action, 'wait');
  });

  it('adopts a retained database explicitly, and refuses what is not ours', () => {
    const adopt = decideChild(me, sts({ labels: ours }));
    assert.equal(adopt.action, 'adopt');
    assert.match(
      (adopt as { message: string }).message,
      /retention\.onDelete: Retain.*database\.replaceExistingSchema/,
    );
    assert.equal(decideChild(me, sts({ labels: { app: 'oracle' } })).action, 'refuse');
    const foreign = decideChild(
      me,
      sts({
        labels: ours,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'u', controller: true },
        ],
      }),
    );
    assert.match(
      (foreign as { message: string }).message,
      /owned by Deployment x: give this AlmaRestore another name/,
    );
  });
});
