// Opt-in: a small export/import round trip against a real Oracle 19c PDB, through the same
// DataPumpSession and datapump-api engine the import step uses. Runs only when
// ORACLE_TEST_CONNECT is set; otherwise it reports an explicit skip.
//
//   ORACLE_TEST_CONNECT          Easy Connect string of a PDB service, e.g. localhost:1521/ORCLPDB1
//   ORACLE_TEST_CREDENTIALS_DIR  folder with files username, password: an admin (not SYSDBA) with
//                                CREATE USER, DROP USER, CREATE ANY DIRECTORY, DATAPUMP_EXP/IMP_FULL_DATABASE
//   ORACLE_TEST_DIRECTORY_PATH   a folder on the database server that Oracle can write (e.g. /opt/oracle/admin)
// It creates ALMA_RT_SRC / ALMA_RT_DST users, directory object ALMART_1, and drops them after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testStepConfig } from '../support/dictionary-double.js';
import {
  openConnection,
  readDatabaseCredentials,
  type OracleConnection,
} from '../../src/oracle/connection.js';
import { OracleDataPumpSession } from '../../src/oracle/datapump-session.js';
import { DataPumpApiEngine } from '../../src/oracle/datapump-api.js';
import { parseParfile } from '../../src/oracle/parfile.js';
import { buildImportPlan } from '../../src/steps/import/plan.js';
import { judgeLog, parseDataPumpLog } from '../../src/oracle/datapump-log.js';
import { ORACLE_TEST_CONNECT, SKIP_WITHOUT_ORACLE, need } from '../support/real-oracle.js';

const CONNECT = ORACLE_TEST_CONNECT;
const SKIP = SKIP_WITHOUT_ORACLE;

test(
  'real Oracle: export a small schema, import it remapped with the datapump-api engine',
  { skip: SKIP },
  async () => {
    const credentialsDir = need('ORACLE_TEST_CREDENTIALS_DIR');
    const dirPath = need('ORACLE_TEST_DIRECTORY_PATH');
    const config = testStepConfig('/nonexistent', {
      restore: { namespace: 'test', name: 'rt' },
      institutions: [
        { institutionId: '1', schema: 'ALMA_RT_DST', tablespace: 'USERS', bibRecords: 1, tablespaceBytes: 1 },
      ],
      database: { connectString: CONNECT!, credentialsDir, directoryName: 'ALMART', directoryPath: dirPath },
      import: { parallelism: 1, tableExistsAction: 'REPLACE' },
    });
    const credentials = await readDatabaseCredentials(credentialsDir);
    const admin: OracleConnection = await openConnection(config, { credentials });
    const quiet = async (sql: string): Promise<void> => {
      await admin.execute(sql).catch(() => undefined);
    };
    try {
      await quiet('DROP USER ALMA_RT_SRC CASCADE');
      await quiet('DROP USER ALMA_RT_DST CASCADE');
      await admin.execute(`CREATE DIRECTORY ALMART_1 AS '${dirPath.replace(/'/g, "''")}'`).catch(async () => {
        await admin.execute(`CREATE OR REPLACE DIRECTORY ALMART_1 AS '${dirPath.replace(/'/g, "''")}'`);
      });
      const pw = `Rt${Date.now()}x`;
      await admin.execute(
        `CREATE USER ALMA_RT_SRC IDENTIFIED BY "${pw}" QUOTA UNLIMITED ON USERS DEFAULT TABLESPACE USERS`,
      );
      await admin.execute(
        'CREATE TABLE ALMA_RT_SRC.ORGANIZATION_UNIT (ID NUMBER PRIMARY KEY, NAME VARCHAR2(100))',
      );
      await admin.execute(
        "INSERT INTO ALMA_RT_SRC.ORGANIZATION_UNIT SELECT LEVEL, 'org ' || LEVEL FROM dual CONNECT BY LEVEL <= 1000",
      );
      await admin.commit();

      // Export with DBMS_DATAPUMP (the test's own block; the import uses the project's SQL).
      await admin.execute(`
      DECLARE h NUMBER; st VARCHAR2(30);
      BEGIN
        h := DBMS_DATAPUMP.OPEN('EXPORT', 'SCHEMA', NULL, 'ALMA_RT_EXPORT');
        DBMS_DATAPUMP.ADD_FILE(h, 'alma_rt_%U.dmp', 'ALMART_1', reusefile => 1);
        DBMS_DATAPUMP.ADD_FILE(h, 'alma_rt_export.log', 'ALMART_1', filetype => DBMS_DATAPUMP.KU$_FILE_TYPE_LOG_FILE, reusefile => 1);
        DBMS_DATAPUMP.METADATA_FILTER(h, 'SCHEMA_EXPR', 'IN (''ALMA_RT_SRC'')');
        DBMS_DATAPUMP.START_JOB(h);
        DBMS_DATAPUMP.WAIT_FOR_JOB(h, st);
      END;`);

      const parfile = parseParfile(
        'DUMPFILE=alma_rt_%U.dmp\nLOGFILE=alma_rt_import.log\nREMAP_SCHEMA=ALMA_RT_SRC:ALMA_RT_SRC\n',
      );
      const plan = buildImportPlan({
        parfile,
        config,
        institution: config.institutions[0]!,
        availableFiles: ['alma_rt_01.dmp'],
      });
      const engine = new DataPumpApiEngine(
        async () => new OracleDataPumpSession(await openConnection(config, { credentials })),
      );
      const statuses: number[] = [];
      const run = await engine.run(plan, {
        fresh: true,
        intervalMs: 1000,
        onStatus: (s) => statuses.push(s.percentDone),
      });
      assert.equal(run.finalState, 'COMPLETED');
      const verdict = judgeLog(parseDataPumpLog(run.collectedLog.join('\n')), { schemas: ['ALMA_RT_DST'] });
      assert.notEqual(verdict.outcome, 'Failed', verdict.message);
      const { rows } = await admin.execute<{ N: number }>(
        'SELECT COUNT(*) AS N FROM ALMA_RT_DST.ORGANIZATION_UNIT',
      );
      assert.equal(Number(rows[0]!.N), 1000);
      assert.ok(statuses.length >= 1);
    } finally {
      await quiet('DROP USER ALMA_RT_SRC CASCADE');
      await quiet('DROP USER ALMA_RT_DST CASCADE');
      await quiet('DROP DIRECTORY ALMART_1');
      await admin.close();
    }
  },
);
