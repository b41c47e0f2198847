// The import runner with the datapump-api engine against the in-memory DBMS_DATAPUMP double:
// plan recorded before running, resume after a killed attempt (no second job), restart after a
// fatal stop, --fresh, START_JOB errors, several institutions, and the result contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { institutionLayout } from '../../src/contract/step-config.js';
import { IMPORT_EXIT } from '../../src/contract/exit-codes.js';
import { encodeTerminationMessage } from '../../src/contract/result.js';
import type { DataPumpDouble } from '../support/datapump-double.js';
import { VENDOR_ERROR_BLOCKS, defaultScript } from '../support/datapump-double.js';
import { engineOn, importOn, setup } from '../support/import-env.js';

test('a fresh run: plan recorded first, job defined from it, vendor errors expected -> SucceededWithWarnings', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({ errorBlocks: VENDOR_ERROR_BLOCKS });
  const run = await importOn(env);
  assert.equal(run.exitCode, IMPORT_EXIT.ok);
  assert.equal(run.result.outcome, 'SucceededWithWarnings');
  assert.equal(run.result.reason, 'ImportCompletedWithExpectedErrors');
  const inst = (run.result.summary.institutions as Record<string, unknown>[])[0]!;
  assert.deepEqual(
    [inst.outcome, inst.start, inst.expectedErrors, inst.unexpectedErrors, inst.tables, inst.rows],
    ['SucceededWithWarnings', 'opened', 4, 0, 3, 16 + 571047 + 4718592],
  );
  // The job was defined exactly as planned.
  const d = env.double;
  assert.equal(d.opens, 1);
  assert.deepEqual(d.callsOf('open')[0]!.args, ['FULL', 'ALMA_NIGHTLY_3978']);
  assert.deepEqual(
    d.callsOf('addDumpFile').map((c) => c.args.slice(1)),
    ['01', '02', '03'].map((n) => [`local_backup_final_3975_3978_${n}.dmp`, 'EXP_DIR_3978']),
  );
  assert.deepEqual(d.callsOf('addLogFile')[0]!.args.slice(1), ['import_3975_3978.log', 'EXP_DIR_3978']);
  assert.deepEqual(d.callsOf('setParallel')[0]!.args[1], 3);
  assert.deepEqual(
    d.callsOf('metadataFilter').map((c) => c.args.slice(1)),
    [['EXCLUDE_PATH_EXPR', "IN ('STATISTICS')", undefined]],
  );
  assert.deepEqual(d.callsOf('metadataTransform')[0]!.args.slice(1), [
    'DISABLE_ARCHIVE_LOGGING',
    1,
    undefined,
  ]);
  assert.deepEqual(
    d.callsOf('setParameter').map((c) => c.args.slice(1)),
    [
      ['TABLE_EXISTS_ACTION', 'SKIP'],
      ['METRICS', 1],
      ['LOGTIME', 'ALL'],
    ],
  );
  // Plan printed before the job was opened, and recorded in the report folder.
  const planLine = env.logLines.findIndex((l) => l.includes('import plan for institution 3978'));
  const startLine = env.logLines.findIndex((l) => l.includes('job ALMA_NIGHTLY_3978 started'));
  assert.ok(planLine >= 0 && startLine > planLine);
  const recorded = JSON.parse(await readFile(path.join(env.dir, 'reports', 'import-plan-3978.json'), 'utf8'));
  assert.equal(recorded.jobName, 'ALMA_NIGHTLY_3978');
  // Progress lines at every poll: percent, bytes of total, current object, rows, ETA.
  const progress = env.logLines.filter((l) => l.includes('"progress"'));
  assert.equal(progress.length, 4);
  assert.match(
    progress[1]!,
    /50\.0% done, 2\.0 GiB of 4\.0 GiB, TABLE_DATA EXL_ADMIN\.BIB_MMS, 571063 rows, ETA /,
  );
  // The termination message fits and carries per-institution counts.
  assert.ok(Buffer.byteLength(encodeTerminationMessage(run.result)) < 4096);
});

test('an attempt killed mid-import, run again, attaches and watches the running job: no second job', async (t) => {
  const env = await setup(t);
  const sessions: ReturnType<DataPumpDouble['session']>[] = [];
  const ac = new AbortController();
  const first = await importOn(env, {
    engine: engineOn(env.double, sessions, (polls) => polls === 1 && ac.abort()), // the pod dies after the first poll
    signal: ac.signal,
  });
  assert.equal(first.result.outcome, 'Failed');
  assert.equal(first.result.reason, 'ImportInterrupted');
  assert.equal(first.exitCode, IMPORT_EXIT.stopped);
  env.double.killSession(sessions[0]!);
  assert.equal(
    env.double.jobs.get('ALMA_NIGHTLY_3978')?.state,
    'EXECUTING',
    'the job runs on without the pod',
  );
  env.double.runInBackground(1);

  const second = await importOn(env);
  assert.equal(second.result.outcome, 'Succeeded');
  const inst = (second.result.summary.institutions as Record<string, unknown>[])[0]!;
  assert.equal(inst.start, 'attached');
  assert.equal(inst.tables, 3);
  assert.equal(env.double.opens, 1, 'no second job was opened');
  assert.equal(env.double.callsOf('startJob').length, 1, 'a running job is not started again');
  assert.equal(env.double.completed.length, 1);
  // A third run skips the institution: already imported with the same plan.
  const third = await importOn(env);
  assert.equal((third.result.summary.institutions as Record<string, unknown>[])[0]!.start, 'alreadyImported');
  assert.equal(env.double.opens, 1);
});

test('a job stopped by an instance restart is attached and restarted (START_JOB), not reopened', async (t) => {
  const env = await setup(t);
  const sessions: ReturnType<DataPumpDouble['session']>[] = [];
  const ac = new AbortController();
  await importOn(env, { engine: engineOn(env.double, sessions, () => ac.abort()), signal: ac.signal });
  env.double.restartInstance();
  assert.equal(env.double.jobs.get('ALMA_NIGHTLY_3978')?.state, 'NOT RUNNING');
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Succeeded');
  assert.equal((run.result.summary.institutions as Record<string, unknown>[])[0]!.start, 'restarted');
  assert.equal(env.double.opens, 1);
  assert.equal(env.double.callsOf('startJob').length, 2);
  assert.match(env.double.logOf('ALMA_NIGHTLY_3978'), /has been reopened/);
});

test('a fatal stop fails the run (exit 21, resumable); the next run restarts the stopped job', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({ fatalAtTick: 3 });
  const first = await importOn(env);
  assert.equal(first.result.outcome, 'Failed');
  assert.equal(first.result.reason, 'ImportStoppedFatal');
  assert.equal(first.exitCode, IMPORT_EXIT.stopped);
  assert.match(first.result.message, /run the import again to resume it/);
  assert.equal(env.double.jobs.get('ALMA_NIGHTLY_3978')?.state, 'NOT RUNNING');

  const second = await importOn(env);
  const inst = (second.result.summary.institutions as Record<string, unknown>[])[0]!;
  assert.equal(inst.start, 'restarted');
  // The log file holds both attempts; the last Job line decides, and the errors that stopped the
  // first attempt are reported as warnings (the restart went past them).
  assert.equal(env.double.opens, 1);
  assert.equal(env.double.completed.length, 1);
  assert.equal(second.result.outcome, 'SucceededWithWarnings');
  assert.deepEqual([inst.expectedErrors, inst.unexpectedErrors, inst.tables], [2, 0, 3]);
  assert.equal(second.exitCode, IMPORT_EXIT.ok);
});

test('--fresh kills the existing job and starts over', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({ fatalAtTick: 2 });
  await importOn(env);
  assert.equal(env.double.jobs.get('ALMA_NIGHTLY_3978')?.state, 'NOT RUNNING');
  env.double.script = defaultScript();
  // The first attempt imported a table before it stopped: starting over needs a table-exists
  // action that overwrites it (under SKIP the double, like Oracle, logs ORA-39151 for it).
  env.config.import.tableExistsAction = 'REPLACE';
  const run = await importOn(env, { fresh: true });
  // ORA-31684 for the user created by the first attempt is the only (expected) error.
  assert.equal(run.result.outcome, 'SucceededWithWarnings', run.result.message);
  const stop = env.double.callsOf('stopJob');
  assert.equal(stop.length, 1);
  assert.deepEqual(stop[0]!.args[1], { immediate: true, keepMaster: false });
  assert.equal(env.double.opens, 2);
  assert.ok(
    env.logLines.some((l) => l.includes('--fresh: killing existing job ALMA_ADMIN.ALMA_NIGHTLY_3978')),
  );
  // The new job's log replaced the old one (reusefile): no trace of the fatal stop.
  const log = await readFile(path.join(env.dir, 'local_3975_3978', 'import_3975_3978.log'), 'utf8');
  assert.doesNotMatch(log, /fatal/);
});

test('an error at START_JOB fails cleanly: nothing left defined, exit 22', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({
    startJobError:
      'ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\nORA-29283: invalid file operation',
  });
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Failed');
  assert.equal(run.result.reason, 'ImportStartFailed');
  assert.equal(run.exitCode, IMPORT_EXIT.startFailed);
  assert.match(run.result.message, /starting job ALMA_NIGHTLY_3978 failed: ORA-39002: invalid operation/);
  assert.equal(env.double.jobs.size, 0, 'the half-defined job was dropped by DETACH');
});

test('two institutions run in order with their own remaps; a failure stops the rest', async (t) => {
  const env = await setup(t, ['3978', '3979']);
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Succeeded');
  assert.deepEqual(
    env.double.callsOf('open').map((c) => c.args[1]),
    ['ALMA_NIGHTLY_3978', 'ALMA_NIGHTLY_3979'],
  );
  const remaps = env.double.callsOf('metadataRemap').map((c) => c.args.slice(1).join(' '));
  assert.deepEqual(remaps, [
    'REMAP_SCHEMA EXL_ADMIN EXL_ADMIN',
    'REMAP_TABLESPACE USERS USERS',
    'REMAP_SCHEMA EXL_ADMIN EXL_ADMIN_2',
    'REMAP_TABLESPACE USERS USERS2',
  ]);

  const env2 = await setup(t, ['3978', '3979']);
  await rm(path.join(env2.dir, 'local_3975_3978', 'local_backup_final_3975_3978_01.dmp'));
  const failed = await importOn(env2);
  assert.equal(failed.result.outcome, 'Failed');
  assert.equal(failed.exitCode, IMPORT_EXIT.usage);
  assert.match(
    failed.result.message,
    /local_backup_final_3975_3978_01\.dmp .* are not in .*run \(or finish\) the fetch step first/,
  );
  const insts = failed.result.summary.institutions as Record<string, unknown>[];
  assert.deepEqual(
    insts.map((i) => i.outcome),
    ['Failed', 'NotRun'],
  );
  assert.equal(env2.double.opens, 0);
});

test('a forbidden parfile parameter is rejected by name before anything runs', async (t) => {
  const env = await setup(t);
  const layout = institutionLayout(env.config, env.config.institutions[0]!);
  await writeFile(
    layout.parfilePath,
    'dumpfile=local_backup_final_3975_3978_%U.dmp\nNETWORK_LINK=prod\nSQLFILE=x.sql\n',
  );
  const run = await importOn(env);
  assert.equal(run.exitCode, IMPORT_EXIT.usage);
  assert.equal(run.result.reason, 'ParfileInvalid');
  assert.match(
    run.result.message,
    /NETWORK_LINK \(line 2\) is not allowed: .*; SQLFILE \(line 3\) is not allowed/,
  );
  assert.equal(env.double.calls.length, 0);
  assert.deepEqual(
    await readdir(env.dir).then((l) => l.includes('reports')),
    false,
    'no plan recorded for a bad parfile',
  );
});

test('INCLUDE with a name clause imports only the types named (INCLUDE_PATH_EXPR), as impdp does', async (t) => {
  const env = await setup(t);
  const layout = institutionLayout(env.config, env.config.institutions[0]!);
  await writeFile(
    layout.parfilePath,
    'dumpfile=local_backup_final_3975_3978_%U.dmp\nINCLUDE=TABLE:"IN (\'BIB_MMS\')"\nINCLUDE=VIEW\n',
  );
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Succeeded', run.result.message);
  // One INCLUDE_PATH_EXPR for all types (several filters on one path are ANDed), then the name
  // clause on its type; the API engine alone would otherwise import every other object type too.
  assert.deepEqual(
    env.double.callsOf('metadataFilter').map((c) => c.args.slice(1)),
    [
      ['INCLUDE_PATH_EXPR', "IN ('TABLE', 'VIEW')", undefined],
      ['NAME_EXPR', "IN ('BIB_MMS')", 'TABLE'],
    ],
  );
});
