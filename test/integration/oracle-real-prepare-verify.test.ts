// Opt-in: prepare, the tablespace guard and verify against a real Oracle 19c PDB, through the same
// OracleDictionary (src/oracle/dictionary-oracledb.ts, SQL in src/oracle/sql/dictionary.ts) the
// prepare/verify Jobs and the controller use. Runs only when ORACLE_TEST_CONNECT is set;
// otherwise it reports an explicit skip.
//
//   ORACLE_TEST_CONNECT          Easy Connect string of a PDB service, e.g. localhost:1521/ORCLPDB1
//   ORACLE_TEST_CREDENTIALS_DIR  folder with files username, password: an admin (not SYSDBA) that can
//                                create/drop users and tablespaces, grant the DBA role and create
//                                directories: SYSTEM connected to the PDB does
//   ORACLE_TEST_DIRECTORY_PATH   a folder on the database server (only named by the directory object)
// Every name is new per run: user and tablespace ALMA_T_<hex>, directory object ALMA_T_<hex>_1.
// prepare creates the tablespace with one 1 GiB datafile (AUTOEXTEND ... MAXSIZE UNLIMITED) next
// to the PDB's datafiles. The after hook drops all three, also when a step failed.
//
// Three more tests (issue 12): usage metrics on a nearly full disk (needs
// ORACLE_TEST_SMALL_FS_PATH, a folder on the database server on a small filesystem, e.g. a 1 GiB
// loop mount or tmpfs writable by the oracle user; skipped saying so without it), a multi-file
// CREATE SMALLFILE TABLESPACE, and the reserved words and DBMS_* signatures of
// test/support/oracle-reference.ts against V$RESERVED_WORDS and ALL_ARGUMENTS.
//
// The suite never changes CDB-wide redo logs. When the database has fewer than 5 groups of
// 512 MiB (the official image has 3 of 200 MiB), it checks prepare's real refusal first and then
// runs prepare with redoLogs() reporting the vendor's minimum (a diagnostic line says so).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { TablespaceGuard } from '../../src/controller/tablespace-guard.js';
import { errorMessage } from '../../src/errors.js';
import { createLogger } from '../../src/logging.js';
import {
  openConnection,
  oracleErrorCode,
  readDatabaseCredentials,
  type DatabaseCredentials,
  type OracleConnection,
} from '../../src/oracle/connection.js';
import type { DictionarySession, RedoLogGroup } from '../../src/oracle/dictionary.js';
import { openDictionary } from '../../src/oracle/dictionary-oracledb.js';
import {
  NEW_DATAFILE_SIZE,
  dbFilesInUse,
  nextDatafilePaths,
  storageLimit,
} from '../../src/oracle/dictionary-sizing.js';
import { createTablespaceSql, ident } from '../../src/oracle/sql/dictionary.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { institutionLayout } from '../../src/contract/step-config.js';
import { REDO_MIN_BYTES, REDO_MIN_GROUPS, VENDOR_ROLES } from '../../src/steps/prepare/plan.js';
import { runPrepare } from '../../src/steps/prepare/run.js';
import { runVerify } from '../../src/steps/verify/run.js';
import { testStepConfig } from '../support/dictionary-double.js';
import { PACKAGE_SIGNATURES, SQL_RESERVED_WORDS } from '../support/oracle-reference.js';
import { allStatements, bindNames } from '../support/oracle-statements.js';
import { ORACLE_TEST_CONNECT, SKIP_WITHOUT_ORACLE, need } from '../support/real-oracle.js';

const CONNECT = ORACLE_TEST_CONNECT;
const SKIP = SKIP_WITHOUT_ORACLE;

const MODULE = 'alma-restore real-oracle test';

/** The steps log every check; the test reads their results instead. */
const quietLogger = () =>
  createLogger(
    { test: 'oracle-real-prepare-verify' },
    new Writable({
      write(_chunk, _enc, cb) {
        cb();
      },
    }),
  );

/**
 * TEST ONLY: the real session, except that redoLogs() reports the vendor's minimum (5 x 512 MiB).
 * Used only when the database's own groups fall short, after prepare's real refusal was checked:
 * adding CDB-wide redo groups is not something a throwaway test may do.
 */
function withVendorRedo(session: DictionarySession): DictionarySession {
  const groups: RedoLogGroup[] = Array.from({ length: REDO_MIN_GROUPS }, (_, i) => ({
    group: i + 1,
    thread: 1,
    bytes: REDO_MIN_BYTES,
    status: i === 0 ? 'CURRENT' : 'INACTIVE',
    members: [`/stand-in/redo0${i + 1}.log`],
  }));
  return new Proxy(session, {
    get(target, prop) {
      if (prop === 'redoLogs') return async () => groups;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test(
  'real Oracle: prepare twice, tablespace guard, verify a schema with problems',
  { skip: SKIP },
  async (t: TestContext) => {
    const credentialsDir = need('ORACLE_TEST_CREDENTIALS_DIR');
    const dirPath = need('ORACLE_TEST_DIRECTORY_PATH');
    const suffix = randomBytes(4).toString('hex').toUpperCase();
    const NAME = `ALMA_T_${suffix}`; // the schema user and the tablespace (separate namespaces)
    const schemaPassword = `Pw${randomBytes(9).toString('hex')}x`;
    const stagingDir = await mkdtemp(path.join(tmpdir(), 'alma-real-oracle-'));
    const config = testStepConfig(stagingDir, {
      restore: { namespace: 'alma-restore-test', name: `t-${suffix.toLowerCase()}` },
      institutions: [
        {
          institutionId: '1',
          schema: NAME,
          tablespace: NAME,
          bibRecords: 1,
          tablespaceBytes: NEW_DATAFILE_SIZE,
        },
      ],
      database: {
        connectString: CONNECT!,
        credentialsDir,
        schemaPasswordFile: '/nonexistent/schema-password', // readSecret below answers instead
        directoryName: NAME,
        directoryPath: dirPath,
        managed: false, // an existing database: prepare must not touch redo logs
        allowRedoLogChanges: false,
        replaceExistingSchema: false,
      },
      import: { parallelism: 1 },
      postImport: { runVendorScript: false },
    });
    const inst = config.institutions[0]!;
    const layout = institutionLayout(config, inst);
    const DIRECTORY = layout.directoryObject; // ALMA_T_<hex>_1

    let credentials: DatabaseCredentials | undefined;
    let schemaConn: OracleConnection | undefined;
    let mayHaveCreated = false; // set before the first prepare run
    const admin = () => openDictionary(config, { module: MODULE, credentials: credentials! });
    t.diagnostic(`throwaway names: user and tablespace ${NAME}, directory object ${DIRECTORY}`);

    t.after(async () => {
      await schemaConn?.close().catch(() => undefined);
      await rm(stagingDir, { recursive: true, force: true });
      if (!credentials || !mayHaveCreated) return; // nothing was created
      const problems: string[] = [];
      const drop = async (what: string, absentCode: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          if (oracleErrorCode(err) !== absentCode) problems.push(`${what}: ${errorMessage(err)}`);
        }
      };
      const dict = await admin();
      const conn = await openConnection(config, { credentials, module: MODULE });
      try {
        await drop(`user ${NAME}`, 'ORA-01918', () => dict.dropUserCascade(NAME));
        // TEST TEARDOWN SQL: the project never drops tablespaces or directory objects.
        await drop(`tablespace ${NAME}`, 'ORA-00959', () =>
          conn.execute(`DROP TABLESPACE ${ident(NAME)} INCLUDING CONTENTS AND DATAFILES`),
        );
        await drop(`directory ${DIRECTORY}`, 'ORA-04043', () =>
          conn.execute(`DROP DIRECTORY ${ident(DIRECTORY)}`),
        );
      } finally {
        await conn.close();
        await dict.close();
      }
      if (problems.length > 0) {
        throw new Error(`cleanup could not drop everything; drop by hand: ${problems.join('; ')}`);
      }
    });

    // Steps run in order; after a failure the rest are reported as skipped, not as extra failures.
    let failedStep: string | undefined;
    const step = async (name: string, fn: (st: TestContext) => Promise<void>) => {
      await t.test(name, async (st) => {
        if (failedStep) {
          st.skip(`not run: "${failedStep}" failed`);
          return;
        }
        try {
          await fn(st);
        } catch (err) {
          failedStep = name;
          throw err;
        }
      });
    };

    let redoReady = true;
    let openPdb = admin;
    const prepare = () => {
      mayHaveCreated = true;
      return runPrepare(config, {
        openPdb: () => openPdb(),
        readSecret: async () => schemaPassword,
        logger: quietLogger(),
      });
    };

    await step('the database is a 19c Enterprise PDB in AL32UTF8', async (st) => {
      credentials = await readDatabaseCredentials(credentialsDir);
      const dict = await admin();
      try {
        const info = await dict.databaseInfo();
        st.diagnostic(`${info.banner} (${info.version}), container ${info.containerName}`);
        assert.equal(info.major, 19, `this suite needs Oracle 19c, found ${info.version}`);
        assert.equal(info.edition, 'Enterprise', `this suite needs Enterprise Edition: ${info.banner}`);
        assert.equal(info.isPdb, true, `connect to a PDB service, not ${info.containerName}`);
        assert.equal(info.characterSet, 'AL32UTF8');
        const redo = await dict.redoLogs();
        redoReady = redo.filter((g) => g.bytes >= REDO_MIN_BYTES).length >= REDO_MIN_GROUPS;
        assert.equal(await dict.tablespace(NAME), undefined);
        assert.equal(await dict.user(NAME), undefined);
      } finally {
        await dict.close();
      }
    });

    if (!redoReady) {
      await step(
        'prepare refuses small redo logs on an existing database and changes nothing',
        async (st) => {
          const { result, report } = await prepare();
          assert.equal(result.outcome, 'Failed');
          assert.equal(result.reason, 'RedoLogsTooSmall', result.message);
          assert.deepEqual(report.actionsTaken, []);
          const dict = await admin();
          try {
            assert.equal(await dict.tablespace(NAME), undefined);
            assert.equal(await dict.user(NAME), undefined);
            assert.equal(await dict.directory(DIRECTORY), undefined);
          } finally {
            await dict.close();
          }
          openPdb = async () => withVendorRedo(await admin());
          st.diagnostic(
            'the redo logs fall short of 5 x 512 MiB: the following prepare runs see 5 x 512 MiB stand-in groups (redo logs are not changed)',
          );
        },
      );
    }

    await step(
      'Oracle-maintained accounts, roles and tablespaces read as the double models them',
      async () => {
        const dict = await admin();
        try {
          // DBA_USERS.ORACLE_MAINTAINED / DBA_ROLES.ORACLE_MAINTAINED / DBA_TABLESPACES.CONTENTS,
          // what prepare's refusals (OracleMaintainedSchema, SchemaIsRole, SystemTablespace) read.
          for (const account of ['SYS', 'SYSTEM', 'SYSBACKUP', 'DIP', 'XS$NULL'])
            assert.equal((await dict.user(account))?.oracleMaintained, true, `${account} ORACLE_MAINTAINED`);
          assert.deepEqual(await dict.role('DBA'), { role: 'DBA', oracleMaintained: true });
          assert.equal(await dict.role(NAME), undefined);
          const info = await dict.databaseInfo();
          assert.equal((await dict.tablespace(info.defaultTemporaryTablespace))?.contents, 'TEMPORARY');
          assert.equal((await dict.tablespace('SYSAUX'))?.contents, 'PERMANENT');
        } finally {
          await dict.close();
        }
      },
    );

    await step('prepare creates the tablespace, user, grants and directory object', async (st) => {
      const { result, report } = await prepare();
      st.diagnostic(result.message);
      assert.equal(result.outcome, 'Succeeded', result.message);
      assert.equal(result.reason, 'DatabasePrepared');
      assert.ok(report.actionsTaken.some((a) => a.startsWith(`CREATE TABLESPACE "${NAME}"`)));
      assert.ok(report.actionsTaken.some((a) => a.startsWith(`CREATE USER "${NAME}"`)));
      assert.ok(!JSON.stringify({ result, report }).includes(schemaPassword), 'the password leaked');

      const dict = await admin();
      try {
        const ts = await dict.tablespace(NAME);
        assert.ok(ts, `tablespace ${NAME} was not created`);
        assert.equal(ts.bigfile, false);
        assert.equal(ts.status, 'ONLINE');
        assert.equal(ts.contents, 'PERMANENT');
        assert.equal(ts.datafiles.length, 1);
        assert.equal(ts.datafiles[0]!.bytes, NEW_DATAFILE_SIZE);
        assert.equal(ts.datafiles[0]!.autoextensible, true);
        assert.match(ts.datafiles[0]!.fileName, new RegExp(`/${NAME.toLowerCase()}01\\.dbf$`));

        const user = await dict.user(NAME);
        assert.ok(user, `user ${NAME} was not created`);
        assert.equal(user.accountStatus, 'OPEN');
        assert.equal(user.defaultTablespace, NAME);
        assert.equal(user.objectCount, 0);
        const roles = new Set(user.roles.map((r) => r.role));
        for (const r of VENDOR_ROLES) assert.ok(roles.has(r), `role ${r} not granted`);
        assert.ok(user.roles.every((r) => r.defaultRole));
        for (const tsName of [NAME, 'SYSTEM']) {
          assert.ok(
            user.quotas.some((q) => q.tablespace === tsName && q.maxBytes === -1),
            `no unlimited quota on ${tsName}`,
          );
        }

        const dir = await dict.directory(DIRECTORY);
        assert.ok(dir, `directory object ${DIRECTORY} was not created`);
        assert.equal(dir.path, layout.databaseDir);
        const privs = dir.grants.filter((g) => g.grantee === NAME).map((g) => g.privilege);
        assert.deepEqual(privs.sort(), ['READ', 'WRITE']);
      } finally {
        await dict.close();
      }
    });

    await step('prepare a second time takes no action', async () => {
      const { result, report } = await prepare();
      assert.equal(result.outcome, 'Succeeded', result.message);
      assert.equal(result.reason, 'AlreadyPrepared', result.message);
      assert.deepEqual(report.actionsTaken, []);
      const failing = report.checks
        .filter((c) => !c.passed)
        .map((c) => `${c.scope}/${c.name}: ${c.observed}`);
      assert.deepEqual(failing, []);
    });

    await step('the tablespace guard sets the gauges and takes no action below the ratio', async () => {
      const metrics = createMetrics(new Registry());
      const guard = new TablespaceGuard({
        restore: config.restore,
        targets: [{ institutionId: inst.institutionId, tablespace: NAME }],
        alertRatio: 0.85,
        autoAddDatafiles: true,
        metrics,
        openDictionary: admin,
      });
      const report = await guard.check();
      const entry = report.tablespaces[0]!;
      assert.equal(entry.error, undefined, entry.error);
      assert.equal(report.alert, false, report.message);
      assert.equal(entry.alert, false);
      assert.deepEqual(entry.actions, []);
      assert.deepEqual(report.actions, []);
      assert.equal(entry.allocatedBytes, NEW_DATAFILE_SIZE);
      assert.ok(
        entry.maxBytes >= entry.allocatedBytes,
        `max ${entry.maxBytes} < allocated ${entry.allocatedBytes}`,
      );
      assert.ok(entry.usedRatio >= 0 && entry.usedRatio < 0.85, `used ratio ${entry.usedRatio}`);

      // The series of this restore and tablespace (labels namespace, restore, institution, tablespace).
      type Series = { value: number; labels: Partial<Record<string, string | number>> };
      const gauge = async (g: { get(): Promise<{ values: Series[] }> }) =>
        (await g.get()).values.find(
          (v) =>
            v.labels.restore === config.restore.name &&
            v.labels.institution === inst.institutionId &&
            v.labels.tablespace === NAME,
        )?.value;
      assert.equal(await gauge(metrics.tablespaceUsedRatio), entry.usedRatio);
      assert.equal(await gauge(metrics.tablespaceAllocatedRatio), entry.allocatedUsedRatio);
      assert.equal(await gauge(metrics.tablespaceUsedBytes), entry.usedBytes);
      assert.equal(await gauge(metrics.tablespaceMaxBytes), entry.maxBytes);
      assert.equal(await gauge(metrics.datafilesAdded), undefined);

      const dict = await admin();
      try {
        assert.equal((await dict.tablespace(NAME))!.datafiles.length, 1);
      } finally {
        await dict.close();
      }
    });

    await step(
      'test setup: a small schema with an invalid object, problem constraints, an unusable index, a VPD policy',
      async () => {
        schemaConn = await openConnection(config, {
          credentials: { username: NAME, password: schemaPassword },
          module: MODULE,
        });
        // TEST SETUP SQL: the objects an import could leave behind (no project code creates these).
        const setup = [
          'CREATE TABLE T_PARENT (ID NUMBER CONSTRAINT T_PARENT_PK PRIMARY KEY, NAME VARCHAR2(50))',
          "INSERT INTO T_PARENT SELECT LEVEL, 'name ' || LEVEL FROM dual CONNECT BY LEVEL <= 100",
          'CREATE TABLE T_CHILD (ID NUMBER, PARENT_ID NUMBER, ' +
            'CONSTRAINT T_CHILD_PARENT_FK FOREIGN KEY (PARENT_ID) REFERENCES T_PARENT (ID) DISABLE)',
          'ALTER TABLE T_PARENT ADD CONSTRAINT T_PARENT_NAME_CK CHECK (NAME IS NOT NULL) ENABLE NOVALIDATE',
          'CREATE INDEX T_PARENT_NAME_IX ON T_PARENT (NAME)',
          'ALTER INDEX T_PARENT_NAME_IX UNUSABLE',
          // Created before its table exists: INVALID until recompiled (Oracle reports "success with
          // compilation error", which node-oracledb gives as a warning, not an error).
          'CREATE PROCEDURE P_FIXABLE AS n NUMBER; BEGIN SELECT COUNT(*) INTO n FROM T_LATER; END;',
          'CREATE TABLE T_LATER (ID NUMBER)',
          // Never compiles: stays INVALID and must be listed.
          'CREATE PROCEDURE P_BROKEN AS n NUMBER; BEGIN SELECT COUNT(*) INTO n FROM T_DOES_NOT_EXIST; END;',
          "CREATE FUNCTION T_POLICY_FN (p_schema IN VARCHAR2, p_object IN VARCHAR2) RETURN VARCHAR2 AS BEGIN RETURN '1=1'; END;",
        ];
        for (const sql of setup) await schemaConn.execute(sql);
        await schemaConn.commit();
        await schemaConn.close();
        schemaConn = undefined;
        // The VPD policy is added by the admin, who must be able to use DBMS_RLS for verify anyway.
        const adminConn = await openConnection(config, { credentials: credentials!, module: MODULE });
        try {
          await adminConn.execute(
            "BEGIN DBMS_RLS.ADD_POLICY(object_schema => :schema, object_name => 'T_PARENT', " +
              "policy_name => 'T_PARENT_VPD', function_schema => :schema, policy_function => 'T_POLICY_FN'); END;",
            { schema: NAME },
          );
        } finally {
          await adminConn.close();
        }

        const dict = await admin();
        try {
          const invalid = (await dict.invalidObjects(NAME)).map((o) => `${o.type} ${o.name}`);
          assert.deepEqual(invalid.sort(), ['PROCEDURE P_BROKEN', 'PROCEDURE P_FIXABLE']);
          assert.deepEqual(await dict.unusableIndexes(NAME), [{ index: 'T_PARENT_NAME_IX' }]);
          assert.deepEqual(
            (await dict.problemConstraints(NAME)).map((c) => `${c.name} ${c.status}/${c.validated}`),
            ['T_CHILD_PARENT_FK DISABLED/NOT VALIDATED', 'T_PARENT_NAME_CK ENABLED/NOT VALIDATED'],
          );
          assert.deepEqual(await dict.policies(NAME), [
            { object: 'T_PARENT', policyGroup: 'SYS_DEFAULT', policy: 'T_PARENT_VPD', enabled: true },
          ]);
          assert.deepEqual(await dict.tableNames(NAME), ['T_CHILD', 'T_LATER', 'T_PARENT']);
        } finally {
          await dict.close();
        }
        // What the import step would have recorded for this institution.
        await mkdir(layout.reportDir, { recursive: true });
        await writeFile(
          path.join(layout.reportDir, 'import-report.json'),
          JSON.stringify({
            report: { institutions: [{ institutionId: inst.institutionId, tablesImported: 3 }] },
          }),
        );
      },
    );

    await step('prepare refuses a schema that now holds data, and changes nothing', async () => {
      const { result, report } = await prepare();
      assert.equal(result.outcome, 'Failed');
      assert.ok(
        report.refusals.some((r) => r.reason === 'SchemaNotEmpty'),
        JSON.stringify(report.refusals),
      );
      assert.deepEqual(report.actionsTaken, []);
    });

    await step('verify finds the problems and fixes what it can', async (st) => {
      const { result, report } = await runVerify(config, { openPdb: admin, logger: quietLogger() });
      st.diagnostic(result.message);
      const checks = new Map(report.institutions[0]!.checks.map((c) => [c.name, c]));
      const c = (name: string) => {
        const found = checks.get(name);
        assert.ok(found, `no ${name} check`);
        return found;
      };

      assert.equal(c('tablesImported').passed, true, c('tablesImported').observed);

      const invalid = c('invalidObjects');
      assert.equal(invalid.passed, false);
      assert.equal(invalid.action, 'DBMS_UTILITY.COMPILE_SCHEMA: 1 of 2 now valid');
      assert.equal(invalid.observed, '1 invalid: PROCEDURE P_BROKEN');

      const constraints = c('constraints');
      assert.equal(constraints.passed, false);
      assert.match(constraints.observed!, /T_CHILD\.T_CHILD_PARENT_FK DISABLED\/NOT VALIDATED/);
      assert.match(constraints.observed!, /T_PARENT\.T_PARENT_NAME_CK ENABLED\/NOT VALIDATED/);

      const indexes = c('unusableIndexes');
      assert.equal(indexes.passed, true, indexes.observed);
      assert.equal(indexes.observed, '1 unusable before, none now');
      assert.equal(indexes.action, 'rebuilt 1 of 1');

      assert.equal(c('partitions').passed, true, c('partitions').observed);

      const vpd = c('vpdPolicies');
      assert.equal(vpd.passed, true, vpd.observed);
      assert.equal(vpd.observed, '1 enabled before, none now');

      const stats = c('statistics');
      assert.equal(stats.passed, true, stats.observed);
      assert.equal(stats.observed, '3 table(s): 0 never analysed, 0 stale');

      assert.equal(c('vendorScript').passed, true);
      assert.equal(result.outcome, 'SucceededWithWarnings', result.message);

      // The database agrees with the report.
      const dict = await admin();
      try {
        assert.deepEqual(await dict.unusableIndexes(NAME), []);
        assert.deepEqual(
          (await dict.invalidObjects(NAME)).map((o) => o.name),
          ['P_BROKEN'],
        );
        assert.ok((await dict.policies(NAME)).every((p) => !p.enabled));
        const s = await dict.statistics(NAME);
        assert.deepEqual(s, { tables: 3, neverAnalyzed: 0, stale: 0 });
      } finally {
        await dict.close();
      }
    });
  },
);

// --- issue 12: the dictionary behaviours the double models, on the real database ----------------

const MiB = 1024 * 1024;

/** An admin connection and dictionary on the PDB, for the tests below; closes both afterwards. */
async function adminOn(t: TestContext) {
  const credentials = await readDatabaseCredentials(need('ORACLE_TEST_CREDENTIALS_DIR'));
  const config = testStepConfig('/nonexistent', {
    database: { connectString: CONNECT!, credentialsDir: need('ORACLE_TEST_CREDENTIALS_DIR') },
  });
  const conn = await openConnection(config, { credentials, module: MODULE });
  const dict = await openDictionary(config, { module: MODULE, credentials });
  t.after(async () => {
    await dict.close().catch(() => undefined);
    await conn.close().catch(() => undefined);
  });
  return { conn, dict, config };
}

/** Drops a throwaway tablespace (and its files) after the test; fails the test if it cannot. */
function dropTablespaceAfter(t: TestContext, conn: OracleConnection, name: string) {
  t.after(async () => {
    try {
      await conn.execute(`DROP TABLESPACE ${ident(name)} INCLUDING CONTENTS AND DATAFILES`);
    } catch (err) {
      if (oracleErrorCode(err) !== 'ORA-00959') throw err;
    }
  });
}

const SMALL_FS = process.env.ORACLE_TEST_SMALL_FS_PATH;

test(
  'real Oracle: TABLESPACE_SIZE on a nearly full disk is below the maxima; the guard grows the volume, adds no datafile',
  {
    skip:
      SKIP ||
      (SMALL_FS
        ? false
        : 'ORACLE_TEST_SMALL_FS_PATH not set (a folder on a small filesystem of the database server)'),
  },
  async (t: TestContext) => {
    const { conn, dict } = await adminOn(t);
    const NAME = `ALMA_T_${randomBytes(4).toString('hex').toUpperCase()}_FS`;
    dropTablespaceAfter(t, conn, NAME);
    await conn.execute(
      createTablespaceSql(
        NAME,
        [
          {
            path: `${SMALL_FS}/${NAME.toLowerCase()}01.dbf`,
            sizeBytes: 64 * MiB,
            nextBytes: 64 * MiB,
            maxBytes: 'unlimited',
          },
        ],
        'SMALLFILE',
      ),
    );
    const ts = (await dict.tablespace(NAME))!;
    let usage = (await dict.tablespaceUsage(NAME))!;
    const storage = storageLimit(usage, ts, await dict.databaseInfo());
    t.diagnostic(
      `maxima ${storage.capacityBytes}, TABLESPACE_SIZE ${usage.reportedSizeBytes}, allocated ${usage.allocatedBytes}`,
    );
    assert.equal(storage.limitedBy, 'disk', 'a 32 GiB maximum on a small filesystem: the disk is the limit');
    assert.ok(usage.reportedSizeBytes >= usage.allocatedBytes);

    // Fill to about 90% of what the disk can hold. USED_SPACE counts allocated extents, so the
    // fill shows at once; if it does not, the alert half below says so instead of passing silently.
    const table = ident(`FILLER_${NAME}`); // in the admin's own schema, dropped with the tablespace
    await conn.execute(`CREATE TABLE ${table} (c CHAR(2000)) TABLESPACE ${ident(NAME)}`);
    const rows = Math.floor((usage.reportedSizeBytes * 0.9) / 2048);
    await conn.execute(`INSERT /*+ APPEND */ INTO ${table} SELECT 'x' FROM dual CONNECT BY LEVEL <= ${rows}`);
    await conn.execute('COMMIT');
    usage = (await dict.tablespaceUsage(NAME))!;
    t.diagnostic(`after the fill: used ${usage.usedBytes} of ${usage.reportedSizeBytes} reported`);

    const filesBefore = (await dict.tablespace(NAME))!.datafiles.length;
    // The guard closes its session after each check: give it the test's, with close() a no-op.
    const direct = new TablespaceGuard({
      restore: { namespace: 'alma-restore-test', name: 'fs' },
      targets: [{ institutionId: '1', tablespace: NAME }],
      metrics: createMetrics(new Registry()),
      openDictionary: async () => keepOpen(dict),
    });
    const report = await direct.check();
    const e = report.tablespaces[0]!;
    t.diagnostic(report.message);
    assert.equal(e.error, undefined);
    if (e.alert) {
      assert.equal(e.limitedBy, 'disk');
      assert.equal(report.volume.limited, true);
      assert.ok(report.volume.bytesNeeded > 0);
    } else {
      t.diagnostic(
        'USAGE_METRICS had not caught up with the fill yet: the alert path was not reached in this run',
      );
    }
    assert.equal((await dict.tablespace(NAME))!.datafiles.length, filesBefore, 'no datafile added');
  },
);

/** The session with close() a no-op (the test closes it). */
function keepOpen(d: DictionarySession): DictionarySession {
  return new Proxy(d, {
    get(target, prop) {
      if (prop === 'close') return async () => undefined;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test(
  'real Oracle: CREATE SMALLFILE TABLESPACE with two files; V$DATAFILE seen from the PDB',
  { skip: SKIP },
  async (t: TestContext) => {
    const { conn, dict } = await adminOn(t);
    const NAME = `ALMA_T_${randomBytes(4).toString('hex').toUpperCase()}_SF`;
    dropTablespaceAfter(t, conn, NAME);
    const info = await dict.databaseInfo();
    t.diagnostic(
      `DEFAULT_TBS_TYPE ${info.defaultTablespaceType}, DB_FILES ${info.dbFilesLimit}, V$DATAFILE rows ${info.datafileCount}, highest FILE# ${info.highestFileNumber}, MAX_PDB_STORAGE ${info.maxPdbStorageBytes ?? 'UNLIMITED'}`,
    );
    assert.ok(info.isPdb, 'ORACLE_TEST_CONNECT must name a PDB service');
    // Absolute file numbers span the CDB: the PDB's highest is above its own count (root + seed first).
    assert.ok(info.highestFileNumber > info.datafileCount, 'FILE# is numbered across the CDB');
    assert.equal(dbFilesInUse(info).exact, false);

    const paths = nextDatafilePaths(NAME, [], await dict.allDatafiles(), 2);
    await dict.createTablespace(
      NAME,
      paths.map((p) => ({ path: p, sizeBytes: 16 * MiB, nextBytes: 16 * MiB, maxBytes: 64 * MiB })),
      'SMALLFILE',
    );
    const ts = (await dict.tablespace(NAME))!;
    assert.equal(ts.bigfile, false);
    assert.equal(ts.datafiles.length, 2);
    const after = await dict.databaseInfo();
    assert.equal(after.datafileCount, info.datafileCount + 2);
  },
);

test(
  'real Oracle: no bind is a reserved word (V$RESERVED_WORDS); DBMS_* signatures match ALL_ARGUMENTS',
  { skip: SKIP },
  async (t: TestContext) => {
    const { conn } = await adminOn(t);
    const reserved = new Set(
      (
        await conn.execute<{ KEYWORD: string }>(
          `SELECT keyword FROM v$reserved_words WHERE reserved = 'Y' OR res_type = 'Y' OR res_attr = 'Y' OR res_semi = 'Y'`,
        )
      ).rows.map((r) => r.KEYWORD),
    );
    const offenders = (await allStatements()).flatMap(([label, sql]) =>
      bindNames(sql)
        .filter((b) => reserved.has(b.toUpperCase()))
        .map((b) => `${label}: :${b}`),
    );
    assert.deepEqual(offenders, []);
    const notReservedHere = SQL_RESERVED_WORDS.filter((w) => !reserved.has(w));
    if (notReservedHere.length)
      t.diagnostic(`in our list but not reserved by this database: ${notReservedHere.join(' ')}`);

    for (const [name, sig] of Object.entries(PACKAGE_SIGNATURES)) {
      const [pkg, proc] = name.split('.');
      const rows = (
        await conn.execute<{ ARGUMENT_NAME: string }>(
          `SELECT DISTINCT argument_name FROM all_arguments
            WHERE owner = 'SYS' AND package_name = :pkg AND object_name = :proc
              AND data_level = 0 AND argument_name IS NOT NULL`,
          { pkg: pkg!, proc: proc! },
        )
      ).rows.map((r) => r.ARGUMENT_NAME.toLowerCase());
      assert.deepEqual([...new Set(rows)].sort(), [...sig.params].sort(), `${name} (${sig.source})`);
    }
  },
);
