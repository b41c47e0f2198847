// Opt-in: the Data Pump behaviours the doubles claim (docs/oracle-behaviours.md, "Data Pump"),
// against a real Oracle 19c PDB, through the same DataPumpSession and engines the import step
// uses. Runs only when ORACLE_TEST_CONNECT is set; otherwise every test reports an explicit skip.
//
//   ORACLE_TEST_CONNECT          Easy Connect string of a PDB service, e.g. localhost:1521/ORCLPDB1
//   ORACLE_TEST_CREDENTIALS_DIR  folder with files username, password: an admin (not SYSDBA) with
//                                CREATE USER, DROP USER, CREATE ANY DIRECTORY, DATAPUMP_EXP/IMP_FULL_DATABASE
//                                (and ALTER SYSTEM for the fatal-stop test)
//   ORACLE_TEST_DIRECTORY_PATH   a folder on the database server that Oracle can write (e.g. /opt/oracle/admin)
//   ORACLE_TEST_IMPDP            the impdp executable (impdp tests only), e.g. in Oracle's image
// Each test creates ALMA_<X>_SRC / ALMA_<X>_DST users and a directory object, and drops them after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataPumpApiEngine, JOB_GONE } from '../../src/oracle/datapump-api.js';
import { ImpdpEngine } from '../../src/oracle/datapump-impdp.js';
import { readDatabaseCredentials } from '../../src/oracle/connection.js';
import { judgeLog, parseDataPumpLog } from '../../src/oracle/datapump-log.js';
import type { DataPumpSession } from '../../src/oracle/datapump.js';
import { SKIP_WITHOUT_ORACLE, need } from '../support/real-oracle.js';
import { realDataPump, waitFor } from '../support/real-oracle-datapump.js';

const SKIP = SKIP_WITHOUT_ORACLE;

/** Until the job has no DBA_DATAPUMP_JOBS row (completed: master table dropped). */
async function untilGone(s: DataPumpSession, job: string): Promise<void> {
  await waitFor(`job ${job} to leave DBA_DATAPUMP_JOBS`, async () => {
    const j = await s.findJob(job);
    return j ? { seen: `state ${j.state}` } : { done: true };
  });
}

test(
  'real Oracle: export a small schema, import it remapped with the datapump-api engine',
  { skip: SKIP },
  async () => {
    const dp = await realDataPump('RT', 1000);
    try {
      const plan = dp.plan();
      const run = await new DataPumpApiEngine(dp.session).run(plan, { fresh: true, intervalMs: 1000 });
      assert.ok(run.finalState === 'COMPLETED' || run.finalState === JOB_GONE, run.finalState);
      const verdict = judgeLog(parseDataPumpLog(await dp.readServerFile(plan.logfile)), {
        schemas: [dp.dst],
      });
      assert.notEqual(verdict.outcome, 'Failed', verdict.message);
      const { rows } = await dp.admin.execute<{ N: number }>(
        `SELECT COUNT(*) AS N FROM ${dp.dst}.ORGANIZATION_UNIT`,
      );
      assert.equal(Number(rows[0]!.N), 1000);
    } finally {
      await dp.cleanup();
    }
  },
);

test(
  'real Oracle: a job completing between two GET_STATUS calls raises ORA-31623 next; the engine says GONE',
  { skip: SKIP },
  async () => {
    const dp = await realDataPump('BP', 1000);
    try {
      const plan = dp.plan({ jobName: 'ALMA_BP_BETWEEN' });
      const watcher = await dp.session();
      let calls = 0;
      // The watcher's own session, with its second GET_STATUS held until the job has finished.
      const delayed: DataPumpSession = Object.assign(Object.create(watcher) as DataPumpSession, {
        getStatus: async (h: number, w: number) => {
          if (++calls === 2) await untilGone(await dp.session(), plan.jobName);
          return watcher.getStatus(h, w);
        },
      });
      const run = await new DataPumpApiEngine(async () => delayed).run(plan, { fresh: true, intervalMs: 0 });
      assert.equal(run.finalState, JOB_GONE);
      const log = parseDataPumpLog(await dp.readServerFile(plan.logfile));
      assert.equal(log.outcome?.kind, 'completed');
    } finally {
      await dp.cleanup();
    }
  },
);

test(
  'real Oracle: the watcher dies, the job completes, the rerun (resumeOnly) opens nothing and reads the log',
  { skip: SKIP },
  async () => {
    const dp = await realDataPump('PD', 20000);
    try {
      const plan = dp.plan({ jobName: 'ALMA_PD_RERUN' });
      const ac = new AbortController();
      await assert.rejects(
        new DataPumpApiEngine(dp.session).run(plan, {
          fresh: true,
          intervalMs: 0,
          signal: ac.signal,
          onStatus: () => ac.abort(),
        }),
        /watch aborted/,
      );
      const probe = await dp.session();
      await untilGone(probe, plan.jobName);
      assert.equal(
        await probe.findJob(plan.jobName),
        undefined,
        'a completed job leaves no DBA_DATAPUMP_JOBS row',
      );
      await probe.close();
      const rerun = await new DataPumpApiEngine(dp.session).run(plan, {
        fresh: false,
        intervalMs: 0,
        resumeOnly: true,
      });
      assert.deepEqual([rerun.start, rerun.finalState], ['none', JOB_GONE]);
      const log = parseDataPumpLog(await dp.readServerFile(plan.logfile));
      assert.equal(log.outcome?.kind, 'completed');
      assert.equal(log.restarts, 0);
    } finally {
      await dp.cleanup();
    }
  },
);

test(
  'real Oracle: STOP_JOB keeping the master table leaves NOT RUNNING; ATTACH gives IDLING; START_JOB resumes',
  { skip: SKIP },
  async () => {
    const dp = await realDataPump('SR', 200000);
    try {
      const plan = dp.plan({ jobName: 'ALMA_SR_RESTART' });
      const ac = new AbortController();
      await new DataPumpApiEngine(dp.session)
        .run(plan, { fresh: true, intervalMs: 0, signal: ac.signal, onStatus: () => ac.abort() })
        .catch(() => undefined);
      const dba = await dp.session();
      await dba.stopJob(await dba.attach(plan.jobName), { immediate: true, keepMaster: true });
      await waitFor(`job ${plan.jobName} to be NOT RUNNING`, async () => {
        const j = await dba.findJob(plan.jobName);
        return j?.state === 'NOT RUNNING' ? { done: true } : { seen: j ? j.state : 'no row' };
      });
      const h = await dba.attach(plan.jobName);
      assert.equal((await dba.getStatus(h, 0)).state, 'IDLING');
      await dba.detach(h);
      await dba.close();
      const run = await new DataPumpApiEngine(dp.session).run(plan, { fresh: false, intervalMs: 5000 });
      assert.equal(run.start, 'restarted');
      const log = parseDataPumpLog(await dp.readServerFile(plan.logfile));
      assert.ok(log.restarts >= 1, 'the log says the job has been reopened');
      assert.equal(log.outcome?.kind, 'completed');
    } finally {
      await dp.cleanup();
    }
  },
);

test(
  'real Oracle: a fatal stop while watched (its master process session killed) ends the watch; the job is restartable',
  { skip: SKIP },
  async () => {
    const dp = await realDataPump('FS', 500000);
    try {
      const plan = dp.plan({ jobName: 'ALMA_FS_FATAL' });
      let killed = false;
      let killError: string | undefined;
      const run = await new DataPumpApiEngine(dp.session).run(plan, {
        fresh: true,
        intervalMs: 0,
        onStatus: () => {
          if (killed) return;
          killed = true;
          // Kill the job's master control process session: the job stops on a fatal error.
          void dp.admin
            .execute(
              `BEGIN FOR s IN (SELECT v.sid, v.serial# FROM v$session v JOIN dba_datapump_sessions d ON d.saddr = v.saddr
                              WHERE d.job_name = :job AND d.session_type = 'MASTER') LOOP
               EXECUTE IMMEDIATE 'ALTER SYSTEM KILL SESSION ''' || s.sid || ',' || s.serial# || ''' IMMEDIATE';
             END LOOP; END;`,
              { job: plan.jobName },
            )
            .catch((err: unknown) => {
              killError = `the fatal-stop test needs ALTER SYSTEM for the admin user: ${String(err)}`;
            });
        },
      });
      assert.equal(killError, undefined, killError);
      assert.ok(['NOT RUNNING', 'STOPPED', JOB_GONE].includes(run.finalState), run.finalState);
      const j = await (await dp.session()).findJob(plan.jobName);
      assert.ok(j === undefined || j.state === 'NOT RUNNING', `state after the fatal stop: ${j?.state}`);
    } finally {
      await dp.cleanup();
    }
  },
);

function impdpEngine(dp: Awaited<ReturnType<typeof realDataPump>>): ImpdpEngine {
  return new ImpdpEngine({
    binary: need('ORACLE_TEST_IMPDP'),
    connectString: dp.config.database.connectString,
    credentials: () => readDatabaseCredentials(dp.config.database.credentialsDir),
    findJob: async (name) => {
      const s = await dp.session();
      try {
        return await s.findJob(name);
      } finally {
        await s.close();
      }
    },
  });
}

test(
  'real Oracle: the impdp engine answers the password prompt on stdin; exit 0, then 5 over existing tables (SKIP)',
  { skip: SKIP },
  async () => {
    const dp = await realDataPump('IP', 1000);
    try {
      const first = await impdpEngine(dp).run(dp.plan({ jobName: 'ALMA_IP_FIRST' }), {
        fresh: true,
        intervalMs: 5000,
      });
      assert.equal(first.exitCode, 0, first.collectedLog.slice(-5).join('\n'));
      const credentials = await readDatabaseCredentials(dp.config.database.credentialsDir);
      assert.ok(
        !first.collectedLog.some((l) => l.includes(credentials.password)),
        'the password never shows',
      );
      const skip = dp.plan({ jobName: 'ALMA_IP_SKIP', tableExistsAction: 'SKIP', logfile: 'ip_skip.log' });
      const second = await impdpEngine(dp).run(skip, { fresh: true, intervalMs: 5000 });
      assert.equal(second.exitCode, 5);
      assert.match(
        await dp.readServerFile('ip_skip.log'),
        /ORA-39151: Table "ALMA_IP_DST"."ORGANIZATION_UNIT" exists/,
      );
    } finally {
      await dp.cleanup();
    }
  },
);

test(
  'real Oracle: impdp ATTACH= + KILL_JOB drops the job (exit 0); a missing dump file is exit 1',
  { skip: SKIP },
  async () => {
    const dp = await realDataPump('IK', 200000);
    try {
      const plan = dp.plan({ jobName: 'ALMA_IK_KILL' });
      const ac = new AbortController();
      await new DataPumpApiEngine(dp.session)
        .run(plan, { fresh: true, intervalMs: 0, signal: ac.signal, onStatus: () => ac.abort() })
        .catch(() => undefined);
      const killed = await impdpEngine(dp).run(plan, { fresh: true, intervalMs: 5000 });
      assert.equal(killed.killedExisting, true);
      const missing = { ...dp.plan({ jobName: 'ALMA_IK_MISSING' }), dumpfiles: ['no_such_file_01.dmp'] };
      await assert.rejects(
        impdpEngine(dp).run(missing, { fresh: true, intervalMs: 5000 }),
        /refused to start .*exit 1/,
      );
    } finally {
      await dp.cleanup();
    }
  },
);
