// A step command always ends with a result the controller can read, even when the step never got
// going (no config, the database unreachable, a bug): prepare and verify through runStepCommand,
// fetch and import through failedStepResult.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { UserFacingError } from '../../src/errors.js';
import { createLogger } from '../../src/logging.js';
import { prepareCommand } from '../../src/steps/prepare/command.js';
import { decodeTerminationMessage, failedStepResult } from '../../src/contract/result.js';
import { verifyCommand } from '../../src/steps/verify/command.js';
import { testStepConfig } from '../support/dictionary-double.js';

const quiet = () => createLogger({}, new Writable({ write: (_c, _e, cb) => cb() }));

test('failedStepResult keeps a UserFacingError and calls anything else an InternalError', () => {
  const known = failedStepResult('import', new UserFacingError('the parfile is gone', 'ParfileMissing'), {
    exitCode: 2,
  });
  assert.deepEqual(known, {
    version: 1,
    step: 'import',
    outcome: 'Failed',
    reason: 'ParfileMissing',
    message: 'the parfile is gone',
    summary: { exitCode: 2 },
  });
  const bug = failedStepResult('fetch', new TypeError('x is undefined'));
  assert.equal(bug.reason, 'InternalError');
  assert.equal(bug.message, 'unexpected error: x is undefined');
});

test('prepare with the database unreachable publishes a Failed result saying so (real thin driver)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'step-command-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'creds'));
  await writeFile(path.join(dir, 'creds', 'username'), 'ALMA_ADMIN');
  await writeFile(path.join(dir, 'creds', 'password'), 'admin-pw-never-shown');
  await writeFile(path.join(dir, 'schema-password'), 'schema-pw');
  const config = testStepConfig(path.join(dir, 'staging'), {
    database: {
      connectString: '127.0.0.1:1/ALMAPDB', // nothing listens on port 1
      credentialsDir: path.join(dir, 'creds'),
      schemaPasswordFile: path.join(dir, 'schema-password'),
    },
  });
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  const terminationLog = path.join(dir, 'termination-log');

  const code = await prepareCommand({ config: path.join(dir, 'config.json'), terminationLog }, quiet());

  assert.equal(code, 1);
  const decoded = decodeTerminationMessage('prepare', await readFile(terminationLog, 'utf8'));
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
  assert.equal(decoded.result.outcome, 'Failed');
  assert.equal(decoded.result.reason, 'DatabaseUnreachable');
  assert.match(decoded.result.message, /^cannot connect to the database as ALMA_ADMIN: /);
  assert.doesNotMatch(decoded.result.message, /admin-pw-never-shown/);
  assert.equal(decoded.result.reportPath, path.join(dir, 'staging', 'reports', 'prepare-report.json'));
});

test('verify without its config publishes a Failed result naming the missing file (exit 2)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'step-command-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const terminationLog = path.join(dir, 'termination-log');

  const code = await verifyCommand({ config: path.join(dir, 'missing.json'), terminationLog }, quiet());

  assert.equal(code, 2);
  const decoded = decodeTerminationMessage('verify', await readFile(terminationLog, 'utf8'));
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
  assert.equal(decoded.result.reason, 'ConfigMissing');
  assert.match(decoded.result.message, /cannot read the step configuration .*missing\.json/);
});
