// Resuming an import against the DBMS_DATAPUMP double, the way a real 19c behaves (issue 12):
// a finished job drops its master table and its handles raise ORA-31623, so "finished" must be
// learnt from the log; a rerun never opens a second job over a finished one; ORA-31627 from
// START_JOB is success; Oracle's job states (STOP PENDING, transient NOT RUNNING) are handled;
// GET_STATUS waits with its own timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IMPORT_EXIT } from '../../src/contract/exit-codes.js';
import { DataPumpApiEngine } from '../../src/oracle/datapump-api.js';
import type { DataPumpSession } from '../../src/oracle/datapump.js';
import { defaultScript } from '../support/datapump-double.js';
import { engineOn, importOn, setup } from '../support/import-env.js';

const JOB = 'ALMA_NIGHTLY_3978';
const inst0 = (run: { result: { summary: Record<string, unknown> } }): Record<string, unknown> =>
  (run.result.summary.institutions as Record<string, unknown>[])[0]!;
const logPath = (dir: string): string => path.join(dir, 'local_3975_3978', 'import_3975_3978.log');
const recordPath = (dir: string): string => path.join(dir, 'reports', 'import-3978.job.json');

test('a job that completes between two GET_STATUS calls (ORA-31623 after) is judged by its log', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({ completeBetweenPolls: true });
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Succeeded', run.result.message);
  assert.equal(run.exitCode, IMPORT_EXIT.ok);
  assert.equal(inst0(run).tables, 3);
  assert.ok(env.double.completed.includes(JOB));
  const lastPoll = env.double.callsOf('getStatus').at(-1)!;
  assert.equal(env.double.jobs.has(JOB), false, 'the master table is gone: no DBA_DATAPUMP_JOBS row');
  assert.ok(lastPoll, 'the engine polled until the handle was invalid');
});

test('the pod dies, the job finishes meanwhile: the rerun opens no second job and keeps the good log', async (t) => {
  const env = await setup(t);
  const sessions: ReturnType<typeof env.double.session>[] = [];
  const ac = new AbortController();
  const first = await importOn(env, {
    engine: engineOn(env.double, sessions, () => ac.abort()),
    signal: ac.signal,
  });
  assert.equal(first.result.reason, 'ImportInterrupted');
  env.double.killSession(sessions[0]!);
  env.double.runInBackground(10); // the job completes with nobody watching
  assert.equal(env.double.jobs.has(JOB), false);
  const goodLog = await readFile(logPath(env.dir), 'utf8');
  assert.match(goodLog, /successfully completed/);

  const second = await importOn(env);
  assert.equal(second.result.outcome, 'Succeeded', second.result.message);
  assert.equal(inst0(second).start, 'finishedEarlier');
  assert.equal(env.double.opens, 1, 'no second job over the finished one');
  assert.equal(await readFile(logPath(env.dir), 'utf8'), goodLog, 'the log was not overwritten');
  // Had a second job run with TABLE_EXISTS_ACTION=SKIP, the double (like Oracle) would have
  // logged ORA-39151 for every table and the verdict would be "unexpected errors".
  assert.doesNotMatch(await readFile(logPath(env.dir), 'utf8'), /ORA-39151/);
});

test('--fresh over a finished job does open a new one (and SKIP then meets the existing tables)', async (t) => {
  const env = await setup(t);
  assert.equal((await importOn(env)).result.outcome, 'Succeeded');
  await rm(path.join(env.dir, 'reports', 'import-3978.done.json'));
  const again = await importOn(env, { fresh: true });
  assert.equal(env.double.opens, 2);
  assert.equal(again.result.reason, 'ImportCompletedWithErrors');
  assert.match(again.result.message, /ORA-39151: Table "EXL_ADMIN"."ORGANIZATION_UNIT" exists/);
});

test('the record of a started job is written before START_JOB, atomically, and never through a symlink', async (t) => {
  const env = await setup(t);
  let seenAtStart: string | undefined;
  const engine = new DataPumpApiEngine(async () => {
    const s = env.double.session();
    const startJob: DataPumpSession['startJob'] = async (h, skip) => {
      seenAtStart = await readFile(recordPath(env.dir), 'utf8');
      return s.startJob(h, skip);
    };
    return { ...s, startJob };
  });
  await importOn(env, { engine });
  assert.ok(seenAtStart, 'the record existed when START_JOB was called');
  assert.equal(JSON.parse(seenAtStart).phase, 'starting');
  const after = JSON.parse(await readFile(recordPath(env.dir), 'utf8'));
  assert.deepEqual([after.jobName, after.phase], [JOB, 'started']);

  // A symlink planted at the record's place is refused, and its target left alone.
  const env2 = await setup(t);
  const target = path.join(env2.dir, 'elsewhere.json');
  await writeFile(target, 'untouched');
  await mkdir(path.join(env2.dir, 'reports'), { recursive: true });
  await symlink(target, recordPath(env2.dir));
  const refused = await importOn(env2);
  assert.equal(refused.result.reason, 'StagingUnsafe');
  assert.equal(refused.exitCode, IMPORT_EXIT.usage);
  assert.match(refused.result.message, /is a symbolic link; refusing to follow it/);
  assert.equal(await readFile(target, 'utf8'), 'untouched');
  assert.ok((await lstat(recordPath(env2.dir))).isSymbolicLink());
  assert.equal(env2.double.opens, 0);
});

test('the pod died between the record and START_JOB: the rerun sees no job in the log and starts it', async (t) => {
  const env = await setup(t);
  const dying = new DataPumpApiEngine(async () => {
    const s = env.double.session();
    const startJob: DataPumpSession['startJob'] = async () => {
      env.double.killSession(s); // the connection drops before START_JOB reaches the database
      throw new Error('DPI-1080: connection was closed by ORA-03113');
    };
    return { ...s, startJob };
  });
  const first = await importOn(env, { engine: dying });
  assert.equal(first.result.reason, 'ImportStartFailed');
  assert.equal(JSON.parse(await readFile(recordPath(env.dir), 'utf8')).phase, 'starting');
  assert.equal(env.double.jobs.size, 0, 'the DEFINING job went with its session');
  const second = await importOn(env);
  assert.equal(second.result.outcome, 'Succeeded', second.result.message);
  assert.equal(inst0(second).start, 'opened');
});

test('a started job that vanished without a final log line (killed) is not reopened: --fresh is named', async (t) => {
  const env = await setup(t);
  const sessions: ReturnType<typeof env.double.session>[] = [];
  const ac = new AbortController();
  await importOn(env, { engine: engineOn(env.double, sessions, () => ac.abort()), signal: ac.signal });
  env.double.killSession(sessions[0]!);
  const dba = env.double.session(); // a DBA runs KILL_JOB from another session
  await dba.stopJob(await dba.attach(JOB), { immediate: true, keepMaster: false });
  const run = await importOn(env);
  assert.equal(run.result.reason, 'ImportVanished');
  assert.equal(run.exitCode, IMPORT_EXIT.stopped);
  assert.match(run.result.message, /no longer exists .* has no final "Job \.\.\." line.*--fresh/);
  assert.equal(env.double.opens, 1);
});

test('watching waits inside GET_STATUS (its timeout = the progress interval), no sleeps in between', async (t) => {
  const env = await setup(t);
  const run = await importOn(env, { intervalMs: 30_000 });
  assert.equal(run.result.outcome, 'Succeeded');
  const waits = env.double.callsOf('getStatus').map((c) => c.args[1]);
  assert.deepEqual(waits, [0, 30, 30, 30]);
  const progress = env.logLines.filter((l) => l.includes('"progress"'));
  assert.equal(progress.length, 4);
});

test('ORA-31627 (success with info) from START_JOB is success: the job is watched to the end', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({ startJobSuccessWithInfo: true });
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Succeeded', run.result.message);
  assert.equal(run.exitCode, IMPORT_EXIT.ok);
  assert.ok(env.logLines.some((l) => l.includes('START_JOB succeeded with information (ORA-31627)')));
});

test('STOP PENDING is not restarted (ORA-39004 territory): exit 21; once NOT RUNNING it is', async (t) => {
  const env = await setup(t);
  const sessions: ReturnType<typeof env.double.session>[] = [];
  const ac = new AbortController();
  await importOn(env, { engine: engineOn(env.double, sessions, () => ac.abort()), signal: ac.signal });
  env.double.killSession(sessions[0]!);
  env.double.requestOrderlyStop(JOB);
  const stopping = await importOn(env);
  assert.equal(stopping.result.reason, 'ImportStopping');
  assert.equal(stopping.exitCode, IMPORT_EXIT.stopped);
  assert.match(stopping.result.message, /is STOP PENDING: .*run the import again in a minute/);
  assert.equal(env.double.callsOf('startJob').length, 1, 'no START_JOB on a stopping job');
  env.double.settleStops(); // STOPPING
  env.double.settleStops(); // NOT RUNNING, master table kept
  const restarted = await importOn(env);
  assert.equal(inst0(restarted).start, 'restarted');
  assert.equal(restarted.result.outcome, 'Succeeded', restarted.result.message);
});

test('NOT RUNNING while a job is just starting: attached and watched, not START_JOBed again', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({ notRunningAtStart: true });
  const sessions: ReturnType<typeof env.double.session>[] = [];
  const quitting = new DataPumpApiEngine(async () => {
    const s = env.double.session();
    sessions.push(s);
    const startJob: DataPumpSession['startJob'] = async (h, skip) => {
      await s.startJob(h, skip);
      env.double.killSession(s); // the pod dies right after START_JOB
    };
    return { ...s, startJob };
  });
  await importOn(env, { engine: quitting });
  assert.equal((await env.double.session().findJob(JOB))?.state, 'NOT RUNNING');
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Succeeded', run.result.message);
  assert.equal(inst0(run).start, 'attached');
  assert.equal(env.double.callsOf('startJob').length, 1);
});

test('NOT RUNNING while a job is just ending: ATTACH raises ORA-31626 and the log decides', async (t) => {
  const env = await setup(t);
  env.double.script = defaultScript({ notRunningAtEnd: true });
  const sessions: ReturnType<typeof env.double.session>[] = [];
  const ac = new AbortController();
  await importOn(env, { engine: engineOn(env.double, sessions, () => ac.abort()), signal: ac.signal });
  env.double.killSession(sessions[0]!);
  env.double.runInBackground(10);
  const run = await importOn(env);
  assert.equal(run.result.outcome, 'Succeeded', run.result.message);
  assert.equal(env.double.opens, 1);
  assert.equal(env.double.callsOf('startJob').length, 1);
});
