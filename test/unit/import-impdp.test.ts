// The impdp engine against test/support/fake-impdp (a stand-in that writes realistic logs and
// exits 0, 5 or 1): password only on stdin, generated parfile private and removed, resume via
// ATTACH + START_JOB, --fresh via KILL_JOB, exit codes mapped to outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/logging.js';
import type { StepConfig } from '../../src/contract/step-config.js';
import { testStepConfig } from '../support/dictionary-double.js';
import { institutionLayout } from '../../src/contract/step-config.js';
import type { DataPumpJobInfo } from '../../src/oracle/datapump.js';
import { ImpdpEngine, foldImpdpStatusLine, statusFromBlock } from '../../src/oracle/datapump-impdp.js';
import { runImport } from '../../src/steps/import/runner.js';
import { IMPORT_EXIT } from '../../src/contract/exit-codes.js';

const FAKE = fileURLToPath(new URL('../support/fake-impdp/impdp', import.meta.url));
const PASSWORD = 'Adm1n-pw-never-in-argv';

interface Env {
  dir: string;
  config: StepConfig;
  logText: () => string;
  logger: ReturnType<typeof createLogger>;
  record: () => Promise<Record<string, unknown>[]>;
  engine: (scenario: string, job?: DataPumpJobInfo) => ImpdpEngine;
  workDir: string;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Env> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'impdp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = testStepConfig(dir, {
    restore: { namespace: 'lib', name: 'nightly' },
    institutions: [
      { institutionId: '3978', schema: 'EXL_ADMIN', tablespace: 'USERS', bibRecords: 1, tablespaceBytes: 1 },
    ],
    database: {
      connectString: 'db.example.edu:1521/ALMAPDB',
      credentialsDir: path.join(dir, 'creds'),
      directoryPath: dir,
    },
    import: { engine: 'impdp' },
  });
  const layout = institutionLayout(config, config.institutions[0]!);
  await mkdir(layout.scriptsDir, { recursive: true });
  await writeFile(
    layout.parfilePath,
    'dumpfile=local_backup_final_3975_3978_%U.dmp\nLOGFILE=import_3975_3978.log\n',
  );
  for (const n of ['01', '02'])
    await writeFile(path.join(layout.localDir, `local_backup_final_3975_3978_${n}.dmp`), '');
  const pwFile = path.join(dir, 'expected-password');
  await writeFile(pwFile, PASSWORD);
  const recordFile = path.join(dir, 'invocations.jsonl');
  const workDir = path.join(dir, 'work');
  await mkdir(workDir);
  const chunks: string[] = [];
  const logger = createLogger(
    { step: 'import' },
    new Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    }),
  );
  return {
    dir,
    config,
    logger,
    workDir,
    logText: () => chunks.join(''),
    record: async () =>
      (await readFile(recordFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    engine: (scenario, job) =>
      new ImpdpEngine({
        binary: FAKE,
        connectString: config.database.connectString,
        credentials: async () => ({ username: 'ALMA_ADMIN', password: PASSWORD }),
        findJob: async () => job,
        workDir,
        env: {
          PATH: process.env.PATH,
          FAKE_IMPDP_SCENARIO: scenario,
          FAKE_IMPDP_DIRECTORIES: JSON.stringify({ EXP_DIR_3978: layout.localDir }),
          FAKE_IMPDP_RECORD: recordFile,
          FAKE_IMPDP_PASSWORD_FILE: pwFile,
        },
      }),
  };
}

test('impdp exits 5 on the vendor sample: SucceededWithWarnings; the password is only on stdin', async (t) => {
  const env = await setup(t);
  const run = await runImport({
    config: env.config,
    engine: env.engine('vendor'),
    logger: env.logger,
    intervalMs: 60_000,
  });
  assert.equal(run.result.outcome, 'SucceededWithWarnings', run.result.message);
  assert.equal(run.exitCode, IMPORT_EXIT.ok);
  const inst = run.report.institutions[0]!;
  assert.equal(inst.exitCode, 5);
  assert.equal(inst.verdict?.expectedCount, 4);
  assert.equal(inst.logSource, path.join(env.dir, 'local_3975_3978', 'import_3975_3978.log'));

  const [call] = await env.record();
  assert.equal((call!.argv as string[]).length, 1);
  assert.match((call!.argv as string[])[0]!, /^parfile=.*\.par$/);
  assert.equal(call!.passwordAnswer, 'correct', 'the prompt was answered on stdin');
  assert.equal(call!.envHoldsPassword, false);
  assert.equal(call!.parfileMode, '600');
  const parfile = call!.parfile as string;
  assert.match(parfile, /^USERID=ALMA_ADMIN@db\.example\.edu:1521\/ALMAPDB$/m);
  assert.match(parfile, /^JOB_NAME=ALMA_NIGHTLY_3978$/m);
  assert.match(
    parfile,
    /^DUMPFILE=local_backup_final_3975_3978_01\.dmp,local_backup_final_3975_3978_02\.dmp$/m,
  );
  assert.match(parfile, /^STATUS=60$/m);
  assert.match(parfile, /^EXCLUDE=STATISTICS$/m);
  assert.match(parfile, /^TRANSFORM=DISABLE_ARCHIVE_LOGGING:Y$/m);
  // No password anywhere: argv, generated parfile, logs, result, report.
  for (const text of [
    JSON.stringify(call),
    env.logText(),
    JSON.stringify(run.result),
    JSON.stringify(run.report),
  ]) {
    assert.ok(!text.includes(PASSWORD), 'password leaked');
  }
  assert.deepEqual(await readdir(env.workDir), [], 'the generated parfile was removed');
  // Progress from impdp's STATUS block.
  assert.match(
    env.logText(),
    /import 3978: 50\.0% done, 50\.0 MiB of 100\.0 MiB, SCHEMA_EXPORT\/TABLE\/TABLE_DATA EXL_ADMIN\.HDEMETADATA, 4718592 rows/,
  );
});

test('impdp exit 5 with unexpected errors is Failed (exit 20); exit 0 is Succeeded', async (t) => {
  const env = await setup(t);
  const bad = await runImport({ config: env.config, engine: env.engine('errors'), logger: env.logger });
  assert.equal(bad.result.outcome, 'Failed');
  assert.equal(bad.exitCode, IMPORT_EXIT.completedWithErrors);
  const firstUnexpected = (bad.result.summary.institutions as Record<string, unknown>[])[0]!
    .firstUnexpected as string[];
  assert.match(firstUnexpected[0]!, /^ORA-31693: Table data object "EXL_ADMIN"\."HDEMETADATA"/);
  const env2 = await setup(t);
  const good = await runImport({ config: env2.config, engine: env2.engine('success'), logger: env2.logger });
  assert.equal(good.result.outcome, 'Succeeded');
});

test('impdp exit 1 after a fatal stop is Failed and resumable (exit 21); refused parameters are a start failure (22)', async (t) => {
  const env = await setup(t);
  const fatal = await runImport({ config: env.config, engine: env.engine('fatal'), logger: env.logger });
  assert.equal(fatal.result.reason, 'ImportStoppedFatal');
  assert.equal(fatal.exitCode, IMPORT_EXIT.stopped);
  const env2 = await setup(t);
  const refused = await runImport({
    config: env2.config,
    engine: env2.engine('refused'),
    logger: env2.logger,
  });
  assert.equal(refused.result.reason, 'ImportStartFailed');
  assert.equal(refused.exitCode, IMPORT_EXIT.startFailed);
  assert.match(
    refused.result.message,
    /impdp refused to start job ALMA_NIGHTLY_3978 \(exit 1\): .*UDI-00014/,
  );
});

test('a stopped job is resumed through ATTACH + START_JOB; --fresh kills it first', async (t) => {
  const env = await setup(t);
  const stopped: DataPumpJobInfo = {
    owner: 'ALMA_ADMIN',
    name: 'ALMA_NIGHTLY_3978',
    state: 'NOT RUNNING',
    attachedSessions: 0,
  };
  // A previous run defined the job (the fake remembers its LOGFILE), then it stopped.
  await runImport({ config: env.config, engine: env.engine('fatal'), logger: env.logger });
  const run = await runImport({
    config: env.config,
    engine: env.engine('success', stopped),
    logger: env.logger,
  });
  assert.equal(run.report.institutions[0]!.start, 'restarted');
  assert.equal(run.result.outcome, 'Succeeded', run.result.message);
  const calls = await env.record();
  assert.match(calls[1]!.parfile as string, /^ATTACH=ALMA_NIGHTLY_3978$/m);
  assert.deepEqual(calls[1]!.commands, ['START_JOB', 'STATUS=30', 'CONTINUE_CLIENT']);

  const env2 = await setup(t);
  const fresh = await runImport({
    config: env2.config,
    engine: env2.engine('success', stopped),
    logger: env2.logger,
    fresh: true,
  });
  assert.equal(fresh.result.outcome, 'Succeeded');
  const calls2 = await env2.record();
  assert.deepEqual(calls2[0]!.commands, ['KILL_JOB', 'yes']);
  assert.match(calls2[1]!.parfile as string, /^JOB_NAME=ALMA_NIGHTLY_3978$/m);
  assert.equal(fresh.report.institutions[0]!.killedExisting, true);
});

test('ATTACH= to a job that completed meanwhile (ORA-31626): the log decides, no new job', async (t) => {
  const env = await setup(t);
  const first = await runImport({
    config: env.config,
    engine: env.engine('success'),
    logger: env.logger,
    intervalMs: 60_000,
  });
  assert.equal(first.result.outcome, 'Succeeded', first.result.message);
  await rm(path.join(env.dir, 'reports', 'import-3978.done.json'));
  // DBA_DATAPUMP_JOBS still showed the job when the rerun looked; it was gone when impdp attached.
  const job = { owner: 'ALMA_ADMIN', name: 'ALMA_NIGHTLY_3978', state: 'EXECUTING', attachedSessions: 0 };
  const run = await runImport({
    config: env.config,
    engine: env.engine('gone', job),
    logger: env.logger,
    intervalMs: 60_000,
  });
  assert.equal(run.result.outcome, 'Succeeded', run.result.message);
  assert.equal(run.exitCode, IMPORT_EXIT.ok);
  const calls = await env.record();
  assert.equal(calls.length, 2);
  assert.match(String(calls[1]!.parfile), /ATTACH=ALMA_NIGHTLY_3978/);
});

test('impdp STATUS blocks fold into a progress snapshot', () => {
  const block = {};
  for (const l of [
    '  State: EXECUTING',
    '  Bytes Processed: 1073741824',
    '  Percent Done: 25',
    '  State: WORK WAITING',
    '  Object Type: TABLE_DATA',
  ]) {
    assert.ok(foldImpdpStatusLine(l, block));
  }
  assert.equal(foldImpdpStatusLine('Processing object type SCHEMA_EXPORT/USER', block), false);
  const s = statusFromBlock(block);
  assert.deepEqual(
    [s.state, s.percentDone, s.totalBytes, s.currentObject],
    ['EXECUTING', 25, 4294967296, 'TABLE_DATA'],
  );
});
