// The DBMS_DATAPUMP double refuses what Oracle refuses (docs/oracle-behaviours.md, "Data Pump"):
// calls in the wrong state, calls on a completed job's handle, unknown names; and it logs what a
// re-import over existing tables logs under each TABLE_EXISTS_ACTION.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseDataPumpLog } from '../../src/oracle/datapump-log.js';
import { DataPumpDouble, defaultScript } from '../support/datapump-double.js';
import { DATAPUMP_FIXTURE_DIR, dataPumpMessages } from '../support/oracle-fixtures.js';

async function defined(double: DataPumpDouble, name = 'J') {
  const s = double.session();
  const h = await s.open('FULL', name);
  await s.addDumpFile(h, 'a_01.dmp', 'D');
  await s.addLogFile(h, 'a.log', 'D');
  await s.metadataRemap(h, 'REMAP_SCHEMA', 'EXL_ADMIN', 'EXL_ADMIN');
  return { s, h };
}

async function runToEnd(double: DataPumpDouble, action: string) {
  const { s, h } = await defined(double, `J_${action}`);
  await s.setParameter(h, 'TABLE_EXISTS_ACTION', action);
  await s.startJob(h);
  let state = 'EXECUTING';
  while (state === 'EXECUTING') state = (await s.getStatus(h, 0)).state;
  return double.logOf(`J_${action}`);
}

test('the state machine: definition calls only while DEFINING, START_JOB only DEFINING or IDLING (ORA-39004)', async () => {
  const d = new DataPumpDouble(defaultScript({ ticks: 3 }));
  const { s, h } = await defined(d);
  await s.startJob(h);
  await assert.rejects(s.setParameter(h, 'METRICS', 1), /^Error: ORA-39004: invalid state/);
  await assert.rejects(s.metadataFilter(h, 'SCHEMA_EXPR', "IN ('X')"), /ORA-39004/);
  await assert.rejects(s.startJob(h), /ORA-39004/);
  await assert.rejects(s.addDumpFile(h, 'b.dmp', 'D'), /ORA-39002: invalid operation/);
  // Stop keeping the master table: NOT RUNNING; ATTACH makes it IDLING; START_JOB restarts it.
  await s.stopJob(h, { immediate: false, keepMaster: true });
  assert.equal((await s.findJob('J'))?.state, 'NOT RUNNING');
  const h2 = await s.attach('J');
  assert.equal((await s.getStatus(h2, 0)).state, 'IDLING');
  await s.startJob(h2);
  assert.equal((await s.findJob('J'))?.state, 'EXECUTING');
  d.requestOrderlyStop('J');
  await assert.rejects(s.startJob(h2), /ORA-39004/);
});

test('after COMPLETED the master table is gone and every call on the handle raises ORA-31623', async () => {
  const d = new DataPumpDouble(defaultScript({ ticks: 2 }));
  const { s, h } = await defined(d);
  await s.startJob(h);
  assert.equal((await s.getStatus(h, 0)).state, 'EXECUTING');
  assert.equal((await s.getStatus(h, 0)).state, 'COMPLETED'); // the call that sees it complete
  assert.equal(await s.findJob('J'), undefined, 'no DBA_DATAPUMP_JOBS row');
  await assert.rejects(s.getStatus(h, 0), /^Error: ORA-31623: a job is not attached to this session/);
  await assert.rejects(s.detach(h), /ORA-31623/);
  await assert.rejects(s.attach('J'), /ORA-31626: job does not exist/);
  assert.match(d.logOf('J'), /Job "ALMA_ADMIN"."J" successfully completed/);
});

test('a job can finish between two GET_STATUS calls, and stop on a fatal error keeping its master table', async () => {
  const between = new DataPumpDouble(defaultScript({ ticks: 3, completeBetweenPolls: true }));
  const a = await defined(between);
  await a.s.startJob(a.h);
  assert.equal((await a.s.getStatus(a.h, 0)).state, 'EXECUTING');
  assert.equal((await a.s.getStatus(a.h, 0)).state, 'EXECUTING');
  await assert.rejects(a.s.getStatus(a.h, 0), /ORA-31623/);
  const fatal = new DataPumpDouble(defaultScript({ fatalAtTick: 2 }));
  const b = await defined(fatal);
  await b.s.startJob(b.h);
  await b.s.getStatus(b.h, 0);
  assert.equal((await b.s.getStatus(b.h, 0)).state, 'NOT RUNNING');
  assert.equal((await b.s.findJob('J'))?.state, 'NOT RUNNING');
  assert.match(fatal.logOf('J'), /stopped due to fatal error/);
});

test('unknown parameter, filter and transform names and bad values are refused, as is INCLUDE with EXCLUDE', async () => {
  const d = new DataPumpDouble();
  const { s, h } = await defined(d);
  await assert.rejects(
    s.setParameter(h, 'TABLE_EXIST_ACTION', 'SKIP'),
    /ORA-39001: invalid argument value\nORA-39049: invalid parameter name TABLE_EXIST_ACTION/,
  );
  await assert.rejects(s.setParameter(h, 'TABLE_EXISTS_ACTION', 'OVERWRITE'), /ORA-39001/);
  await assert.rejects(s.metadataFilter(h, 'INCLUDE_NAME_EXPR', "IN ('X')"), /ORA-39001/);
  await assert.rejects(s.metadataTransform(h, 'DISABLE_ARCHIVELOG', 1), /ORA-39001/);
  await s.metadataFilter(h, 'INCLUDE_PATH_EXPR', "IN ('TABLE')");
  await assert.rejects(s.metadataFilter(h, 'EXCLUDE_PATH_EXPR', "IN ('INDEX')"), /ORA-39001/);
  await s.setParameter(h, 'METRICS', 1);
  await s.metadataTransform(h, 'DISABLE_ARCHIVE_LOGGING', 1);
});

test('re-import over existing tables: SKIP logs ORA-39151, APPEND ORA-39152, TRUNCATE ORA-39153, REPLACE nothing', async () => {
  const logs: Record<string, string> = {};
  for (const action of ['SKIP', 'APPEND', 'TRUNCATE', 'REPLACE']) {
    const d = new DataPumpDouble(defaultScript({ ticks: 1 }));
    d.existingUsers.add('EXL_ADMIN');
    d.existingTables.add('EXL_ADMIN.BIB_MMS');
    logs[action] = await runToEnd(d, action);
    assert.match(logs[action]!, /ORA-31684: Object type USER:"EXL_ADMIN" already exists/);
  }
  assert.match(
    logs.SKIP!,
    /ORA-39151: Table "EXL_ADMIN"."BIB_MMS" exists. All dependent metadata and data will be skipped/,
  );
  assert.doesNotMatch(logs.SKIP!, /imported "EXL_ADMIN"."BIB_MMS"/);
  assert.match(logs.APPEND!, /ORA-39152: Table "EXL_ADMIN"."BIB_MMS" exists. Data will be appended/);
  assert.match(logs.APPEND!, /imported "EXL_ADMIN"."BIB_MMS"/);
  assert.match(logs.TRUNCATE!, /ORA-39153: Table "EXL_ADMIN"."BIB_MMS" exists and has been truncated/);
  assert.doesNotMatch(logs.REPLACE!, /ORA-3915/);
  assert.match(logs.REPLACE!, /completed with 1 error\(s\)/); // the user's ORA-31684 only
  assert.match(logs.SKIP!, /completed with 2 error\(s\)/);
});

test('the double replays its texts from the fixture, and recorded logs (if any) read as the recorder says', async () => {
  const messages = dataPumpMessages();
  const d = new DataPumpDouble();
  await assert.rejects(d.session().getStatus(1, 0), (e: Error) => e.message === messages.errors['ORA-31623']);
  await assert.rejects(d.session().attach('NOPE'), (e: Error) => e.message === messages.errors['ORA-31626']);
  const recorded = path.join(DATAPUMP_FIXTURE_DIR, 'recorded');
  const files = existsSync(recorded) ? readdirSync(recorded) : [];
  if (files.length === 0) {
    // Nothing recorded yet: the shipped texts must say they are derived from the documentation.
    assert.equal(messages.recorded, false, 'messages.json claims a recording but recorded/ is empty');
    return;
  }
  const expected: Record<string, string> = {
    'completed.log': 'completed',
    'reimport-skip.log': 'completedWithErrors',
    'reimport-append.log': 'completedWithErrors',
    'reimport-truncate.log': 'completedWithErrors',
    'reimport-replace.log': 'completedWithErrors',
    'stopped-restarted.log': 'completed',
  };
  for (const f of files) {
    const log = parseDataPumpLog(readFileSync(path.join(recorded, f), 'utf8'));
    if (expected[f]) assert.equal(log.outcome?.kind, expected[f], f);
  }
});
