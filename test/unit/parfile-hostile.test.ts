// Hostile parfiles and names: the shared rule (parfile-policy.ts) that fetch and import both
// apply, the generated impdp parfile read back with the parser that models impdp's rules, the
// USERID line, and a dry run that must not read as an import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { StepConfig } from '../../src/contract/step-config.js';
import { institutionLayout } from '../../src/contract/step-config.js';
import { testStepConfig } from '../support/dictionary-double.js';
import { parseParfile, remaps } from '../../src/oracle/parfile.js';
import { parfileViolations } from '../../src/oracle/parfile-policy.js';
import { useridLine } from '../../src/oracle/datapump-impdp.js';
import { buildImportPlan } from '../../src/steps/import/plan.js';
import { planAsParfileLines } from '../../src/oracle/import-plan.js';
import { runImport } from '../../src/steps/import/runner.js';
import { createLogger } from '../../src/logging.js';
import type { ImportEngine } from '../../src/oracle/datapump-api.js';

const TAG = '3975_3978';
const DUMPS = ['01', '02'].map((n) => `local_backup_final_${TAG}_${n}.dmp`);
const BASE = `dumpfile=local_backup_final_${TAG}_%U.dmp\nLOGFILE=import_${TAG}.log\n`;

const config = (schema = 'EXL_ADMIN', tablespace = 'USERS'): StepConfig =>
  testStepConfig('/staging', {
    restore: { namespace: 'lib', name: 'q3' },
    institutions: [{ institutionId: '3978', schema, tablespace, bibRecords: 1, tablespaceBytes: 1 }],
    database: { directoryPath: '/opt/oracle/staging' },
  });

const plan = (text: string, c = config()) =>
  buildImportPlan({
    parfile: parseParfile(text),
    config: c,
    institution: c.institutions[0]!,
    availableFiles: DUMPS,
  });

const reasons = (text: string) => parfileViolations(parseParfile(text)).map((v) => v.reason);

test('a quoted EXCLUDE value with newlines cannot smuggle SQLFILE= or TABLE_EXISTS_ACTION= lines', () => {
  const smuggled = `${BASE}EXCLUDE=TABLE:"IN ('A')\nSQLFILE=EXP_DIR:ddl.sql\nTABLE_EXISTS_ACTION=REPLACE\nX"\n`;
  assert.deepEqual(reasons(smuggled), ['ParfileUnsafeValue']);
  assert.throws(
    () => plan(smuggled),
    (err: Error & { reason?: string }) => {
      assert.equal(err.reason, 'ParfileInvalid');
      assert.match(err.message, /spans lines/);
      return true;
    },
  );
});

test('remaps onto Oracle-maintained accounts or system tablespaces are refused', () => {
  for (const target of ['SYS', 'SYSTEM', 'SYSBACKUP', 'XS$NULL', 'OLAPSYS', 'APEX_230100']) {
    const text = `${BASE}REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\nREMAP_SCHEMA=OTHER:${target}\n`;
    assert.deepEqual(reasons(text), ['ParfileSystemTarget'], target);
    assert.throws(() => plan(text), /an account Oracle maintains/);
  }
  for (const target of ['SYSTEM', 'SYSAUX', 'UNDOTBS2', 'TEMP']) {
    const text = `${BASE}REMAP_TABLESPACE=USERS:${target}\n`;
    assert.deepEqual(reasons(text), ['ParfileSystemTarget'], target);
  }
  assert.deepEqual(reasons(`${BASE}SCHEMAS=SYS\n`), ['ParfileSystemTarget']);
});

test('the parameters import refuses are refused by the same rule (fetch uses it too)', () => {
  assert.deepEqual(reasons(`${BASE}NETWORK_LINK=src\nSQLFILE=x.sql\nUSERID=a/b\n`), [
    'ParfileForbiddenParameter',
    'ParfileForbiddenParameter',
    'ParfileForbiddenParameter',
  ]);
  assert.deepEqual(reasons(`${BASE}QUERY=T:"WHERE 1=1"\n`), ['ParfileUnsupportedParameter']);
  assert.throws(
    () => plan(`${BASE}NETWORK_LINK=src\n`),
    (err: Error & { reason?: string }) => {
      assert.equal(err.reason, 'ParfileInvalid');
      return true;
    },
  );
  assert.deepEqual(reasons(`${BASE}REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\nEXCLUDE=STATISTICS\n`), []);
});

test('a name with # is quoted in the generated parfile, so impdp reads EXL#2, not EXL', () => {
  const p = plan(
    `${BASE}REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\nREMAP_TABLESPACE=USERS:USERS\n`,
    config('EXL#2', 'USERS#2'),
  );
  const lines = planAsParfileLines(p);
  assert.ok(lines.includes('REMAP_SCHEMA=EXL_ADMIN:"EXL#2"'), lines.join('\n'));
  const back = remaps(parseParfile(lines.join('\n')));
  assert.deepEqual(back.schemas, [{ from: 'EXL_ADMIN', to: 'EXL#2' }]);
  assert.deepEqual(back.tablespaces, [{ from: 'USERS', to: 'USERS#2' }]);
});

test('a name clause or name that cannot be written safely is refused, not mangled', () => {
  const p = plan(`${BASE}REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\n`);
  assert.throws(
    () => planAsParfileLines({ ...p, schema: 'X', remapSchemas: [{ from: 'EXL_ADMIN', to: 'A"B' }] }),
    /double quote/,
  );
  assert.throws(() => planAsParfileLines({ ...p, dumpfiles: ['a#b.dmp'] }), /impdp would read differently/);
  assert.throws(
    () =>
      planAsParfileLines({
        ...p,
        filters: [{ kind: 'exclude', objectType: 'TABLE', nameClause: "IN ('A')\nSQLFILE=x" }],
      }),
    /control character/,
  );
});

test('USERID: a descriptor is quoted, a quote is refused, $(...) stays literal', () => {
  assert.equal(useridLine('ADMIN', 'db:1521/PDB1'), 'USERID=ADMIN@db:1521/PDB1');
  assert.equal(
    useridLine('ADMIN', '(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521)))'),
    'USERID="ADMIN@(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521)))"',
  );
  assert.equal(useridLine('ADMIN', 'db/$(touch /tmp/pwned)'), 'USERID="ADMIN@db/$(touch /tmp/pwned)"');
  const parsed = parseParfile(useridLine('ADMIN', 'db/x#y'));
  assert.deepEqual(parsed.parameters[0]?.values, ['ADMIN@db/x#y'], '# inside the quoted value is kept');
  assert.throws(() => useridLine('ADMIN', 'db"/x'), /quote or a control character/);
  assert.throws(() => useridLine('ADMIN', "db'x"), /quote or a control character/);
  assert.throws(() => useridLine('ADMIN', 'db\nSQLFILE=x'), /quote or a control character/);
});

test('import --dry-run reports Planned/ImportPlanned, never Succeeded/ImportCompleted', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dry-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const c = testStepConfig(dir, {
    institutions: [
      { institutionId: '3978', schema: 'EXL_ADMIN', tablespace: 'USERS', bibRecords: 1, tablespaceBytes: 1 },
    ],
  });
  const layout = institutionLayout(c, c.institutions[0]!);
  await mkdir(layout.scriptsDir, { recursive: true });
  await writeFile(layout.parfilePath, `${BASE}REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\n`);
  for (const d of DUMPS) await writeFile(path.join(layout.localDir, d), 'x');
  const engine: ImportEngine = {
    name: 'datapump-api',
    run: () => Promise.reject(new Error('a dry run must not run the engine')),
  } as unknown as ImportEngine;
  const run = await runImport({
    config: c,
    engine,
    logger: createLogger({}, new Writable({ write: (_c, _e, cb) => cb() })),
    dryRun: true,
  });
  assert.equal(run.result.outcome, 'Planned');
  assert.equal(run.result.reason, 'ImportPlanned');
  assert.match(run.result.message, /nothing was imported/);
  assert.equal(run.exitCode, 0);
});
