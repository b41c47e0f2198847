// Offline validation, pure: the cases the integration test cannot reach cheaply (updates of every
// kind, Secret key checks). The API server parity itself is in test/integration/api-validation.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlmaRestore } from '../../src/api/types.js';
import {
  celEquals,
  restoreStarted,
  secretRequirements,
  validateAlmaRestore,
} from '../../src/api/validation.js';
import { almaRestore, existingSpec, minimalSpec } from './api-fixtures.js';

const causes = (obj: unknown, old?: unknown) => {
  const v = validateAlmaRestore(obj, old);
  return v.ok ? [] : v.causes.map((c) => `${c.field}: ${c.message}`);
};
const withStatus = (ar: AlmaRestore, status: AlmaRestore['status']) => ({ ...structuredClone(ar), status });

describe('validateAlmaRestore', () => {
  it('accepts the minimal manifest and returns it defaulted', () => {
    const v = validateAlmaRestore(almaRestore());
    assert.ok(v.ok);
    assert.equal(v.defaulted.spec.source.sftp.port, 22);
    assert.equal(v.defaulted.spec.tablespaceGuard?.alertRatio, 0.85);
    assert.equal(v.defaulted.metadata.name, 'q3');
  });

  it('refuses another kind with a 400', () => {
    const v = validateAlmaRestore({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    assert.ok(!v.ok);
    assert.equal(v.code, 400);
  });

  it('formats the message like the API server: one cause bare, several in brackets', () => {
    const ar = almaRestore();
    ar.spec.customerId = 'x';
    const one = validateAlmaRestore(ar);
    assert.ok(!one.ok);
    assert.equal(
      one.message,
      `AlmaRestore.almarestore.io "q3" is invalid: spec.customerId: Invalid value: "x": spec.customerId in body should match '^[0-9]{1,20}$'`,
    );
    ar.spec.institutions[0]!.bibRecords = 0;
    const two = validateAlmaRestore(ar);
    assert.ok(!two.ok);
    assert.match(
      two.message,
      /is invalid: \[spec\.customerId: .*, spec\.institutions\[0\]\.bibRecords: .*\]$/,
    );
  });

  it('skips CEL rules after a blocking schema error, as the API server does', () => {
    const ar = almaRestore();
    delete (ar.spec as Partial<typeof ar.spec>).customerId;
    ar.spec.database.existing = existingSpec().database.existing; // would also break exactlyOneDatabase
    assert.deepEqual(causes(ar), [
      'spec.customerId: Required value',
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('checks metadata.name like the API server and the CRD rule', () => {
    // Required is a blocking error for the API server: the CEL rules are then skipped.
    assert.deepEqual(causes(almaRestore(minimalSpec(), '')), [
      'metadata.name: Required value: name or generateName is required',
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
    assert.match(
      causes(almaRestore(minimalSpec(), 'Q3'))[0]!,
      /^metadata\.name: Invalid value: "Q3": a lowercase RFC 1123 subdomain/,
    );
    assert.match(
      causes(almaRestore(minimalSpec(), '3q'))[0]!,
      /^<nil>: Invalid value: metadata\.name must be at most 40 characters/,
    );
  });

  it('lets everything change before the restore started (Pending, Queued, Planning, Suspended without startTime)', () => {
    const old = almaRestore();
    const changed = structuredClone(old);
    changed.spec.customerId = '9999';
    for (const status of [
      undefined,
      {},
      { phase: 'Pending' },
      { phase: 'Queued' },
      { phase: 'Planning' },
      { phase: 'Suspended' },
    ] as const)
      assert.deepEqual(
        causes(changed, withStatus(old, status as AlmaRestore['status'])),
        [],
        JSON.stringify(status),
      );
  });

  it('freezes the meaning of a started restore, naming the field and the phase', () => {
    const old = withStatus(almaRestore(), { phase: 'Suspended', startTime: '2026-07-01T00:00:00Z' });
    const edits: [string, (a: AlmaRestore) => void][] = [
      ['spec.customerId', (a) => (a.spec.customerId = '1')],
      ['spec.institutions', (a) => (a.spec.institutions[0]!.bibRecords = 5)],
      ['spec.source', (a) => (a.spec.source.sftp.directory = '/elsewhere')],
      ['spec.database', (a) => (a.spec.database.replaceExistingSchema = true)],
      ['spec.storage', (a) => (a.spec.storage = { gibPerMillionBibs: 300 })],
      ['spec.import', (a) => (a.spec.import = { tableExistsAction: 'REPLACE' })],
    ];
    for (const [field, edit] of edits) {
      const changed = almaRestore();
      edit(changed);
      const got = causes(changed, old);
      assert.equal(got.length, 1, got.join('\n'));
      assert.ok(
        got[0]!.startsWith(
          `${field}: Forbidden: cannot change once the restore has started (phase Suspended)`,
        ) && got[0]!.endsWith('; create a new AlmaRestore to restore with other settings'),
        got[0],
      );
    }
  });

  it('lets a restore Failed at provision or fetch fix the SFTP source, not what later steps used', () => {
    const failed = (failedStep: string) =>
      withStatus(almaRestore(), { phase: 'Failed', failedStep, startTime: '2026-07-01T00:00:00Z' });
    const changed = almaRestore();
    changed.spec.source.sftp.host = 'sftp2.example.edu';
    for (const step of ['plan', 'provision', 'fetch'])
      assert.deepEqual(causes(changed, failed(step)), [], step);
    for (const step of ['prepare', 'import', 'verify'])
      assert.match(
        causes(changed, failed(step))[0] ?? '',
        /^spec\.source: Forbidden: .*Failed at provision or fetch/,
      );
    const schema = almaRestore();
    schema.spec.database.replaceExistingSchema = true;
    assert.deepEqual(causes(schema, failed('prepare')), []);
    assert.match(causes(schema, failed('import'))[0] ?? '', /^spec\.database: Forbidden/);
  });

  it('lets the operational fields change after the start', () => {
    const old = withStatus(almaRestore(), { phase: 'Importing', startTime: '2026-07-01T00:00:00Z' });
    const changed = almaRestore();
    changed.spec.suspend = true;
    changed.spec.import = { parallelism: 16, ignorableErrors: ['ORA-31684'] };
    changed.spec.tablespaceGuard = { alertRatio: 0.9 };
    changed.spec.steps = { importDeadlineSeconds: 400000 };
    changed.spec.retention = { onDelete: 'Delete' };
    assert.deepEqual(causes(changed, old), []);
  });

  it('makes cancel one-way', () => {
    const old = almaRestore();
    old.spec.cancel = true;
    assert.deepEqual(causes(almaRestore(), old), [
      'spec.cancel: Invalid value: false: cannot be undone: a cancelled restore stays cancelled; create a new AlmaRestore to restore again',
    ]);
    const again = almaRestore();
    again.spec.cancel = true;
    assert.deepEqual(causes(again, old), []);
  });

  it('allows a default name when its owner overrides it', () => {
    const ar = almaRestore();
    ar.spec.institutions = [
      { institutionId: '1', bibRecords: 1, schema: 'ALMA_A', tablespace: 'ALMA_A' },
      { institutionId: '2', bibRecords: 1, schema: 'EXL_ADMIN', tablespace: 'USERS' },
      { institutionId: '3', bibRecords: 1, schema: 'EXL_ADMIN_3', tablespace: 'USERS3' },
    ];
    assert.deepEqual(causes(ar), []);
  });

  it('restoreStarted and celEquals', () => {
    assert.equal(restoreStarted({ status: { phase: 'Planning' } }), false);
    assert.equal(restoreStarted({ status: { phase: 'Provisioning' } }), true);
    assert.equal(restoreStarted({ status: { phase: 'Queued' } }), false);
    assert.equal(celEquals({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), true);
    assert.equal(celEquals([1, 2], [2, 1]), false);
    assert.equal(celEquals({ a: 1 }, { a: 1, b: 2 }), false);
  });
});

describe('secretRequirements', () => {
  it('lists the Secrets of a managed restore and checks their keys', () => {
    const spec = minimalSpec();
    spec.import = { postImport: { webhookSecret: 'hook' } };
    const reqs = secretRequirements(spec);
    assert.deepEqual(
      reqs.map((r) => [r.purpose, r.name]),
      [
        ['sftp', 'sftp'],
        ['db-admin', 'db-admin'],
        ['schema', 'schema'],
        ['webhook', 'hook'],
      ],
    );
    const [sftp, admin, schema, hook] = reqs;
    assert.deepEqual(sftp!.check(['username', 'privateKey', 'knownHosts']), []);
    assert.deepEqual(sftp!.check(['username']), [
      'Secret sftp needs a key "password" or "privateKey" for the SFTP login',
      'Secret sftp has no key "knownHosts": add the SFTP server\'s host key (ssh-keyscan sftp.example.edu, then check its fingerprint with the server\'s owner); insecureSkipHostKeyVerification is the unsafe alternative',
    ]);
    assert.deepEqual(admin!.check(['password']), []);
    assert.deepEqual(schema!.check([]), ['Secret schema has no key "password"']);
    assert.deepEqual(hook!.check(['url']), []);
  });

  it('needs no knownHosts with the insecure opt-in, and username + password for an existing database', () => {
    const spec = existingSpec();
    spec.source.sftp.insecureSkipHostKeyVerification = true;
    const [sftp, admin] = secretRequirements(spec);
    assert.deepEqual(sftp!.check(['username', 'password']), []);
    assert.deepEqual(admin!.check(['password']), ['Secret db-admin has no key "username"']);
  });
});
