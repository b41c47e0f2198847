// `alma-restore import` end to end in-process: config file, engine (the DBMS_DATAPUMP double),
// termination message, report file, exit codes; and the CLI registration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logging.js';
import { importCommand, registerImportCommand } from '../../src/steps/import/command.js';
import { DataPumpApiEngine } from '../../src/oracle/datapump-api.js';
import { decodeTerminationMessage } from '../../src/contract/result.js';
import { Command } from 'commander';
import { DataPumpDouble, VENDOR_ERROR_BLOCKS, defaultScript } from '../support/datapump-double.js';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'import-cmd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = {
    restore: { namespace: 'lib', name: 'nightly' },
    customerId: '3975',
    institutions: [
      { institutionId: '3978', schema: 'EXL_ADMIN', tablespace: 'USERS', bibRecords: 1, tablespaceBytes: 1 },
    ],
    stagingDir: dir,
    database: {
      connectString: 'db:1521/PDB',
      credentialsDir: path.join(dir, 'creds'),
      directoryName: 'EXP_DIR',
      directoryPath: dir,
    },
    import: { engine: 'datapump-api', parallelism: 'auto', tableExistsAction: 'SKIP', ignorableErrors: [] },
  };
  const local = path.join(dir, 'local_3975_3978');
  await mkdir(path.join(local, 'scripts'), { recursive: true });
  await writeFile(
    path.join(local, 'scripts', 'final_script_par.3975_3978'),
    'dumpfile=local_backup_final_3975_3978_%U.dmp\nLOGFILE=import_3975_3978.log\n',
  );
  await writeFile(path.join(local, 'local_backup_final_3975_3978_01.dmp'), '');
  const configFile = path.join(dir, 'restore.json');
  await writeFile(configFile, JSON.stringify(config));
  const double = new DataPumpDouble(defaultScript({ errorBlocks: VENDOR_ERROR_BLOCKS }), () => local);
  const printed: string[] = [];
  const log = createLogger({}, new Writable({ write: (_c, _e, cb) => cb() }));
  return { dir, configFile, double, printed, log, termination: path.join(dir, 'termination-log') };
}

test('import publishes the termination message and the report; exit 0 with expected errors', async (t) => {
  const env = await setup(t);
  const code = await importCommand(
    { config: env.configFile, terminationLog: env.termination, progressInterval: '1' },
    {
      log: env.log,
      engine: new DataPumpApiEngine(async () => env.double.session()),
      print: (l) => env.printed.push(l),
    },
  );
  assert.equal(code, 0);
  const decoded = decodeTerminationMessage('import', await readFile(env.termination, 'utf8'));
  assert.ok(decoded.ok);
  assert.equal(decoded.result.outcome, 'SucceededWithWarnings');
  assert.equal(decoded.result.reportPath, path.join(env.dir, 'reports', 'import-report.json'));
  const report = JSON.parse(await readFile(decoded.result.reportPath!, 'utf8'));
  assert.equal(report.report.institutions[0].errors.length, 4);
  assert.equal(report.report.institutions[0].tables.length, 3);
  assert.equal(report.report.institutions[0].tablesImported, 3);
  assert.equal(JSON.parse(env.printed[0]!).outcome, 'SucceededWithWarnings');
});

test('--dry-run records the plan and runs nothing; a missing config is exit 2', async (t) => {
  const env = await setup(t);
  const code = await importCommand(
    { config: env.configFile, terminationLog: env.termination, dryRun: true },
    { log: env.log, engine: new DataPumpApiEngine(async () => env.double.session()), print: () => undefined },
  );
  assert.equal(code, 0);
  assert.equal(env.double.calls.length, 0);
  const plan = JSON.parse(await readFile(path.join(env.dir, 'reports', 'import-plan-3978.json'), 'utf8'));
  assert.equal(plan.jobName, 'ALMA_NIGHTLY_3978');

  const missing = await importCommand(
    { config: path.join(env.dir, 'nope.json'), terminationLog: env.termination },
    { log: env.log, print: () => undefined },
  );
  assert.equal(missing, 2);
  const decoded = decodeTerminationMessage('import', await readFile(env.termination, 'utf8'));
  assert.ok(decoded.ok && decoded.result.reason === 'ConfigMissing');
  assert.equal(
    await importCommand(
      { config: env.configFile, progressInterval: '0', terminationLog: env.termination },
      { log: env.log, print: () => undefined },
    ),
    2,
  );
});

test('a database that cannot be reached ends with exit 23 and no password anywhere', async (t) => {
  const env = await setup(t);
  const creds = path.join(env.dir, 'creds');
  await mkdir(creds);
  await writeFile(path.join(creds, 'username'), 'ALMA_ADMIN');
  await writeFile(path.join(creds, 'password'), 'db-pw-secret');
  const config = JSON.parse(await readFile(env.configFile, 'utf8'));
  config.database.connectString = '127.0.0.1:1/PDB';
  await writeFile(env.configFile, JSON.stringify(config));
  const lines: string[] = [];
  const log = createLogger({}, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  const code = await importCommand(
    { config: env.configFile, terminationLog: env.termination },
    { log, print: (l) => lines.push(l) },
  );
  assert.equal(code, 23);
  const termination = await readFile(env.termination, 'utf8');
  assert.match(termination, /DatabaseUnreachable/);
  for (const text of [termination, lines.join('')]) assert.ok(!text.includes('db-pw-secret'));
});

test('the CLI registers import with its options', () => {
  const program = new Command('alma-restore');
  registerImportCommand(program);
  const cmd = program.commands.find((c) => c.name() === 'import');
  assert.ok(cmd);
  const flags = cmd.options.map((o) => o.long);
  for (const f of [
    '--config',
    '--fresh',
    '--engine',
    '--progress-interval',
    '--impdp',
    '--dry-run',
    '--termination-log',
  ]) {
    assert.ok(flags.includes(f), f);
  }
});
