import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/logging.js';
import { countSql } from '../../src/oracle/sql/inventory.js';
import type { StepConfig } from '../../src/contract/step-config.js';
import { encodeTerminationMessage, TERMINATION_MESSAGE_LIMIT } from '../../src/contract/result.js';
import { takeInventory, inventoryFigures } from '../../src/steps/verify/inventory.js';
import { runVerify } from '../../src/steps/verify/run.js';
import { figuresOf, type CompactInventory } from '../../src/contract/summaries.js';
import {
  AlmaSchemaDouble,
  expectedFigures,
  fillAlmaSchema,
  SMALL_INSTITUTION,
} from '../support/alma-schema-double.js';
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
  dir = await mkdtemp(path.join(tmpdir(), 'inventory-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const declared = expectedFigures(SMALL_INSTITUTION).bibActive!;

function dictionaryFor(schemas: string[]): DictionaryDouble {
  const db = new DictionaryDouble();
  for (const schema of schemas) {
    db.users.set(schema, {
      accountStatus: 'OPEN',
      defaultTablespace: 'USERS',
      temporaryTablespace: 'TEMP',
      password: 'pw',
      roles: new Map(),
      quotas: new Map(),
      failedLogins: 0,
    });
    const s = db.schema(schema);
    for (const name of ['MMS_RECORD', 'HDEMETADATA', 'HFRUSER']) s.tables.push({ name, analyzed: true });
  }
  return db;
}

async function verifyWith(
  inventory: AlmaSchemaDouble,
  name: string,
  overrides: Parameters<typeof testStepConfig>[1] = {},
) {
  const staging = path.join(dir, name);
  await mkdir(path.join(staging, 'reports'), { recursive: true });
  const config: StepConfig = testStepConfig(staging, overrides);
  await writeFile(
    path.join(staging, 'reports', 'import-report.json'),
    JSON.stringify({
      result: { step: 'import', outcome: 'Succeeded', summary: {} },
      report: {
        institutions: config.institutions.map((i) => ({
          institutionId: i.institutionId,
          verdict: { tables: 3 },
        })),
      },
    }),
  );
  return runVerify(config, {
    openPdb: async () => dictionaryFor(config.institutions.map((i) => i.schema)),
    openInventory: async () => inventory,
    logger: quiet(),
    envPath: '/nonexistent',
  });
}

const one = (bibRecords: number, previous?: StepConfig['institutions'][number]['previous']) => ({
  institutions: [
    {
      institutionId: '3978',
      schema: 'EXL_ADMIN',
      tablespace: 'USERS',
      bibRecords,
      tablespaceBytes: 2 ** 30,
      ...(previous ? { previous } : {}),
    },
  ],
});

describe('data inventory', () => {
  it('counts every area of a synthetic Alma schema exactly, per library for the bibliographic area', async () => {
    const db = new AlmaSchemaDouble();
    fillAlmaSchema(db, 'EXL_ADMIN', SMALL_INSTITUTION);
    const inv = await takeInventory(db, 'EXL_ADMIN', 4);
    assert.deepEqual(inventoryFigures(inv), expectedFigures(SMALL_INSTITUTION));
    assert.ok(inv.areas.every((a) => a.exact));
    assert.deepEqual(
      inv.byLibrary.map((l) => [l.libraryId, l.counts.bibActive]),
      [
        ['1001', 600],
        ['1002', 300],
        [null, 100],
      ],
    );
    // One scan per table, each in parallel with the import's degree.
    assert.equal(db.queries.length, 11, 'one query for each of the 11 tables');
    assert.ok(db.queries.every((q) => q.parallel === 4));
    assert.equal(db.queries.filter((q) => q.table === 'MMS_RECORD').length, 1);
  });

  it('reports a table or column the delivery lacks as "not in this delivery", and the step still succeeds', async () => {
    const db = new AlmaSchemaDouble();
    fillAlmaSchema(db, 'EXL_ADMIN', SMALL_INSTITUTION);
    db.drop('EXL_ADMIN', 'LICENSE');
    db.table('EXL_ADMIN', 'USER_FINES_FEES', ['ID', 'USER_ID'], []);
    const out = await verifyWith(db, 'missing', one(declared));
    assert.equal(out.result.outcome, 'Succeeded', out.result.message);
    const areas = out.report.institutions[0]!.inventory!.areas;
    assert.equal(areas.find((a) => a.area === 'licenses')!.absent, 'table LICENSE is not in this delivery');
    assert.equal(
      areas.find((a) => a.area === 'finesFees')!.absent,
      'column USER_FINES_FEES.FINE_FEE_STATUS is not in this delivery',
    );
    const figures = figuresOf(out.result.summary.inventory as CompactInventory, '3978');
    assert.equal(figures.licenses, null);
    assert.equal(figures.bibActive, declared);
  });

  it('warns, saying by how much, when active bib records are outside the tolerance of the declared count', async () => {
    const db = new AlmaSchemaDouble();
    fillAlmaSchema(db, 'EXL_ADMIN', SMALL_INSTITUTION);
    const within = await verifyWith(db, 'within', one(1050));
    assert.equal(within.result.outcome, 'Succeeded', within.result.message);
    const short = await verifyWith(db, 'short', one(1200));
    assert.equal(short.result.outcome, 'SucceededWithWarnings');
    const c = short.report.institutions[0]!.checks.find((x) => x.name === 'bibRecordsDeclared')!;
    assert.equal(c.passed, false);
    assert.equal(c.observed, '1,000 active bibliographic records, 16.7% fewer than the 1,200 declared');
    assert.match(short.result.message, /bibRecordsDeclared/);
    const tight = await verifyWith(db, 'tight', {
      ...one(1050),
      postImport: { inventory: { bibRecordsTolerance: 0.01, dropTolerance: 0.02 } },
    });
    assert.equal(tight.result.outcome, 'SucceededWithWarnings', 'the tolerance is configurable');
  });

  it('warns on a drop against the previous restore, naming the area and both figures; growth is only reported', async () => {
    const db = new AlmaSchemaDouble();
    fillAlmaSchema(db, 'EXL_ADMIN', SMALL_INSTITUTION);
    const figures = expectedFigures(SMALL_INSTITUTION);
    const grew = await verifyWith(
      db,
      'grew',
      one(declared, { restore: 'library/q2', figures: { ...figures, poLines: 50 } }),
    );
    assert.equal(grew.result.outcome, 'Succeeded', grew.result.message);
    const growth = grew.report.institutions[0]!.checks.find((c) => c.name === 'inventoryAgainstPrevious')!;
    assert.equal(growth.observed, 'no drop; grew: PO lines 50 -> 60 (+20.0%)');

    const dropped = await verifyWith(
      db,
      'dropped',
      one(declared, { restore: 'library/q2', figures: { ...figures, users: 400, licenses: 7.1 } }),
    );
    assert.equal(dropped.result.outcome, 'SucceededWithWarnings');
    const c = dropped.report.institutions[0]!.checks.find((x) => x.name === 'inventoryAgainstPrevious')!;
    assert.equal(c.passed, false);
    assert.match(c.observed!, /users \(active\) 400 -> 350 \(-12\.5%\)/);
    assert.doesNotMatch(c.observed!, /licenses/, 'a drop within 2% is not flagged');

    db.drop('EXL_ADMIN', 'LICENSE');
    const vanished = await verifyWith(db, 'vanished', one(declared, { restore: 'library/q2', figures }));
    const v = vanished.report.institutions[0]!.checks.find((x) => x.name === 'inventoryAgainstPrevious')!;
    assert.match(
      v.observed!,
      /licenses \(not deleted\): 7 in library\/q2, now not counted \(table LICENSE is not in this delivery\)/,
    );
  });

  it('keeps the termination message under the kubelet limit for a consortium of eight institutions', async () => {
    const db = new AlmaSchemaDouble();
    const institutions = Array.from({ length: 8 }, (_, i) => ({
      institutionId: String(3978 + i),
      schema: i === 0 ? 'EXL_ADMIN' : `EXL_ADMIN_${i + 1}`,
      tablespace: i === 0 ? 'USERS' : `USERS${i + 1}`,
      bibRecords: 5_000_000,
      tablespaceBytes: 2 ** 30,
    }));
    for (const inst of institutions) fillAlmaSchema(db, inst.schema, SMALL_INSTITUTION);
    const out = await verifyWith(db, 'consortium', { institutions });
    const text = encodeTerminationMessage(out.result);
    assert.ok(Buffer.byteLength(text) <= TERMINATION_MESSAGE_LIMIT);
    const decoded = JSON.parse(text) as { summary: { inventory?: CompactInventory; truncated?: boolean } };
    assert.equal(decoded.summary.truncated, undefined, 'the summary was not dropped');
    assert.equal(decoded.summary.inventory?.institutions.length, 8);
    assert.deepEqual(figuresOf(decoded.summary.inventory!, '3985'), expectedFigures(SMALL_INSTITUTION));
  });

  it('renders one parallel conditional-aggregation scan per table, values as binds', () => {
    const { sql, binds } = countSql({
      schema: 'EXL_ADMIN',
      table: 'MMS_RECORD',
      groupBy: 'LIBRARYID',
      parallel: 4,
      measures: [
        {
          name: 'bibActive',
          where: [
            { column: 'OBJECTTYPE', op: '=', values: ['BIB_MMS'] },
            { column: 'LIFE_CYCLE', op: '=', values: [0] },
          ],
        },
        { name: 'all', where: [] },
      ],
    });
    assert.equal(
      sql,
      'SELECT /*+ PARALLEL(t, 4) */ TO_CHAR(t."LIBRARYID") AS "GRP", COUNT(CASE WHEN "OBJECTTYPE" = :v0 AND "LIFE_CYCLE" = :v1 THEN 1 END) AS "BIBACTIVE", COUNT(*) AS "ALL" FROM "EXL_ADMIN"."MMS_RECORD" t GROUP BY t."LIBRARYID"',
    );
    assert.deepEqual(binds, { v0: 'BIB_MMS', v1: 0 });
    assert.throws(
      () => countSql({ schema: 'EXL"ADMIN', table: 'X', parallel: 1, measures: [{ name: 'n', where: [] }] }),
      /not a plain Oracle identifier/,
    );
  });
});
