// What the informer caches keep (src/runtime/slim.ts): no managedFields, no last-applied copy,
// and Secrets with their key names but no values; everything the controller reads is still there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { LAST_APPLIED, slimObject, slimSecret } from '../../src/runtime/slim.js';

describe('cache slimming', () => {
  it('drops managedFields and the last-applied annotation, keeping labels, owners and other annotations', () => {
    const pod: k8s.V1Pod = {
      metadata: {
        name: 'p',
        namespace: 'ns',
        resourceVersion: '7',
        labels: { 'almarestore.io/restore': 'q3' },
        annotations: { [LAST_APPLIED]: '{"big":"copy"}', 'almarestore.io/retry': '2' },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'u' }],
        managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
      },
      status: { phase: 'Running' },
    };
    const slim = slimObject(structuredClone(pod));
    assert.equal(slim.metadata?.managedFields, undefined);
    assert.deepEqual(slim.metadata?.annotations, { 'almarestore.io/retry': '2' });
    assert.deepEqual(slim.metadata?.labels, pod.metadata!.labels);
    assert.deepEqual(slim.metadata?.ownerReferences, pod.metadata!.ownerReferences);
    assert.deepEqual(slim.status, pod.status);
    const onlyLastApplied = slimObject({ metadata: { name: 'x', annotations: { [LAST_APPLIED]: '{}' } } });
    assert.equal(onlyLastApplied.metadata?.annotations, undefined);
  });

  it('keeps a Secret type and key names, never its values', () => {
    const secret = slimSecret({
      metadata: { name: 's', namespace: 'ns', managedFields: [{ manager: 'helm' }] },
      type: 'kubernetes.io/basic-auth',
      data: { username: 'YWxtYQ==', password: 'c2VjcmV0' },
      stringData: { knownHosts: 'sftp ssh-ed25519 AAAA' },
    });
    assert.deepEqual(secret, {
      metadata: { name: 's', namespace: 'ns' },
      type: 'kubernetes.io/basic-auth',
      data: { username: '', password: '', knownHosts: '' },
    });
  });
});
