// The import plan from the delivered parfile: remaps for a second institution, %U against the
// files present, parallel auto, the operator's overrides (with notes), speed-ups, and the
// parameters refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepConfig } from '../../src/contract/step-config.js';
import { testStepConfig } from '../support/dictionary-double.js';
import { parseParfile, ParfileError } from '../../src/oracle/parfile.js';
import { FORBIDDEN_PARAMETERS, buildImportPlan } from '../../src/steps/import/plan.js';
import { planAsParfileLines } from '../../src/oracle/import-plan.js';

const config = (over: Partial<StepConfig['import']> = {}): StepConfig =>
  testStepConfig('/staging', {
    restore: { namespace: 'lib', name: 'q3-2026' },
    institutions: [
      { institutionId: '3978', schema: 'EXL_ADMIN', tablespace: 'USERS', bibRecords: 1, tablespaceBytes: 1 },
      {
        institutionId: '3979',
        schema: 'EXL_ADMIN_2',
        tablespace: 'USERS2',
        bibRecords: 1,
        tablespaceBytes: 1,
      },
    ],
    database: { directoryPath: '/opt/oracle/staging' },
    import: over,
  });

const VENDOR = (tag: string): string =>
  `dumpfile=local_backup_final_${tag}_%U.dmp\nLOGFILE=import_${tag}.log\nREMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\nREMAP_TABLESPACE=USERS:USERS\n`;
const files = (tag: string, n: number): string[] =>
  Array.from({ length: n }, (_v, i) => `local_backup_final_${tag}_${String(i + 1).padStart(2, '0')}.dmp`);

function plan(
  text: string,
  inst = 0,
  available = files('3975_3978', 4),
  over: Partial<StepConfig['import']> = {},
) {
  const c = config(over);
  return buildImportPlan({
    parfile: parseParfile(text),
    config: c,
    institution: c.institutions[inst]!,
    availableFiles: available,
  });
}

test('the vendor parfile for the first institution', () => {
  const p = plan(VENDOR('3975_3978'));
  assert.equal(p.jobName, 'ALMA_Q3_2026_3978');
  assert.equal(p.directory, 'EXP_DIR_3978');
  assert.deepEqual(p.dumpfiles, files('3975_3978', 4));
  assert.equal(p.parallel, 4, 'auto = number of dump files');
  assert.equal(p.logfile, 'import_3975_3978.log');
  assert.equal(p.logfileLocalPath, '/staging/local_3975_3978/import_3975_3978.log');
  assert.deepEqual(p.remapSchemas, [{ from: 'EXL_ADMIN', to: 'EXL_ADMIN' }]);
  assert.deepEqual(p.filters, [{ kind: 'exclude', objectType: 'STATISTICS' }]);
  assert.deepEqual(p.transforms, [{ name: 'DISABLE_ARCHIVE_LOGGING', value: 1 }]);
  assert.equal(p.jobMode, 'FULL');
  assert.deepEqual([p.metrics, p.logtime, p.tableExistsAction], [true, 'ALL', 'SKIP']);
});

test('a second institution: remaps retargeted to EXL_ADMIN_2 / USERS2, with notes', () => {
  const p = plan(VENDOR('3975_3979'), 1, files('3975_3979', 2));
  assert.deepEqual(p.remapSchemas, [{ from: 'EXL_ADMIN', to: 'EXL_ADMIN_2' }]);
  assert.deepEqual(p.remapTablespaces, [{ from: 'USERS', to: 'USERS2' }]);
  assert.equal(p.directory, 'EXP_DIR_3979');
  assert.equal(p.parallel, 2);
  assert.ok(p.notes.includes('REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN retargeted to EXL_ADMIN:EXL_ADMIN_2'));
  assert.ok(p.notes.includes('REMAP_TABLESPACE=USERS:USERS retargeted to USERS:USERS2'));
  // No remap in the parfile: added from the Alma source schema.
  const bare = plan('DUMPFILE=local_backup_final_3975_3979_%U.dmp\n', 1, files('3975_3979', 1));
  assert.deepEqual(bare.remapSchemas, [{ from: 'EXL_ADMIN', to: 'EXL_ADMIN_2' }]);
  assert.equal(bare.logfile, 'import_3975_3979.log');
});

test('explicit dump file lists, a directory prefix, and the operator overrides are noted', () => {
  const p = plan(
    [
      'DIRECTORY=EXP_DIR',
      'DUMPFILE=EXP_DIR:local_backup_final_3975_3978_02.dmp,local_backup_final_3975_3978_01.dmp',
      'PARALLEL=16',
      'TABLE_EXISTS_ACTION=REPLACE',
      'JOB_NAME=MY_JOB',
      'STATUS=60',
    ].join('\n'),
    0,
    files('3975_3978', 4),
    { parallelism: 8 },
  );
  assert.deepEqual(p.dumpfiles, [
    'local_backup_final_3975_3978_02.dmp',
    'local_backup_final_3975_3978_01.dmp',
  ]);
  assert.equal(p.parallel, 8);
  assert.equal(p.tableExistsAction, 'SKIP');
  assert.equal(p.jobName, 'ALMA_Q3_2026_3978');
  for (const fragment of [
    'DIRECTORY=EXP_DIR replaced',
    'DUMPFILE directory EXP_DIR',
    'PARALLEL=16 replaced by 8',
    'TABLE_EXISTS_ACTION=REPLACE replaced by SKIP',
    'JOB_NAME=MY_JOB replaced',
    'STATUS from the parfile ignored',
  ]) {
    assert.ok(
      p.notes.some((n) => n.startsWith(fragment)),
      fragment,
    );
  }
});

test('filters, transforms and options are honoured; INCLUDE suppresses EXCLUDE=STATISTICS', () => {
  const p = plan(
    VENDOR('3975_3978') +
      "EXCLUDE=TABLE:\"IN ('TMP_A', 'TMP_B')\"\nTRANSFORM=SEGMENT_ATTRIBUTES:N:TABLE\nTRANSFORM=LOB_STORAGE:SECUREFILE\nSKIP_UNUSABLE_INDEXES=Y\nPARTITION_OPTIONS=merge\nSCHEMAS=EXL_ADMIN\n",
  );
  assert.deepEqual(p.filters, [
    { kind: 'exclude', objectType: 'TABLE', nameClause: "IN ('TMP_A', 'TMP_B')" },
    { kind: 'exclude', objectType: 'STATISTICS' },
  ]);
  assert.deepEqual(p.transforms, [
    { name: 'SEGMENT_ATTRIBUTES', value: 0, objectType: 'TABLE' },
    { name: 'LOB_STORAGE', value: 'SECUREFILE' },
    { name: 'DISABLE_ARCHIVE_LOGGING', value: 1 },
  ]);
  assert.deepEqual(
    [p.skipUnusableIndexes, p.partitionOptions, p.jobMode, p.schemas],
    [true, 'MERGE', 'SCHEMA', ['EXL_ADMIN']],
  );
  const inc = plan(VENDOR('3975_3978') + 'INCLUDE=TABLE\n');
  assert.deepEqual(inc.filters, [{ kind: 'include', objectType: 'TABLE' }]);
  assert.ok(inc.notes.some((n) => n.startsWith('EXCLUDE=STATISTICS not added')));
});

test('INCLUDE and EXCLUDE together are refused before anything runs (Oracle 19c refuses them)', () => {
  assert.throws(
    () => plan(VENDOR('3975_3978') + 'INCLUDE=TABLE:"IN (\'BIB_MMS\')"\nEXCLUDE=INDEX\n'),
    (e: unknown) => {
      assert.ok(e instanceof ParfileError);
      assert.match(
        e.message,
        /INCLUDE and EXCLUDE cannot be combined in one Oracle 19c import .*only from 21c/,
      );
      return true;
    },
  );
});

test('the generated parfile lines read back to the same plan', () => {
  const p = plan(VENDOR('3975_3978') + 'EXCLUDE=TABLE:"IN (\'TMP_A\')"\n', 0);
  const again = plan(planAsParfileLines(p).join('\n'), 0);
  const strip = ({ notes: _n, ...rest }: typeof p) => rest;
  assert.deepEqual(strip(again), strip(p));
});

test('forbidden parameters are rejected by name and line, all at once', () => {
  assert.throws(
    () => plan(VENDOR('3975_3978') + 'ATTACH=OLD_JOB\nUSERID=system/manager\nENCRYPTION_PASSWORD=x\n'),
    (e: unknown) => {
      assert.ok(e instanceof ParfileError);
      assert.match(
        e.message,
        /ATTACH \(line 5\) is not allowed: the runner attaches.*; USERID \(line 6\) is not allowed: credentials come from the admin credentials Secret.*; ENCRYPTION_PASSWORD \(line 7\)/,
      );
      assert.doesNotMatch(e.message, /manager/, 'the offending value (a password) is not echoed');
      return true;
    },
  );
  for (const name of [
    'NETWORK_LINK',
    'SQLFILE',
    'FLASHBACK_SCN',
    'TRANSPORT_DATAFILES',
    'NOLOGFILE',
    'CONTENT',
  ]) {
    assert.ok(name in FORBIDDEN_PARAMETERS);
    assert.throws(
      () => plan(VENDOR('3975_3978') + `${name}=x\n`),
      new RegExp(`${name} \\(line 5\\) is not allowed`),
    );
  }
  assert.throws(
    () => plan(VENDOR('3975_3978') + 'REMAP_TABLE=A:B\n'),
    /REMAP_TABLE \(line 5\) not supported by alma-restore import/,
  );
});

test('missing or unreachable dump files, bad values', () => {
  assert.throws(
    () => plan(VENDOR('3975_3978'), 0, []),
    /local_backup_final_3975_3978_01\.dmp named by .* are not in \/staging\/local_3975_3978/,
  );
  assert.throws(
    () =>
      plan(VENDOR('3975_3978'), 0, [
        'local_backup_final_3975_3978_01.dmp',
        'local_backup_final_3975_3978_03.dmp',
      ]),
    /local_backup_final_3975_3978_03\.dmp .* follow a gap/,
  );
  assert.throws(() => plan('LOGFILE=x.log\n'), /no DUMPFILE parameter/);
  assert.throws(() => plan(VENDOR('3975_3978'), 0, undefined, { parallelism: 65 }), /1\.\.64, got 65/);
  assert.throws(() => plan(VENDOR('3975_3978') + 'FULL=N\n'), /FULL=N/);
  assert.throws(() => plan(VENDOR('3975_3978') + 'PARTITION_OPTIONS=SPLIT\n'), /PARTITION_OPTIONS=SPLIT/);
  assert.throws(
    () => plan('DUMPFILE=local_backup_final_3975_3978_%U.dmp\nREMAP_SCHEMA=A:B,C:D\n'),
    /2 REMAP_SCHEMA entries and none from EXL_ADMIN/,
  );
  // With the Alma schema among several remaps, only that one is retargeted.
  const two = plan(VENDOR('3975_3978').replace('EXL_ADMIN:EXL_ADMIN', 'EXL_ADMIN:X,AUDIT:AUDIT'), 0);
  assert.deepEqual(two.remapSchemas, [
    { from: 'EXL_ADMIN', to: 'EXL_ADMIN' },
    { from: 'AUDIT', to: 'AUDIT' },
  ]);
  assert.throws(
    () => plan(VENDOR('3975_3978').replace('LOGFILE=', 'LOGFILE=sub/')),
    /a file name, not a path/,
  );
});
