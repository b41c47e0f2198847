import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { restoresReferencingSecret, secretProblems } from '../../src/controller/secret-watch.js';
import { minimalSpec, almaRestore, existingSpec } from './api-fixtures.js';

const secret = (name: string, keys: string[], namespace = 'library'): k8s.V1Secret => ({
  metadata: { name, namespace },
  data: Object.fromEntries(keys.map((k) => [k, 'eA=='])),
});

describe('Secrets from the watched cache', () => {
  const cache =
    (...secrets: k8s.V1Secret[]) =>
    (name: string, ns: string) =>
      secrets.find((s) => s.metadata?.name === name && s.metadata.namespace === ns);

  it('finds no problem when every referenced Secret has its keys', () => {
    const lookup = cache(
      secret('sftp', ['username', 'password', 'knownHosts']),
      secret('db-admin', ['password']),
      secret('schema', ['password']),
    );
    assert.deepEqual(secretProblems(almaRestore(), lookup), []);
  });

  it('names a missing Secret and a missing key', () => {
    const lookup = cache(secret('sftp', ['username', 'password', 'knownHosts']), secret('db-admin', []));
    assert.deepEqual(secretProblems(almaRestore(), lookup), [
      'Secret db-admin has no key "password"',
      'Secret library/schema (schema) does not exist',
    ]);
  });

  it('does not use a Secret of the same name in another namespace', () => {
    const lookup = cache(secret('schema', ['password'], 'elsewhere'));
    assert.ok(
      secretProblems(almaRestore(), lookup).includes('Secret library/schema (schema) does not exist'),
    );
  });

  it('wakes exactly the restores of that namespace that reference the Secret', () => {
    const a = almaRestore(undefined, 'a');
    const b = almaRestore(existingSpec(), 'b');
    const other = { ...almaRestore(undefined, 'c'), metadata: { name: 'c', namespace: 'elsewhere' } };
    assert.deepEqual(restoresReferencingSecret([a, b, other], 'db-admin', 'library'), [
      'library/a',
      'library/b',
    ]);
    assert.deepEqual(restoresReferencingSecret([a, b, other], 'unrelated', 'library'), []);
  });

  it('wakes a restore waiting for an image pull Secret', () => {
    const spec = minimalSpec();
    spec.database.managed!.imagePullSecrets = ['oracle-registry'];
    const r = almaRestore(spec, 'pull');
    assert.deepEqual(restoresReferencingSecret([r], 'oracle-registry', 'library'), ['library/pull']);
  });
});
