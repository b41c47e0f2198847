// A delivery whose scripts zip holds a parfile the import step would refuse (the shared rule,
// src/oracle/parfile-policy.ts): the real fetch, against the real OpenSSH server, must fail the
// delivery there, before the database is prepared, with the rule's reason, a message naming the
// line, exit 11, and nothing that reads as fetched: the result and the report say Failed, and a
// retry of the same delivery (whose transfer the state records as complete) fails the same way.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { scriptsZip, vendorParfile } from '../support/delivery.js';
import { FETCH_EXIT } from '../../src/contract/exit-codes.js';
import type { FetchReport } from '../../src/steps/fetch/run.js';
import type { StepResult } from '../../src/contract/result.js';
import { C, FOLDER, I, assertNothingHalfWritten, craftedDrop, craftedFlags, dump } from './fetch-crafted.js';
import { fetchEnvForFile, runFetchCommand } from './fetch-env.js';
import { cliArgs } from '../support/cli-entry.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PARFILE = `final_script_par.${C}_${I}`;

const env = fetchEnvForFile();

/** The vendor's parfile (lines 1-4: dumpfile, LOGFILE, REMAP_SCHEMA, REMAP_TABLESPACE) changed by `edit`. */
const vendorLines = () => vendorParfile(C, I).trimEnd().split('\n');

/** A well-formed two-dump delivery whose scripts zip carries `parfile`. */
function dropWithParfile(parfile: string): string {
  return craftedDrop(
    env,
    [
      { name: `${FOLDER}/`, type: '5' },
      { name: dump(1), data: Buffer.alloc(20_000, 1) },
      { name: dump(2), data: Buffer.alloc(20_000, 2) },
    ],
    scriptsZip(C, [{ institutionId: I, dumpFiles: 2 }], () => parfile),
  );
}

const cases: { label: string; parfile: string; reason: string; message: RegExp; secret?: string }[] = [
  {
    label: 'USERID= (credentials in the parfile)',
    parfile: [...vendorLines(), 'USERID=system/Manager-pw1'].join('\n') + '\n',
    reason: 'ParfileForbiddenParameter',
    message:
      /USERID \(line 5\) is not allowed: credentials come from the admin credentials Secret, never from a parfile/,
    secret: 'Manager-pw1',
  },
  {
    label: 'SCHEMAS=SYS',
    parfile: [...vendorLines(), 'SCHEMAS=SYS'].join('\n') + '\n',
    reason: 'ParfileSystemTarget',
    message: /SCHEMAS \(line 5\) names SYS, an account Oracle maintains/,
  },
  {
    label: 'REMAP_SCHEMA onto SYSBACKUP',
    parfile: vendorParfile(C, I).replace(
      'REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN',
      'REMAP_SCHEMA=EXL_ADMIN:SYSBACKUP',
    ),
    reason: 'ParfileSystemTarget',
    message: /REMAP_SCHEMA=EXL_ADMIN:SYSBACKUP \(line 3\) targets SYSBACKUP, an account Oracle maintains/,
  },
  {
    label: 'a quoted EXCLUDE value spanning lines (smuggling SQLFILE= and TABLE_EXISTS_ACTION=)',
    parfile:
      [
        ...vendorLines(),
        `EXCLUDE=TABLE:"IN ('A')`,
        'SQLFILE=EXP_DIR:ddl.sql',
        'TABLE_EXISTS_ACTION=REPLACE',
        'X"',
      ].join('\n') + '\n',
    reason: 'ParfileUnsafeValue',
    message: /EXCLUDE \(line 5\) has a value that spans lines or holds control characters/,
  },
];

describe('fetch refuses a delivered parfile the import step would refuse', () => {
  for (const c of cases) {
    test(`${c.label}: ${c.reason}, exit 11, the line named, nothing passed off as fetched`, async () => {
      const drop = dropWithParfile(c.parfile);
      const staging = env.dir('staging');
      for (const attempt of ['first run', 'retry of the same delivery']) {
        const run = await runFetchCommand(craftedFlags(env, drop, staging));
        const at = `${attempt}: ${run.result.message}`;
        assert.equal(run.code, FETCH_EXIT.badDelivery, at);
        assert.equal(run.result.outcome, 'Failed', at);
        assert.equal(run.result.reason, c.reason, at);
        assert.match(run.result.message, c.message, at);
        assert.ok(
          run.result.message.startsWith(path.join(staging, FOLDER, 'scripts', PARFILE) + ': '),
          `the message starts with the parfile's path: ${at}`,
        );
        assert.match(run.result.message, /; ask Ex Libris for a corrected scripts package$/, at);
        // The report on the staging volume says the same; nothing in it reads as a success.
        assert.equal(run.report?.result.outcome, 'Failed', at);
        const inst = (run.report?.report as FetchReport).institutions[0];
        assert.ok(
          inst?.parfile?.violations.some((v) => v.reason === c.reason),
          `the report lists the violation: ${JSON.stringify(inst?.parfile)}`,
        );
        const logged = run.logs.find((l) => l.level === 'error');
        assert.equal(logged?.reason, c.reason, `the error log line: ${JSON.stringify(run.logs.at(-1))}`);
        if (c.secret) {
          const everything = JSON.stringify([run.result, run.report, run.logs]);
          assert.ok(
            !everything.includes(c.secret),
            'the password in the parfile is in no result, report or log',
          );
        }
        assertNothingHalfWritten(staging);
      }
    });
  }

  test('as a real process (alma-restore fetch): exit 11 and the Failed result in the termination log', () => {
    const drop = dropWithParfile([...vendorLines(), 'NETWORK_LINK=prod_db'].join('\n') + '\n');
    const staging = env.dir('staging');
    const termination = path.join(env.dir('term'), 'result');
    const flags = craftedFlags(env, drop, staging);
    const r = spawnSync(
      process.execPath,
      [
        ...cliArgs(),
        'fetch',
        ...['--host', flags.host, '--port', flags.port, '--directory', drop, '--customer', C],
        ...['--institution', I, '--dest', staging, '--stable-for', '0', '--reserve', '0'],
        ...['--credentials-dir', flags.credentialsDir, '--termination-log', termination],
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, FETCH_EXIT.badDelivery, `${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(readFileSync(termination, 'utf8')) as StepResult;
    assert.equal(result.outcome, 'Failed');
    assert.equal(result.reason, 'ParfileForbiddenParameter');
    assert.match(
      result.message,
      /NETWORK_LINK \(line 5\) is not allowed: a Local Backup is imported from dump files, not over a database link/,
    );
    assert.deepEqual(
      JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}'),
      result,
      'stdout ends with the result',
    );
  });
});
