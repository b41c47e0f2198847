import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ORACLE_STAGING_PATH,
  SECRET_DIRS,
  buildStepConfig,
  connectString,
} from '../../src/resources/step-config-builder.js';
import { planSizing } from '../../src/api/sizing.js';
import { institutionLayout } from '../../src/contract/step-config.js';
import { existingSpec, minimalSpec, resolved } from './api-fixtures.js';

describe('buildStepConfig', () => {
  it('renders a managed restore: service DNS to the PDB, secrets as file paths only', () => {
    const spec = minimalSpec();
    spec.source.sftp.waitForDelivery = '1h30m';
    spec.import = { postImport: { webhookSecret: 'hook' } };
    const r = resolved(spec);
    const plan = planSizing(r.spec);
    const config = buildStepConfig(r, plan);
    assert.equal(config.database.connectString, 'q3-db.library.svc:1521/ORCLPDB1');
    assert.equal(connectString(r), config.database.connectString);
    // Redo logs are CDB-wide: prepare reaches CDB$ROOT through the SID's service.
    assert.equal(config.database.rootConnectString, 'q3-db.library.svc:1521/ORCLCDB');
    assert.equal(config.database.directoryPath, ORACLE_STAGING_PATH);
    assert.equal(config.database.managed, true);
    assert.equal(config.database.allowRedoLogChanges, true);
    assert.equal(config.database.credentialsDir, SECRET_DIRS.dbAdmin);
    assert.equal(config.database.schemaPasswordFile, '/var/run/secrets/alma/schema/password');
    assert.equal(config.sftp.credentialsDir, '/var/run/secrets/alma/sftp');
    assert.equal(config.sftp.waitForDeliverySeconds, 5400);
    assert.equal(config.sftp.stableForSeconds, 120);
    assert.equal(config.stagingDir, '/staging');
    assert.equal(config.postImport.webhookUrlFile, '/var/run/secrets/alma/webhook/url');
    assert.deepEqual(config.institutions, [
      {
        institutionId: '3978',
        schema: 'EXL_ADMIN',
        tablespace: 'USERS',
        bibRecords: 1_000_000,
        tablespaceBytes: plan.institutions[0]!.tablespaceBytes,
      },
    ]);
    assert.deepEqual(config.import, {
      engine: 'datapump-api',
      parallelism: 'auto',
      tableExistsAction: 'SKIP',
      ignorableErrors: [],
    });
    assert.deepEqual(config.tablespaceGuard, { alertRatio: 0.85, autoAddDatafiles: true });
    // Nothing that looks like a secret value.
    assert.doesNotMatch(JSON.stringify(config), /password"\s*:\s*"/i);
    // The layout helpers of the steps work on it.
    assert.equal(
      institutionLayout(config, config.institutions[0]!).databaseDir,
      '/opt/oracle/staging/local_3975_3978',
    );
  });

  it('renders an existing database: its connect string, staging path and redo log choice', () => {
    const config = buildStepConfig(resolved(existingSpec()), planSizing(resolved(existingSpec()).spec));
    assert.equal(config.database.connectString, 'db.example.edu:1521/ALMAPDB');
    assert.equal(config.database.directoryPath, '/exlibris/import');
    assert.equal(config.database.managed, false);
    assert.equal(config.database.allowRedoLogChanges, false);
    assert.equal(
      config.database.rootConnectString,
      undefined,
      'an existing database is not ours to reach as CDB root',
    );
    assert.equal(config.postImport.webhookUrlFile, undefined);
  });
});
