// Opt-in: the verify step's data inventory against a real Oracle 19c PDB. Creates the small
// synthetic Alma schema of test/support/alma-schema-double.ts as real tables in a new user
// ALMA_I_<hex>, counts it through OracleInventory (SQL in src/oracle/sql/inventory.ts) and checks
// the same figures the double gives, then drops the user. Runs only when ORACLE_TEST_CONNECT is
// set (see oracle-real-prepare-verify.test.ts for the variables); otherwise it reports a skip.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openConnection, type OracleConnection } from '../../src/oracle/connection.js';
import { OracleInventory } from '../../src/oracle/inventory-oracledb.js';
import { inventoryFigures, takeInventory } from '../../src/steps/verify/inventory.js';
import {
  AlmaSchemaDouble,
  SMALL_INSTITUTION,
  expectedFigures,
  fillAlmaSchema,
} from '../support/alma-schema-double.js';
import { testStepConfig } from '../support/dictionary-double.js';
import { ORACLE_TEST_CONNECT, SKIP_WITHOUT_ORACLE, need } from '../support/real-oracle.js';

test(
  'the data inventory counts a synthetic Alma schema on a real 19c as the double does',
  { skip: SKIP_WITHOUT_ORACLE },
  async (t) => {
    const schema = `ALMA_I_${randomBytes(4).toString('hex').toUpperCase()}`;
    const config = testStepConfig('/tmp', {
      database: { connectString: ORACLE_TEST_CONNECT!, credentialsDir: need('ORACLE_TEST_CREDENTIALS_DIR') },
    });
    const conn: OracleConnection = await openConnection(config, {
      module: 'alma-restore real-oracle inventory',
    });
    t.after(async () => {
      await conn.execute(`DROP USER ${schema} CASCADE`).catch(() => undefined);
      await conn.close();
    });
    await conn.execute(
      `CREATE USER ${schema} IDENTIFIED BY "x${randomBytes(8).toString('hex')}" QUOTA UNLIMITED ON USERS DEFAULT TABLESPACE USERS`,
    );

    const model = new AlmaSchemaDouble();
    fillAlmaSchema(model, schema, SMALL_INSTITUTION);
    for (const [table, { columns, rows }] of model.schemas.get(schema)!) {
      const numeric = (c: string) => rows.some((r) => typeof r[c] === 'number');
      const defs = columns.map((c) => `"${c}" ${numeric(c) ? 'NUMBER' : 'VARCHAR2(64)'}`);
      await conn.execute(`CREATE TABLE ${schema}."${table}" (${defs.join(', ')})`);
      const insert = `INSERT INTO ${schema}."${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `:c${i}`).join(', ')})`;
      for (const row of rows)
        await conn.execute(insert, Object.fromEntries(columns.map((c, i) => [`c${i}`, row[c] ?? null])));
    }
    await conn.commit();

    const inventory = await takeInventory(new OracleInventory(conn), schema, 2);
    assert.deepEqual(inventoryFigures(inventory), expectedFigures(SMALL_INSTITUTION));
    assert.deepEqual(
      inventory.byLibrary.map((l) => [l.libraryId, l.counts.bibActive]),
      [
        ['1001', 600],
        ['1002', 300],
        [null, 100],
      ],
    );
    // A table the delivery lacks is "not in this delivery" on the real dictionary too.
    await conn.execute(`DROP TABLE ${schema}."LICENSE" PURGE`);
    const without = await takeInventory(new OracleInventory(conn), schema, 2);
    assert.equal(
      without.areas.find((a) => a.area === 'licenses')?.absent,
      'table LICENSE is not in this delivery',
    );
  },
);
