import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/logging.js';
import { encodeTerminationMessage } from '../../src/contract/result.js';
import { importedTables } from '../../src/steps/verify/import-report.js';
import { runVerify } from '../../src/steps/verify/run.js';
import type { StepConfig } from '../../src/contract/step-config.js';
import { DictionaryDouble, testStepConfig } from '../support/dictionary-double.js';

const quiet = () =>
  createLogger(
    {},
    new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
  );

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verify-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A database where the import went well: 3 tables, analysed, user exists. */
function importedDb(): DictionaryDouble {
  const db = new DictionaryDouble();
  db.users.set('EXL_ADMIN', {
    accountStatus: 'OPEN',
    defaultTablespace: 'USERS',
    temporaryTablespace: 'TEMP',
    password: 'pw',
    roles: new Map(),
    quotas: new Map(),
    failedLogins: 0,
  });
  const s = db.schema('EXL_ADMIN');
  for (const name of ['BIB', 'ITEM', 'HFRUSER']) s.tables.push({ name, analyzed: false });
  return db;
}

async function writeImportReport(stagingDir: string, tables: number) {
  await mkdir(path.join(stagingDir, 'reports'), { recursive: true });
  await writeFile(
    path.join(stagingDir, 'reports', 'import-report.json'),
    JSON.stringify({
      result: { step: 'import', outcome: 'SucceededWithWarnings', summary: {} },
      report: { institutions: [{ institutionId: '3978', verdict: { tables, rows: 100 } }] },
    }),
  );
}

async function verify(db: DictionaryDouble, config: StepConfig, envPath = '/nonexistent') {
  return runVerify(config, { openPdb: async () => db, logger: quiet(), envPath, secrets: ['pw'] });
}

const check = (out: Awaited<ReturnType<typeof verify>>, name: string) =>
  out.report.institutions[0]!.checks.find((c) => c.name === name)!;

describe('verify checks', () => {
  it('passes everything on a clean import and gathers statistics', async () => {
    const staging = path.join(dir, 'clean');
    await writeImportReport(staging, 3);
    const db = importedDb();
    const out = await verify(db, testStepConfig(staging));
    assert.equal(out.result.outcome, 'Succeeded', out.result.message);
    assert.equal(check(out, 'tablesImported').observed, '3 table(s) in EXL_ADMIN, 3 imported');
    assert.equal(db.gatherCalls, 1);
    assert.equal(check(out, 'vendorScript').observed, 'POST_IMPORT.sh was not delivered');
    assert.deepEqual(out.result.summary.verification, [
      {
        institutionId: '3978',
        checks: out.report.institutions[0]!.checks.map((c) => ({
          name: c.name,
          passed: true,
          ...(c.observed ? { observed: c.observed } : {}),
          ...(c.expected ? { expected: c.expected } : {}),
          ...(c.action ? { action: c.action } : {}),
        })),
      },
    ]);
  });

  it('fails when the schema has fewer tables than were imported', async () => {
    const staging = path.join(dir, 'missing');
    await writeImportReport(staging, 5);
    const out = await verify(importedDb(), testStepConfig(staging));
    assert.equal(out.result.outcome, 'Failed');
    assert.equal(out.result.reason, 'VerificationFailed');
    assert.match(out.result.message, /3978\/tablesImported: 3 table\(s\) in EXL_ADMIN, 5 imported/);
  });

  it('warns when there is no import report to compare with', async () => {
    const out = await verify(importedDb(), testStepConfig(path.join(dir, 'noreport')));
    assert.equal(out.result.outcome, 'SucceededWithWarnings');
    assert.match(check(out, 'tablesImported').observed!, /import-report\.json is not found/);
  });

  it('recompiles invalid objects and lists what stays invalid', async () => {
    const staging = path.join(dir, 'invalid');
    await writeImportReport(staging, 3);
    const db = importedDb();
    db.schema('EXL_ADMIN').objects.push(
      { name: 'V_OK', type: 'VIEW', status: 'INVALID', compiles: true },
      { name: 'P_BROKEN', type: 'PROCEDURE', status: 'INVALID', compiles: false },
    );
    const out = await verify(db, testStepConfig(staging));
    const c = check(out, 'invalidObjects');
    assert.equal(c.passed, false);
    assert.equal(c.observed, '1 invalid: PROCEDURE P_BROKEN');
    assert.equal(c.action, 'DBMS_UTILITY.COMPILE_SCHEMA: 1 of 2 now valid');
    assert.equal(out.result.outcome, 'SucceededWithWarnings');

    db.schema('EXL_ADMIN').objects.pop();
    db.schema('EXL_ADMIN').objects[0]!.status = 'INVALID';
    const again = await verify(db, testStepConfig(staging));
    assert.equal(check(again, 'invalidObjects').passed, true);
    assert.equal(again.result.outcome, 'Succeeded');
  });

  it('rebuilds unusable indexes and partitions, reporting the ones Oracle refuses', async () => {
    const staging = path.join(dir, 'indexes');
    await writeImportReport(staging, 3);
    const db = importedDb();
    db.schema('EXL_ADMIN').indexes.push(
      { index: 'BIB_PK', unusable: true },
      { index: 'ITEM_IX', partition: 'P1', unusable: true, partitioned: true },
      {
        index: 'DUP_UK',
        unusable: true,
        rebuildError: [1452, 'cannot CREATE UNIQUE INDEX; duplicate keys found'],
      },
    );
    const out = await verify(db, testStepConfig(staging));
    const c = check(out, 'unusableIndexes');
    assert.equal(c.passed, false);
    assert.equal(c.observed, '1 unusable: DUP_UK');
    assert.match(c.action!, /rebuilt 2 of 3; failed: DUP_UK: ORA-01452/);

    db.schema('EXL_ADMIN').indexes.pop();
    assert.equal(check(await verify(db, testStepConfig(staging)), 'unusableIndexes').passed, true);
  });

  it('reports disabled constraints and partitions, and disables VPD policies incl. grouped ones', async () => {
    const staging = path.join(dir, 'misc');
    await writeImportReport(staging, 3);
    const db = importedDb();
    const s = db.schema('EXL_ADMIN');
    s.constraints.push({
      table: 'ITEM',
      name: 'ITEM_FK',
      type: 'R',
      status: 'DISABLED',
      validated: 'NOT VALIDATED',
    });
    s.partitions.push({ table: 'BIB', partition: 'P2020' });
    s.policies.push(
      { object: 'BIB', policyGroup: 'SYS_DEFAULT', policy: 'INST_POLICY', enabled: true },
      { object: 'ITEM', policyGroup: 'URM_GROUP', policy: 'LIB_POLICY', enabled: true },
    );
    const out = await verify(db, testStepConfig(staging));
    assert.equal(check(out, 'constraints').passed, false);
    assert.match(check(out, 'constraints').observed!, /ITEM\.ITEM_FK DISABLED\/NOT VALIDATED/);
    assert.equal(check(out, 'partitions').passed, false);
    assert.equal(check(out, 'vpdPolicies').passed, true);
    assert.equal(check(out, 'vpdPolicies').action, 'disabled 2 polic(ies) incl. groups URM_GROUP');
    assert.ok(s.policies.every((p) => !p.enabled));

    const keep = importedDb();
    keep
      .schema('EXL_ADMIN')
      .policies.push({ object: 'BIB', policyGroup: 'SYS_DEFAULT', policy: 'P', enabled: true });
    const kept = await verify(
      keep,
      testStepConfig(staging, { postImport: { disableVpdPolicies: false, gatherStatistics: false } }),
    );
    assert.equal(check(kept, 'vpdPolicies').passed, false);
    assert.equal(check(kept, 'statistics').passed, false);
    assert.equal(keep.gatherCalls, 0);
  });

  it('keeps the termination message under 4 KiB for a large consortium', async () => {
    const staging = path.join(dir, 'big');
    const institutions = Array.from({ length: 12 }, (_, i) => ({
      institutionId: String(4000 + i),
      schema: i === 0 ? 'EXL_ADMIN' : `EXL_ADMIN_${i + 1}`,
      tablespace: i === 0 ? 'USERS' : `USERS${i + 1}`,
      bibRecords: 1000,
      tablespaceBytes: 1,
    }));
    const out = await verify(importedDb(), testStepConfig(staging, { institutions }));
    const text = encodeTerminationMessage(out.result);
    assert.ok(Buffer.byteLength(text) <= 4096);
    assert.ok(!JSON.parse(text).summary.truncated, 'summary was dropped instead of compacted');
    assert.equal(JSON.parse(text).summary.verification.length, 12);
  });
});

describe('POST_IMPORT.sh', () => {
  async function withScript(name: string, body: string) {
    const staging = path.join(dir, name);
    await writeImportReport(staging, 3);
    const scripts = path.join(staging, 'local_3975_3978', 'scripts');
    await mkdir(scripts, { recursive: true });
    await writeFile(path.join(scripts, 'POST_IMPORT.sh'), body);
    await chmod(path.join(scripts, 'POST_IMPORT.sh'), 0o750);
    return staging;
  }

  it('runs it without secrets on argv or in env, captures and summarises its output', async () => {
    const staging = await withScript(
      'script-ok',
      'echo "args: $#"; env | grep -c -i -E "password|pw=" || true; echo "Tables imported: 3"; echo "done"\n',
    );
    const out = await verify(importedDb(), testStepConfig(staging), process.env.PATH);
    const vs = out.report.institutions[0]!.vendorScript!;
    assert.equal(vs.state, 'ran');
    assert.equal(vs.exitCode, 0);
    assert.deepEqual(vs.tail, ['args: 0', '0', 'Tables imported: 3', 'done']);
    assert.equal(check(out, 'vendorScript').passed, true);
  });

  it('warns on Oracle errors in its output and scrubs secrets', async () => {
    const staging = await withScript(
      'script-err',
      'echo "connect EXL_ADMIN/pw"; echo "ORA-00942: table or view does not exist"; exit 1\n',
    );
    const out = await verify(importedDb(), testStepConfig(staging), process.env.PATH);
    const c = check(out, 'vendorScript');
    assert.equal(c.passed, false);
    assert.match(c.observed!, /exit code 1, 1 Oracle error\(s\): ORA-00942/);
    assert.ok(!JSON.stringify(out.report).includes('EXL_ADMIN/pw'));
    assert.equal(out.result.outcome, 'SucceededWithWarnings');
  });

  it('says it is not runnable when sqlplus is missing from the image', async () => {
    const staging = await withScript('script-sqlplus', 'sqlplus -s / @post_import.sql\n');
    const out = await verify(importedDb(), testStepConfig(staging), process.env.PATH);
    const c = check(out, 'vendorScript');
    assert.equal(c.passed, false);
    assert.match(c.observed!, /not run: sqlplus not available in this image/);
  });

  it('is skipped when runVendorScript is off', async () => {
    const staging = await withScript('script-off', 'exit 3\n');
    const out = await verify(
      importedDb(),
      testStepConfig(staging, { postImport: { runVendorScript: false } }),
    );
    assert.equal(check(out, 'vendorScript').passed, true);
    assert.match(check(out, 'vendorScript').observed!, /skipped/);
  });
});

describe('webhook', () => {
  it('POSTs the summary to the URL from the Secret file on a real loopback server', async () => {
    const received: { body: string; req: IncomingMessage }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, req });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const staging = path.join(dir, 'hook');
      await writeImportReport(staging, 3);
      const urlFile = path.join(dir, 'webhook-url');
      await writeFile(urlFile, `http://127.0.0.1:${port}/hook?token=abc123\n`);
      const out = await verify(
        importedDb(),
        testStepConfig(staging, { postImport: { webhookUrlFile: urlFile } }),
      );
      assert.equal(received.length, 1);
      assert.equal(received[0]!.req.method, 'POST');
      assert.equal(received[0]!.req.url, '/hook?token=abc123');
      const body = JSON.parse(received[0]!.body);
      assert.equal(body.outcome, 'Succeeded');
      assert.deepEqual(body.restore, { namespace: 'library', name: 'q3' });
      assert.equal(out.result.summary.webhook, 'sent');
      assert.ok(!JSON.stringify(out).includes('abc123'));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('records a failed notification without the URL and without changing the outcome', async () => {
    const server = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const staging = path.join(dir, 'hook500');
      await writeImportReport(staging, 3);
      const urlFile = path.join(dir, 'webhook-url-500');
      await writeFile(urlFile, `http://127.0.0.1:${port}/secret-path`);
      const out = await verify(
        importedDb(),
        testStepConfig(staging, { postImport: { webhookUrlFile: urlFile } }),
      );
      assert.equal(out.result.outcome, 'Succeeded');
      assert.equal(out.result.summary.webhook, 'the webhook answered HTTP 500');
      assert.ok(!JSON.stringify(out).includes('secret-path'));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('import report reading', () => {
  it('finds the table count in the shapes the import step may write', () => {
    assert.equal(
      importedTables({ report: { institutions: [{ institutionId: '1', tablesImported: 7 }] } }, '1', false),
      7,
    );
    assert.equal(
      importedTables(
        { result: { summary: { institutions: [{ institutionId: '1', tables: ['A', 'B'] }] } } },
        '1',
        false,
      ),
      2,
    );
    assert.equal(importedTables({ report: { tables: 9 } }, '1', true), 9);
    assert.equal(importedTables({ report: { tables: 9 } }, '1', false), undefined);
    assert.equal(importedTables({ report: {} }, '1', true), undefined);
  });
});
