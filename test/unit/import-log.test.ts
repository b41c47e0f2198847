import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  classifyError,
  judgeLog,
  normalizeLogLine,
  parseDataPumpLog,
} from '../../src/oracle/datapump-log.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/datapump/${name}`, import.meta.url), 'utf8');

test("the runbook's sample log: exactly 4 expected errors, 0 unexpected, SucceededWithWarnings", () => {
  const log = parseDataPumpLog(fixture('vendor-sample.log'));
  assert.deepEqual(log.job, { owner: 'EXL_ADMIN', name: 'SYS_IMPORT_FULL_01' });
  assert.match(log.startedWith ?? '', /^EXL_ADMIN\/\*{8} directory=EXP_DIR parfile=/);
  assert.equal(log.errors.length, 4);
  assert.deepEqual(
    log.errors.map((e) => [e.code, e.causes.map((c) => c.code), e.objectType, e.phase]),
    [
      ['ORA-39083', ['ORA-02380'], 'USER', 'SCHEMA_EXPORT/USER'],
      ['ORA-39083', ['ORA-01919'], 'ROLE_GRANT', 'SCHEMA_EXPORT/ROLE_GRANT'],
      ['ORA-39083', ['ORA-01919'], 'ROLE_GRANT', 'SCHEMA_EXPORT/ROLE_GRANT'],
      ['ORA-39083', ['ORA-01919'], 'ROLE_GRANT', 'SCHEMA_EXPORT/ROLE_GRANT'],
    ],
  );
  assert.match(log.errors[0]!.failingSql ?? '', /^CREATE USER "EXL_ADMIN" IDENTIFIED BY VALUES/);
  assert.equal(log.errors[3]!.failingSql, 'GRANT "PLUSTRACE" TO "EXL_ADMIN"');
  assert.deepEqual(log.outcome, {
    kind: 'completedWithErrors',
    errorCount: 4,
    at: 'Fri Oct 9 02:10:05 2020',
    elapsedSeconds: 235,
    line: 34,
  });
  const v = judgeLog(log, { schemas: ['EXL_ADMIN'] });
  assert.equal(v.outcome, 'SucceededWithWarnings');
  assert.equal(v.expectedCount, 4);
  assert.equal(v.unexpectedCount, 0);
  assert.deepEqual(
    v.errors.map((e) => e.rule),
    [
      'vendor: profile EXL_PROFILE is not part of the backup',
      'vendor: role EXL_SCHEMA is not part of the backup',
      'vendor: role URM_SCHEMA is not part of the backup',
      'vendor: role PLUSTRACE is not part of the backup',
    ],
  );
});

test('success with header, partitions and sizes; a pre-created user is expected', () => {
  const log = parseDataPumpLog(fixture('success.log'));
  assert.deepEqual(log.job, { owner: 'ALMA_ADMIN', name: 'ALMA_NIGHTLY_3978' });
  assert.equal(log.parfileEcho.length, 5);
  assert.deepEqual(log.tables[1], {
    owner: 'EXL_ADMIN',
    table: 'BIB_MMS',
    partition: 'P_3978',
    bytes: Math.round(812.4 * 1024 ** 2),
    rows: 1048576,
    line: 32,
  });
  assert.equal(log.tables[0]!.bytes, Math.round(2.315 * 1024 ** 3));
  const v = judgeLog(log, { schemas: ['EXL_ADMIN'] });
  assert.equal(v.outcome, 'SucceededWithWarnings');
  assert.equal(v.tables, 4);
  assert.equal(v.partitions, 2);
  assert.equal(v.rows, 4718592 + 1048576 + 16 + 12);
  assert.equal(v.elapsedSeconds, 5486);
  // The same error for a user that is not an import target is not excused.
  assert.equal(judgeLog(log, { schemas: ['EXL_ADMIN_2'] }).outcome, 'Failed');
});

test('a clean log is Succeeded', () => {
  const v = judgeLog(parseDataPumpLog(fixture('clean-success.log')));
  assert.equal(v.outcome, 'Succeeded');
  assert.equal(v.reason, 'ImportCompleted');
  assert.equal(v.tables, 2);
  assert.equal(v.elapsedSeconds, 13);
});

test('unexpected errors: multi-cause blocks, multi-line SQL, single-line warnings', () => {
  const log = parseDataPumpLog(fixture('unexpected-errors.log'));
  assert.deepEqual(
    log.errors.map((e) => [e.code, e.causes.map((c) => c.code)]),
    [
      ['ORA-39083', ['ORA-02380']],
      ['ORA-39083', ['ORA-01919']],
      ['ORA-31693', ['ORA-02354', 'ORA-01653']],
      ['ORA-39083', ['ORA-01652']],
      ['ORA-39082', []],
    ],
  );
  assert.equal(
    log.errors[3]!.failingSql,
    'CREATE UNIQUE INDEX "EXL_ADMIN"."HDEMETADATA_PK" ON "EXL_ADMIN"."HDEMETADATA" ("ID")\n' +
      'PCTFREE 10 INITRANS 2 MAXTRANS 255 TABLESPACE "USERS" PARALLEL 1',
  );
  assert.equal(log.errors[3]!.objectName, '"EXL_ADMIN"."HDEMETADATA_PK"');
  assert.equal(log.tables.length, 2, 'the table after the ORA-31693 block still counts');
  const v = judgeLog(log, { schemas: ['EXL_ADMIN'] });
  assert.equal(v.outcome, 'Failed');
  assert.equal(v.reason, 'ImportCompletedWithErrors');
  assert.equal(v.expectedCount, 2);
  assert.equal(v.unexpectedCount, 3);
  assert.match(v.message, /3 unexpected error\(s\) and 2 expected; first: ORA-31693: .*\(ORA-02354/);
  // spec.import.ignorableErrors makes a listed code (heading or cause) expected.
  const relaxed = judgeLog(log, { ignorableErrors: ['ora-39082', 'ORA-01653', 'ORA-01652'] });
  assert.equal(relaxed.outcome, 'SucceededWithWarnings');
});

test('a fatal stop is Failed with the stop reason', () => {
  const log = parseDataPumpLog(fixture('fatal-stop.log'));
  assert.equal(log.outcome?.kind, 'fatal');
  assert.equal(log.outcome?.elapsedSeconds, 722);
  const v = judgeLog(log);
  assert.equal(v.outcome, 'Failed');
  assert.equal(v.reason, 'ImportStoppedFatal');
  assert.match(v.message, /stopped due to a fatal error after 722 s: ORA-39014/);
});

test('LOGTIME=ALL prefixes and METRICS=YES worker tags', () => {
  const log = parseDataPumpLog(fixture('logtime-metrics.log'));
  assert.deepEqual(log.job, { owner: 'ALMA_ADMIN', name: 'ALMA_NIGHTLY_3978' });
  assert.equal(log.errors.length, 2);
  assert.equal(
    log.errors[0]!.failingSql,
    'CREATE USER "EXL_ADMIN" IDENTIFIED BY VALUES \'S:0000\' PROFILE "EXL_PROFILE"',
  );
  assert.deepEqual(
    log.tables.map((t) => [t.table, t.partition, t.rows, t.seconds, t.method, t.worker]),
    [
      ['BIB_MMS', undefined, 571047, 3, 'direct_path', 2],
      ['HDEMETADATA', 'P_3978', 2097152, 41, 'external_table', 1],
      ['ORGANIZATION_UNIT', undefined, 16, 0, 'direct_path', 2],
    ],
  );
  const data = log.phases.find((p) => p.path === 'SCHEMA_EXPORT/TABLE/TABLE_DATA');
  assert.deepEqual([data?.completedObjects, data?.seconds], [27, 42]);
  assert.equal(log.parfileEcho.length, 4);
  const v = judgeLog(log, { schemas: ['EXL_ADMIN'] });
  assert.equal(v.outcome, 'SucceededWithWarnings');
  assert.equal(v.expectedCount, 2);
});

test('a restarted job: the last Job line decides, restarts are counted', () => {
  const log = parseDataPumpLog(fixture('resumed.log'));
  assert.equal(log.restarts, 1);
  assert.equal(log.outcome?.kind, 'completed');
  assert.equal(judgeLog(log).outcome, 'Succeeded');
  assert.equal(log.tables.length, 2);
});

test('a truncated log, or fewer errors shown than counted, fails safe', () => {
  const text = fixture('vendor-sample.log');
  const truncated = text.split('\n').slice(0, 20).join('\n');
  assert.equal(judgeLog(parseDataPumpLog(truncated)).reason, 'ImportIncomplete');
  const undercounted = text.replace('completed with 4 error(s)', 'completed with 5 error(s)');
  const v = judgeLog(parseDataPumpLog(undercounted));
  assert.equal(v.outcome, 'Failed');
  assert.equal(v.unexpectedCount, 1);
});

test('classification rules are narrow', () => {
  const base = { code: 'ORA-39083', message: 'Object type ROLE_GRANT failed to create with error:', line: 1 };
  assert.equal(
    classifyError({ ...base, causes: [{ code: 'ORA-01919', message: "role 'DBA_OTHER' does not exist" }] })
      .class,
    'unexpected',
  );
  assert.equal(
    classifyError({
      ...base,
      causes: [{ code: 'ORA-02380', message: 'profile OTHER_PROFILE does not exist' }],
    }).class,
    'unexpected',
  );
  assert.deepEqual(normalizeLogLine('25-FEB-23 19:30:53.442: W-12 . . imported x'), {
    text: '. . imported x',
    worker: 12,
  });
});

test('errors that caused a fatal stop become warnings once the job was reopened; earlier ones stay', () => {
  const stopped = fixture('fatal-stop.log').replace(
    '. . imported "EXL_ADMIN"."ORGANIZATION_UNIT"',
    'ORA-39083: Object type INDEX:"EXL_ADMIN"."I1" failed to create with error:\nORA-01652: unable to extend temp segment\n. . imported "EXL_ADMIN"."ORGANIZATION_UNIT"',
  );
  const resumed =
    stopped +
    'Job "ALMA_ADMIN"."ALMA_NIGHTLY_3978" has been reopened at Fri May 2 15:00:00 2025\n' +
    'Restarting "ALMA_ADMIN"."ALMA_NIGHTLY_3978":  ALMA_ADMIN/********\n' +
    'Job "ALMA_ADMIN"."ALMA_NIGHTLY_3978" completed with 1 error(s) at Fri May 2 15:10:00 2025 elapsed 0 00:10:00\n';
  const log = parseDataPumpLog(resumed);
  assert.deepEqual(
    log.errors.map((e) => [e.code, e.resolvedByRestart ?? false]),
    [
      ['ORA-39083', false],
      ['ORA-39014', true],
      ['ORA-39029', true],
      ['ORA-31671', true],
      ['ORA-04030', true],
    ],
  );
  const v = judgeLog(log);
  assert.equal(v.outcome, 'Failed', 'the index that failed before the stop is still an unexpected error');
  assert.equal(v.unexpectedCount, 1);
  assert.equal(judgeLog(parseDataPumpLog(stopped)).reason, 'ImportStoppedFatal', 'not reopened: still fatal');
});

test("METRICS=YES: a phase's 'Completed N' total and its 'Completed by worker' lines are not added up", () => {
  const log = parseDataPumpLog(
    [
      'W-1 Processing object type SCHEMA_EXPORT/TABLE/TABLE',
      'W-1      Completed 83 TABLE objects in 3 seconds',
      'W-1      Completed by worker 1 40 TABLE objects in 2 seconds',
      'W-2      Completed by worker 2 43 TABLE objects in 3 seconds',
      'W-1 Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA',
      'W-1      Completed by worker 1 14 TABLE_DATA objects in 42 seconds',
      'W-2      Completed by worker 2 13 TABLE_DATA objects in 9 seconds',
    ].join('\n'),
  );
  assert.deepEqual(
    log.phases.map((p) => [p.path.split('/').pop(), p.completedObjects, p.seconds]),
    [
      ['TABLE', 83, 3],
      ['TABLE_DATA', 27, 42],
    ],
  );
});
