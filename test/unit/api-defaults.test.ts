import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openAPIV3Schema } from '../../src/api/crd.js';
import {
  DEFAULT_RUNNER_IMAGE,
  defaultSchemaName,
  defaultTablespaceName,
  resolveAlmaRestore,
  resolveSpec,
} from '../../src/api/defaults.js';
import type { Schema } from '../../src/api/schema-helpers.js';
import type { AlmaRestore } from '../../src/api/types.js';
import { minimalSpec } from './api-fixtures.js';

describe('resolveSpec', () => {
  it('names schemas and tablespaces as the vendor advises: EXL_ADMIN/USERS, then EXL_ADMIN_2/USERS2, ...', () => {
    const spec = minimalSpec();
    spec.institutions = [
      { institutionId: '1', bibRecords: 10 },
      { institutionId: '2', bibRecords: 10 },
      { institutionId: '3', bibRecords: 10, schema: 'LAW', tablespace: 'LAW_DATA' },
      { institutionId: '4', bibRecords: 10 },
    ];
    const r = resolveSpec(spec);
    assert.deepEqual(
      r.institutions.map((i) => [i.schema, i.tablespace]),
      [
        ['EXL_ADMIN', 'USERS'],
        ['EXL_ADMIN_2', 'USERS2'],
        ['LAW', 'LAW_DATA'],
        ['EXL_ADMIN_4', 'USERS4'],
      ],
    );
    assert.equal(defaultSchemaName(0), 'EXL_ADMIN');
    assert.equal(defaultTablespaceName(9), 'USERS10');
  });

  it('applies every default of the CRD schema', () => {
    const r = resolveSpec(minimalSpec()) as unknown as Record<string, unknown>;
    const missing: string[] = [];
    const check = (schema: Schema, value: unknown, at: string) => {
      for (const [k, sub] of Object.entries(schema.properties ?? {})) {
        const v = (value as Record<string, unknown> | undefined)?.[k];
        if (sub.default !== undefined && v === undefined) missing.push(`${at}.${k}`);
        if (sub.default !== undefined && typeof sub.default !== 'object')
          assert.equal(v, sub.default, `${at}.${k}`);
        if (v !== undefined && sub.type === 'object') check(sub, v, `${at}.${k}`);
      }
    };
    check(openAPIV3Schema.properties!.spec!, r, 'spec');
    assert.deepEqual(missing, []);
  });

  it('fills what depends on the controller and on other fields', () => {
    const spec = minimalSpec();
    spec.storage = { storageClassName: 'fast' };
    const r = resolveSpec(spec, { runnerImage: 'registry.example.edu/alma/runner:1' });
    assert.equal(r.steps.runnerImage, 'registry.example.edu/alma/runner:1');
    assert.equal(r.database.managed!.storageClassName, 'fast');
    assert.equal(r.import.impdpImage, 'oracle/database:19.3.0-ee');
    assert.deepEqual(r.database.managed!.imagePullSecrets, []);
    assert.deepEqual(r.database.managed!.resources, {
      requests: { cpu: '2', memory: '8Gi' },
      limits: { memory: '8Gi' },
    });
    assert.deepEqual(r.import.ignorableErrors, []);
    assert.equal(resolveSpec(minimalSpec()).steps.runnerImage, DEFAULT_RUNNER_IMAGE);
  });

  it('keeps explicit values and does not modify its input', () => {
    const spec = minimalSpec();
    spec.source.sftp.port = 2222;
    spec.import = { parallelism: 4, tableExistsAction: 'REPLACE' };
    const before = structuredClone(spec);
    const r = resolveSpec(spec);
    assert.equal(r.source.sftp.port, 2222);
    assert.equal(r.import.parallelism, 4);
    assert.equal(r.import.tableExistsAction, 'REPLACE');
    assert.equal(r.import.engine, 'datapump-api');
    assert.deepEqual(spec, before);
  });

  it('resolveAlmaRestore carries name, namespace, uid and generation', () => {
    const ar: AlmaRestore = {
      apiVersion: 'almarestore.io/v1alpha1',
      kind: 'AlmaRestore',
      metadata: { name: 'q3', namespace: 'library', uid: 'u-1', generation: 3 },
      spec: minimalSpec(),
    };
    const r = resolveAlmaRestore(ar);
    assert.deepEqual([r.name, r.namespace, r.uid, r.generation], ['q3', 'library', 'u-1', 3]);
    assert.equal(resolveAlmaRestore({ ...ar, metadata: { name: 'q3' } }).namespace, 'default');
  });
});
