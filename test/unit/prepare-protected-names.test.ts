// Issue 16 item 7: prepare refuses Oracle's own accounts, roles and tablespaces before any
// statement runs and without a login attempt as such an account. The dictionary double models a
// fresh 19c PDB (DBA_USERS.ORACLE_MAINTAINED, DBA_ROLES, DBA_TABLESPACES.CONTENTS, cited there)
// and records every statement and login, so "touched nothing" is asserted, not assumed.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logging.js';
import { runPrepare } from '../../src/steps/prepare/run.js';
import {
  DOUBLE_GIB as GiB,
  DictionaryDouble,
  rootView,
  testStepConfig,
} from '../support/dictionary-double.js';

const PASSWORD = 'S3cret-Schema-pw!';
const quiet = () =>
  createLogger(
    { test: true },
    new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
  );

async function prepareWith(
  db: DictionaryDouble,
  names: { schema?: string; tablespace?: string },
  replaceExistingSchema = true,
  adminUser = 'alma_dba',
) {
  const config = testStepConfig('/tmp/x', {
    institutions: [
      {
        institutionId: '3978',
        schema: names.schema ?? 'EXL_ADMIN',
        tablespace: names.tablespace ?? 'USERS',
        bibRecords: 1_000_000,
        tablespaceBytes: 84 * GiB,
      },
    ],
    database: { replaceExistingSchema },
  });
  return runPrepare(config, {
    openPdb: async () => db,
    openRoot: async () => rootView(db),
    readSecret: async (file: string) => (file.endsWith('/username') ? adminUser : PASSWORD),
    logger: quiet(),
  });
}

function assertUntouched(db: DictionaryDouble, what: string) {
  assert.deepEqual(db.actions, [], `statements ran for ${what}`);
  assert.deepEqual(db.loginAttempts, [], `login attempted for ${what}`);
}

describe('prepare refuses accounts that Oracle maintains, before any statement', () => {
  // Each of these is in a fresh 19c PDB with ORACLE_MAINTAINED = 'Y'. With objects and
  // replaceExistingSchema, today's prepare would DROP USER ... CASCADE; without, unlock it,
  // set its password and grant it DBA.
  for (const schema of [
    'SYSBACKUP',
    'SYSDG',
    'SYSKM',
    'OLAPSYS',
    'DIP',
    'REMOTE_SCHEDULER_AGENT',
    'XS$NULL',
    'AUDSYS',
    'SYSTEM',
  ])
    it(`${schema}`, async () => {
      const db = new DictionaryDouble();
      assert.equal(
        (await db.user(schema))?.oracleMaintained,
        true,
        'the double models it as Oracle-maintained',
      );
      db.schema(schema).objects.push({
        name: 'SOME_PACKAGE',
        type: 'PACKAGE',
        status: 'VALID',
        compiles: true,
      });
      const { result, report } = await prepareWith(db, { schema });
      assert.equal(result.outcome, 'Failed');
      assert.equal(result.reason, 'OracleMaintainedSchema');
      assert.match(
        result.message,
        new RegExp(
          `^prepare refused and changed nothing: schema ${schema.replace('$', '\\$')} is an account that Oracle maintains \\(DBA_USERS\\.ORACLE_MAINTAINED = 'Y'\\).*set spec\\.institutions\\[\\]\\.schema of institution 3978 to a schema of your own`,
        ),
      );
      assert.ok(!JSON.stringify(report).includes(`"${schema}"`), 'no statement on it is even planned');
      assertUntouched(db, schema);
    });

  it('asks the database, not only a fixed list: an Oracle-maintained account no list names', async () => {
    const db = new DictionaryDouble();
    db.users.set('GSMADMIN_ROLE_X', { ...db.users.get('DIP')!, oracleMaintained: true });
    const { result } = await prepareWith(db, { schema: 'GSMADMIN_ROLE_X' });
    assert.equal(result.reason, 'OracleMaintainedSchema');
    assert.match(result.message, /ORACLE_MAINTAINED = 'Y'/);
    assertUntouched(db, 'GSMADMIN_ROLE_X');
  });

  it('refuses a listed name the database does not have (OLAPSYS not installed), and PDBADMIN', async () => {
    for (const schema of ['OLAPSYS', 'PDBADMIN']) {
      const db = new DictionaryDouble();
      db.users.delete('OLAPSYS');
      const { result } = await prepareWith(db, { schema });
      assert.equal(result.reason, 'OracleMaintainedSchema', schema);
      assert.match(result.message, /is the name of an account or role that Oracle creates/);
      assertUntouched(db, schema);
    }
  });
});

describe('prepare refuses the admin account it connects as', () => {
  it('even when it is an ordinary account that holds objects and replaceExistingSchema is on', async () => {
    const db = new DictionaryDouble();
    db.users.set('ALMA_DBA', { ...db.users.get('PDBADMIN')!, oracleMaintained: false });
    db.schema('ALMA_DBA').tables.push({ name: 'AUDIT_NOTES', analyzed: true });
    const { result } = await prepareWith(db, { schema: 'ALMA_DBA' }, true, ' alma_dba\n');
    assert.equal(result.reason, 'SchemaIsAdminAccount');
    assert.match(result.message, /schema ALMA_DBA is the admin account prepare connects as/);
    assertUntouched(db, 'ALMA_DBA');
  });
});

describe('prepare refuses a schema named like a role', () => {
  it('DBA (Oracle-maintained role)', async () => {
    const db = new DictionaryDouble();
    const { result } = await prepareWith(db, { schema: 'DBA' });
    assert.equal(result.reason, 'SchemaIsRole');
    assert.match(
      result.message,
      /schema DBA is the name of an Oracle-maintained role in this database \(DBA_ROLES\).*ORA-01920/,
    );
    assertUntouched(db, 'DBA');
  });

  it('a role the site created (found in DBA_ROLES, on no list)', async () => {
    const db = new DictionaryDouble();
    db.roles.set('ALMA_READER', false);
    const { result } = await prepareWith(db, { schema: 'ALMA_READER' });
    assert.equal(result.reason, 'SchemaIsRole');
    assert.match(result.message, /schema ALMA_READER is the name of a role in this database/);
    assertUntouched(db, 'ALMA_READER');
  });

  it('the double refuses CREATE USER with a role name as Oracle does (ORA-01920)', async () => {
    const db = new DictionaryDouble();
    await assert.rejects(
      db.createUser({
        username: 'DBA',
        password: 'x',
        defaultTablespace: 'USERS',
        temporaryTablespace: 'TEMP',
      }),
      /ORA-01920/,
    );
  });
});

describe('prepare refuses system, undo and temporary tablespaces', () => {
  const cases: [string, (db: DictionaryDouble) => void, RegExp][] = [
    ['SYSTEM', () => {}, /tablespace SYSTEM is one of Oracle's system tablespaces/],
    ['SYSAUX', () => {}, /tablespace SYSAUX is one of Oracle's system tablespaces/],
    ['UNDOTBS1', () => {}, /tablespace UNDOTBS1 is a UNDO tablespace \(DBA_TABLESPACES\.CONTENTS\)/],
    ['TEMP', () => {}, /tablespace TEMP is a TEMPORARY tablespace/],
    [
      'UNDOTBS2',
      () => {},
      /tablespace UNDOTBS2 is a name Oracle gives undo and temporary tablespaces .*; prepare does not create a data tablespace by that name/,
    ],
    [
      'ALMA_UNDO',
      (db) => db.tablespaces.set('ALMA_UNDO', { ...db.tablespaces.get('UNDOTBS1')!, files: [] }),
      /tablespace ALMA_UNDO is a UNDO tablespace/,
    ],
    [
      'SCRATCH',
      (db) => {
        db.tablespaces.set('SCRATCH', { ...db.tablespaces.get('TEMP')! });
        db.info.defaultTemporaryTablespace = 'SCRATCH';
      },
      /tablespace SCRATCH is a TEMPORARY tablespace/,
    ],
  ];
  for (const [tablespace, setup, says] of cases)
    it(tablespace, async () => {
      const db = new DictionaryDouble();
      setup(db);
      const { result } = await prepareWith(db, { tablespace });
      assert.equal(result.outcome, 'Failed');
      assert.equal(result.reason, 'SystemTablespace');
      assert.match(result.message, says);
      assert.match(
        result.message,
        /set spec\.institutions\[\]\.tablespace of institution 3978 to a tablespace of your own/,
      );
      assert.deepEqual(db.actions, [], `statements ran for ${tablespace}`);
    });

  it('still prepares an ordinary schema and tablespace (the guard is not in the way)', async () => {
    const db = new DictionaryDouble();
    const { result, report } = await prepareWith(db, {}, false);
    assert.equal(result.outcome, 'Succeeded', result.message);
    assert.ok(report.checks.some((c) => c.name === 'ownNames' && c.passed));
  });
});
