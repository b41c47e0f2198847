// Helpers for the opt-in real-19c Data Pump suite and the fixture recorder: a source schema with
// a table of N rows exported into a dump file, a plan importing it remapped, the server-side log
// read back through UTL_FILE (no shared folder needed), and a wait that names what it waited for.
// Every object it creates is prefixed (ALMA_<PREFIX>_...) and dropped by cleanup().
import { testStepConfig } from './dictionary-double.js';
import type { StepConfig } from '../../src/contract/step-config.js';
import type { OracleConnection } from '../../src/oracle/connection.js';
import { openConnection, readDatabaseCredentials } from '../../src/oracle/connection.js';
import { OracleDataPumpSession } from '../../src/oracle/datapump-session.js';
import { parseParfile } from '../../src/oracle/parfile.js';
import type { ImportPlan } from '../../src/oracle/import-plan.js';
import { buildImportPlan } from '../../src/steps/import/plan.js';
import { need } from './real-oracle.js';

export interface RealDataPump {
  config: StepConfig;
  admin: OracleConnection;
  session: () => Promise<OracleDataPumpSession>;
  /** Directory object (server side) holding the dump and the logs. */
  directory: string;
  src: string;
  dst: string;
  plan: (over?: {
    jobName?: string;
    logfile?: string;
    tableExistsAction?: StepConfig['import']['tableExistsAction'];
  }) => ImportPlan;
  readServerFile: (file: string) => Promise<string>;
  cleanup: () => Promise<void>;
}

export async function realDataPump(prefix: string, rows: number): Promise<RealDataPump> {
  const credentialsDir = need('ORACLE_TEST_CREDENTIALS_DIR');
  const dirPath = need('ORACLE_TEST_DIRECTORY_PATH');
  const connect = need('ORACLE_TEST_CONNECT');
  const src = `ALMA_${prefix}_SRC`;
  const dst = `ALMA_${prefix}_DST`;
  const directoryName = `ALMA${prefix}`;
  const directory = `${directoryName}_1`;
  const config = testStepConfig('/nonexistent', {
    restore: { namespace: 'test', name: prefix.toLowerCase() },
    institutions: [
      { institutionId: '1', schema: dst, tablespace: 'USERS', bibRecords: 1, tablespaceBytes: 1 },
    ],
    database: { connectString: connect, credentialsDir, directoryName, directoryPath: dirPath },
    import: { parallelism: 1, tableExistsAction: 'REPLACE' },
  });
  const credentials = await readDatabaseCredentials(credentialsDir);
  const admin = await openConnection(config, { credentials });
  const quiet = async (sql: string): Promise<void> => {
    await admin.execute(sql).catch(() => undefined);
  };
  const cleanup = async (): Promise<void> => {
    for (const job of [`${prefix}_EXPORT`]) {
      await quiet(`BEGIN DBMS_DATAPUMP.STOP_JOB(DBMS_DATAPUMP.ATTACH('${job}'), 1, 0); END;`);
    }
    await quiet(`DROP USER ${src} CASCADE`);
    await quiet(`DROP USER ${dst} CASCADE`);
    await quiet(`DROP DIRECTORY ${directory}`);
  };
  await cleanup();
  await admin.execute(`CREATE OR REPLACE DIRECTORY ${directory} AS '${dirPath.replace(/'/g, "''")}'`);
  const pw = `Fx${Date.now()}x`;
  await admin.execute(
    `CREATE USER ${src} IDENTIFIED BY "${pw}" QUOTA UNLIMITED ON USERS DEFAULT TABLESPACE USERS`,
  );
  await admin.execute(`CREATE TABLE ${src}.ORGANIZATION_UNIT (ID NUMBER PRIMARY KEY, NAME VARCHAR2(100))`);
  await admin.execute(
    `INSERT INTO ${src}.ORGANIZATION_UNIT SELECT LEVEL, RPAD('org ' || LEVEL, 90, '.') FROM dual CONNECT BY LEVEL <= :n`,
    { n: rows },
  );
  await admin.commit();
  // Export with the package itself (the import under test uses the project's SQL).
  await admin.execute(
    `DECLARE h NUMBER; st VARCHAR2(30);
     BEGIN
       h := DBMS_DATAPUMP.OPEN('EXPORT', 'SCHEMA', NULL, :job);
       DBMS_DATAPUMP.ADD_FILE(h, :dump, :dir, reusefile => 1);
       DBMS_DATAPUMP.ADD_FILE(h, :log, :dir, filetype => DBMS_DATAPUMP.KU$_FILE_TYPE_LOG_FILE, reusefile => 1);
       DBMS_DATAPUMP.METADATA_FILTER(h, 'SCHEMA_EXPR', 'IN (''' || :src || ''')');
       DBMS_DATAPUMP.START_JOB(h);
       DBMS_DATAPUMP.WAIT_FOR_JOB(h, st);
     END;`,
    {
      job: `${prefix}_EXPORT`,
      dump: `${prefix.toLowerCase()}_%U.dmp`,
      log: `${prefix.toLowerCase()}_export.log`,
      dir: directory,
      src,
    },
  );
  const plan: RealDataPump['plan'] = (over = {}) => {
    const parfile = parseParfile(
      `DUMPFILE=${prefix.toLowerCase()}_%U.dmp\nLOGFILE=${over.logfile ?? `${prefix.toLowerCase()}_import.log`}\nREMAP_SCHEMA=${src}:${dst}\n`,
    );
    const c = {
      ...config,
      import: {
        ...config.import,
        ...(over.tableExistsAction ? { tableExistsAction: over.tableExistsAction } : {}),
      },
    };
    const p = buildImportPlan({
      parfile,
      config: c,
      institution: c.institutions[0]!,
      availableFiles: [`${prefix.toLowerCase()}_01.dmp`],
    });
    return over.jobName ? { ...p, jobName: over.jobName } : p;
  };
  return {
    config,
    admin,
    session: async () => new OracleDataPumpSession(await openConnection(config, { credentials })),
    directory,
    src,
    dst,
    plan,
    readServerFile: (file) => readServerFile(admin, directory, file),
    cleanup: async () => {
      await cleanup();
      await admin.close();
    },
  };
}

/** A text file in a directory object, read by the database (UTL_FILE). */
export async function readServerFile(
  admin: OracleConnection,
  directory: string,
  file: string,
): Promise<string> {
  const r = await admin.execute(
    `DECLARE f UTL_FILE.FILE_TYPE; line VARCHAR2(32767); acc CLOB;
     BEGIN
       f := UTL_FILE.FOPEN(:dir, :file, 'r', 32767);
       LOOP
         BEGIN UTL_FILE.GET_LINE(f, line); EXCEPTION WHEN NO_DATA_FOUND THEN EXIT; END;
         acc := acc || line || CHR(10);
       END LOOP;
       UTL_FILE.FCLOSE(f);
       :text := acc;
     END;`,
    { dir: directory, file, text: { out: 'clob' } },
  );
  return String(r.outBinds.text ?? '');
}

/** Polls `probe` until it returns a value; fails naming what it waited for and what it saw last. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<{ done: T } | { seen: string }>,
  seconds = 600,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last = 'nothing yet';
  while (Date.now() < deadline) {
    const r = await probe();
    if ('done' in r) return r.done;
    last = r.seen;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a real database: poll its view
  }
  throw new Error(`waited ${seconds} s for ${what}; last seen: ${last}`);
}
