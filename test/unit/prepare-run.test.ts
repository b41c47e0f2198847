import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logging.js';
import { runPrepare } from '../../src/steps/prepare/run.js';
import type { StepConfig } from '../../src/contract/step-config.js';
import {
  DOUBLE_GIB as GiB,
  DictionaryDouble,
  rootView,
  testStepConfig,
} from '../support/dictionary-double.js';

const PASSWORD = 'S3cret-Schema-pw!';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ test: true }, stream), lines };
}

async function prepare(db: DictionaryDouble, config: StepConfig, opts: { root?: boolean } = {}) {
  const { logger, lines } = capture();
  const out = await runPrepare(config, {
    openPdb: async () => db,
    ...(opts.root ? { openRoot: async () => rootView(db) } : {}),
    readSecret: async () => PASSWORD,
    logger,
  });
  return { ...out, logs: lines.join('') };
}

const twoInstitutions = (dir = '/tmp/x') =>
  testStepConfig(dir, {
    institutions: [
      {
        institutionId: '3978',
        schema: 'EXL_ADMIN',
        tablespace: 'USERS',
        bibRecords: 1_000_000,
        tablespaceBytes: 84 * GiB,
      },
      {
        institutionId: '3979',
        schema: 'EXL_ADMIN_2',
        tablespace: 'USERS2',
        bibRecords: 200_000,
        tablespaceBytes: 17 * GiB,
      },
    ],
  });

describe('prepare on a fresh official-image database', () => {
  it('creates and grows tablespaces, users, grants, directories and redo logs, then changes nothing the second time', async () => {
    const db = new DictionaryDouble();
    const config = twoInstitutions();
    const first = await prepare(db, config, { root: true });
    assert.equal(first.result.outcome, 'Succeeded', first.result.message);
    assert.equal(first.result.reason, 'DatabasePrepared');

    // USERS: users01.dbf can reach 32 GiB; 84 GiB needs two more smallfiles, named like the first.
    const users = db.tablespaces.get('USERS')!;
    assert.deepEqual(
      users.files.map((f) => f.fileName),
      ['users01.dbf', 'users02.dbf', 'users03.dbf'].map((f) => `/opt/oracle/oradata/ORCLCDB/ORCLPDB1/${f}`),
    );
    // USERS2 is new: one smallfile covers 17 GiB (the vendor rule x1.2 for 200k bibs is 16.8 GiB).
    assert.deepEqual(
      db.tablespaces.get('USERS2')!.files.map((f) => f.fileName),
      ['/opt/oracle/oradata/ORCLCDB/ORCLPDB1/users201.dbf'],
    );
    for (const schema of ['EXL_ADMIN', 'EXL_ADMIN_2']) {
      const u = db.users.get(schema)!;
      assert.equal(u.password, PASSWORD);
      assert.deepEqual([...u.roles.keys()].sort(), [
        'CONNECT',
        'DATAPUMP_EXP_FULL_DATABASE',
        'DATAPUMP_IMP_FULL_DATABASE',
        'DBA',
        'RESOURCE',
      ]);
      assert.equal(u.quotas.get('SYSTEM'), -1);
    }
    assert.equal(db.users.get('EXL_ADMIN')!.quotas.get('USERS'), -1);
    assert.deepEqual(db.directories.get('EXP_DIR_3978'), {
      path: '/staging/local_3975_3978',
      grants: [
        { grantee: 'EXL_ADMIN', privilege: 'READ' },
        { grantee: 'EXL_ADMIN', privilege: 'WRITE' },
      ],
    });
    assert.equal(db.directories.get('EXP_DIR_3979')!.path, '/staging/local_3975_3979');
    // 3 groups of 200 MiB: five of 512 MiB are added, next to the existing members.
    const big = db.redo.filter((g) => g.bytes >= 512 * 1024 * 1024);
    assert.deepEqual(
      big.map((g) => g.members[0]),
      [4, 5, 6, 7, 8].map((n) => `/opt/oracle/oradata/ORCLCDB/redo0${n}.log`),
    );
    assert.equal(first.report.actionsTaken.length, db.actions.length);

    const before = db.actions.length;
    const second = await prepare(db, config, { root: true });
    assert.equal(second.result.outcome, 'Succeeded');
    assert.equal(second.result.reason, 'AlreadyPrepared');
    assert.equal(db.actions.length, before, `second run acted: ${db.actions.slice(before).join(' | ')}`);
    assert.deepEqual(second.report.actionsTaken, []);
    assert.ok(second.report.checks.every((c) => c.passed));
  });

  it('never puts the schema password in the result, report or logs', async () => {
    const db = new DictionaryDouble();
    const out = await prepare(db, testStepConfig('/tmp/x'), { root: true });
    const text = JSON.stringify(out.result) + JSON.stringify(out.report) + out.logs;
    assert.ok(!text.includes(PASSWORD));
    assert.match(JSON.stringify(out.report), /IDENTIFIED BY \*{8}/);
  });

  it('reports AL16UTF16 as acceptable and explains it', async () => {
    const out = await prepare(new DictionaryDouble(), testStepConfig('/tmp/x'), { root: true });
    const ncs = out.report.checks.find((c) => c.name === 'nationalCharacterSet')!;
    assert.equal(ncs.passed, true);
    assert.match(ncs.observed, /AL16UTF16 \(the official 19c image/);
    assert.equal(out.result.summary.nationalCharacterSet, 'AL16UTF16');
  });

  it('resets the password of an existing empty schema whose password differs, and only then', async () => {
    const db = new DictionaryDouble();
    const config = testStepConfig('/tmp/x');
    await prepare(db, config, { root: true });
    db.users.get('EXL_ADMIN')!.password = 'old';
    const n = db.actions.length;
    const out = await prepare(db, config, { root: true });
    assert.deepEqual(db.actions.slice(n), ['setPassword EXL_ADMIN']);
    assert.equal(db.users.get('EXL_ADMIN')!.password, PASSWORD);
    assert.equal(out.result.reason, 'DatabasePrepared');
  });
});

describe('prepare refuses, changing nothing', () => {
  const cases: [string, DictionaryDouble, string][] = [
    ['an 18c database', new DictionaryDouble({ version: '18.3.0.0.0' }), 'UnsupportedDatabaseVersion'],
    ['Standard Edition', new DictionaryDouble({ edition: 'Standard' }), 'UnsupportedDatabaseEdition'],
    [
      'a non-Unicode character set',
      new DictionaryDouble({ characterSet: 'WE8ISO8859P1' }),
      'UnsupportedCharacterSet',
    ],
  ];
  for (const [what, db, reason] of cases) {
    it(`on ${what}`, async () => {
      const out = await prepare(db, testStepConfig('/tmp/x'), { root: true });
      assert.equal(out.result.outcome, 'Failed');
      assert.equal(out.result.reason, reason);
      assert.match(out.result.message, /changed nothing/);
      assert.deepEqual(db.actions, []);
    });
  }

  it('when the schema holds data and replaceExistingSchema is off; drops and recreates it when on', async () => {
    const db = new DictionaryDouble();
    const config = testStepConfig('/tmp/x');
    await prepare(db, config, { root: true });
    db.schema('EXL_ADMIN').tables.push({ name: 'BIB', analyzed: true });
    const n = db.actions.length;
    const refused = await prepare(db, config, { root: true });
    assert.equal(refused.result.reason, 'SchemaNotEmpty');
    assert.match(refused.result.message, /EXL_ADMIN already holds 1 object.*replaceExistingSchema/);
    assert.equal(db.actions.length, n);

    const replaced = await prepare(
      db,
      testStepConfig('/tmp/x', { database: { replaceExistingSchema: true } }),
      {
        root: true,
      },
    );
    assert.equal(replaced.result.outcome, 'Succeeded', replaced.result.message);
    assert.deepEqual(db.actions.slice(n, n + 2), ['dropUser EXL_ADMIN', 'createUser EXL_ADMIN']);
    assert.equal(db.schemas.get('EXL_ADMIN'), undefined);
    // The directory grants went with the user and are given again.
    assert.equal(db.directories.get('EXP_DIR_3978')!.grants.length, 2);
  });

  it('on an existing database with small redo logs unless allowRedoLogChanges', async () => {
    const db = new DictionaryDouble();
    const existing = { managed: false };
    const refused = await prepare(db, testStepConfig('/tmp/x', { database: existing }), { root: true });
    assert.equal(refused.result.reason, 'RedoLogsTooSmall');
    assert.match(refused.result.message, /3 groups .*allowRedoLogChanges/);
    assert.deepEqual(db.actions, []);

    const allowed = await prepare(
      db,
      testStepConfig('/tmp/x', { database: { ...existing, allowRedoLogChanges: true } }),
      { root: true },
    );
    assert.equal(allowed.result.outcome, 'Succeeded', allowed.result.message);
    assert.equal(db.redo.length, 8);
  });

  it('when redo logs must change but only a PDB connection is configured (ORA-65040)', async () => {
    const db = new DictionaryDouble();
    const out = await prepare(db, testStepConfig('/tmp/x'));
    assert.equal(out.result.reason, 'RedoLogsNeedRootConnection');
    assert.match(out.result.message, /rootConnectString/);
    assert.deepEqual(db.actions, []);
  });

  it('when DB_FILES would be exceeded', async () => {
    const db = new DictionaryDouble({ dbFiles: 5 });
    const out = await prepare(db, testStepConfig('/tmp/x'), { root: true });
    assert.equal(out.result.reason, 'DbFilesLimit');
    assert.match(out.result.message, /DB_FILES=5/);
    assert.deepEqual(db.actions, []);
  });

  it('on a tablespace that is offline', async () => {
    const db = new DictionaryDouble();
    db.tablespaces.get('USERS')!.status = 'OFFLINE';
    const out = await prepare(db, testStepConfig('/tmp/x'), { root: true });
    assert.equal(out.result.reason, 'TablespaceUnusable');
    assert.deepEqual(db.actions, []);
  });
});

describe('prepare on special tablespaces and failures', () => {
  it('grows a bigfile tablespace by MAXSIZE, never by adding a datafile (ORA-32771)', async () => {
    const db = new DictionaryDouble();
    const users = db.tablespaces.get('USERS')!;
    users.bigfile = true;
    users.files[0]!.maxBytes = 10 * GiB;
    const out = await prepare(db, testStepConfig('/tmp/x'), { root: true });
    assert.equal(out.result.outcome, 'Succeeded', out.result.message);
    assert.ok(db.actions.includes(`setTablespaceMaxSize USERS ${84 * GiB}`));
    assert.ok(!db.actions.some((a) => a.startsWith('addDatafile')));
    assert.equal(users.files[0]!.maxBytes, 84 * GiB);
  });

  it('fails with the Oracle error when a statement is rejected, and a rerun continues', async () => {
    const db = new DictionaryDouble({
      serverDirectories: ['/opt/oracle/oradata/ORCLCDB'], // the PDB's datafile directory is missing
    });
    const config = testStepConfig('/tmp/x');
    const out = await prepare(db, config, { root: true });
    assert.equal(out.result.outcome, 'Failed');
    assert.equal(out.result.reason, 'PrepareActionFailed');
    assert.match(
      out.result.message,
      /ADD DATAFILE '\/opt\/oracle\/oradata\/ORCLCDB\/ORCLPDB1\/users02.dbf'.*ORA-01119/,
    );
    const tsCheck = out.report.checks.find((c) => c.name === 'tablespace')!;
    assert.match(tsCheck.action!, /^FAILED: /);

    db.serverDirectories.add('/opt/oracle/oradata/ORCLCDB/ORCLPDB1');
    const again = await prepare(db, config, { root: true });
    assert.equal(again.result.outcome, 'Succeeded', again.result.message);
    assert.equal(db.tablespaces.get('USERS')!.files.length, 3);
  });

  it('rejects a schema name that is not an Oracle identifier before connecting work starts', async () => {
    const db = new DictionaryDouble();
    const config = testStepConfig('/tmp/x', {
      institutions: [
        {
          institutionId: '1',
          schema: 'EXL"; DROP USER SYS',
          tablespace: 'USERS',
          bibRecords: 1,
          tablespaceBytes: GiB,
        },
      ],
    });
    await assert.rejects(prepare(db, config, { root: true }), /schema .* is not a valid Oracle name/);
    assert.deepEqual(db.actions, []);
  });
});
