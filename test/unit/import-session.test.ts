// OracleDataPumpSession: every DataPumpSession method runs its statement from sql/datapump.ts
// with exactly the bind names that statement declares, and maps OUT binds / rows back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BindValue, ExecuteResult, OracleConnection, OutValue } from '../../src/oracle/connection.js';
import { OracleDataPumpSession } from '../../src/oracle/datapump-session.js';
import * as SQL from '../../src/oracle/sql/datapump.js';

interface Executed {
  sql: string;
  binds: Record<string, BindValue>;
}

class RecordingConnection implements OracleConnection {
  executed: Executed[] = [];
  closed = false;
  constructor(
    private readonly reply: (sql: string) => {
      rows?: unknown[];
      outBinds?: Record<string, OutValue>;
    } = () => ({}),
  ) {}
  async execute<Row>(sql: string, binds: Record<string, BindValue> = {}): Promise<ExecuteResult<Row>> {
    this.executed.push({ sql, binds });
    const r = this.reply(sql);
    return { rows: (r.rows ?? []) as Row[], outBinds: r.outBinds ?? {}, rowsAffected: 0 };
  }
  async commit(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Bind names a statement declares (":name" outside string literals). */
function declaredBinds(sql: string): string[] {
  const withoutStrings = sql.replace(/'[^']*'/g, "''");
  return [...new Set([...withoutStrings.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!))].sort();
}

test('each method passes exactly the binds its statement declares', async () => {
  const conn = new RecordingConnection((sql) =>
    sql === SQL.PLSQL_OPEN || sql === SQL.PLSQL_ATTACH ? { outBinds: { handle: 7 } } : {},
  );
  const s = new OracleDataPumpSession(conn);
  assert.equal(await s.open('FULL', 'ALMA_NIGHTLY_3978'), 7);
  assert.equal(await s.attach('ALMA_NIGHTLY_3978'), 7);
  await s.findJob('ALMA_NIGHTLY_3978');
  await s.addDumpFile(7, 'a_01.dmp', 'EXP_DIR_3978');
  await s.addLogFile(7, 'imp.log', 'EXP_DIR_3978');
  await s.metadataRemap(7, 'REMAP_SCHEMA', 'EXL_ADMIN', 'EXL_ADMIN_2');
  await s.metadataFilter(7, 'EXCLUDE_PATH_EXPR', "IN ('STATISTICS')");
  await s.metadataTransform(7, 'DISABLE_ARCHIVE_LOGGING', 1);
  await s.metadataTransform(7, 'LOB_STORAGE', 'SECUREFILE');
  await s.setParameter(7, 'METRICS', 1);
  await s.setParameter(7, 'TABLE_EXISTS_ACTION', 'SKIP');
  await s.setParallel(7, 4);
  await s.startJob(7);
  await s.stopJob(7, { immediate: true, keepMaster: false });
  await s.getStatus(7, 30);
  await s.detach(7);
  await s.close();
  assert.equal(conn.closed, true);
  const used = new Set(conn.executed.map((e) => e.sql));
  const all: string[] = Object.values(SQL);
  assert.deepEqual(
    all.filter((sql) => !used.has(sql)),
    [],
    'every statement is exercised',
  );
  for (const e of conn.executed) {
    assert.deepEqual(Object.keys(e.binds).sort(), declaredBinds(e.sql), e.sql);
  }
  const stop = conn.executed.find((e) => e.sql === SQL.PLSQL_STOP_JOB)!;
  assert.deepEqual(stop.binds, { handle: 7, stop_immediately: 1, keep_master: 0 });
  // GET_STATUS waits in the database (its own timeout), not timeout 0 and a sleep in between.
  const status = conn.executed.find((e) => e.sql === SQL.PLSQL_GET_STATUS)!;
  assert.equal(status.binds.wait_seconds, 30);
  assert.match(SQL.PLSQL_GET_STATUS, /timeout => :wait_seconds/);
  const transform = conn.executed.find((e) => e.sql === SQL.PLSQL_METADATA_TRANSFORM_NUMBER)!;
  assert.deepEqual(transform.binds, {
    handle: 7,
    name: 'DISABLE_ARCHIVE_LOGGING',
    value: '1',
    object_type: null,
  });
});

test('findJob and getStatus map rows and OUT binds', async () => {
  const conn = new RecordingConnection((sql) => {
    if (sql === SQL.SQL_FIND_JOB) {
      return {
        rows: [{ OWNER_NAME: 'ALMA_ADMIN', JOB_NAME: 'J', STATE: 'NOT RUNNING', ATTACHED_SESSIONS: 0 }],
      };
    }
    if (sql === SQL.PLSQL_GET_STATUS) {
      return {
        outBinds: {
          state: 'EXECUTING',
          percent_done: 42,
          bytes_processed: 100,
          total_bytes: 1000,
          error_count: 1,
          phase: 1,
          degree: 4,
          completed_rows: 99,
          current_object: 'TABLE_DATA EXL_ADMIN.BIB_MMS ',
          log_text:
            'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA\n. . imported "A"."B" 1 KB 1 rows\n',
        },
      };
    }
    return {};
  });
  const s = new OracleDataPumpSession(conn);
  assert.deepEqual(await s.findJob('J'), {
    owner: 'ALMA_ADMIN',
    name: 'J',
    state: 'NOT RUNNING',
    attachedSessions: 0,
  });
  const st = await s.getStatus(1, 0);
  assert.equal(st.percentDone, 42);
  assert.equal(st.currentObject, 'TABLE_DATA EXL_ADMIN.BIB_MMS');
  assert.deepEqual(st.logLines, [
    'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA',
    '. . imported "A"."B" 1 KB 1 rows',
  ]);
  const getStatus = conn.executed.find((e) => e.sql === SQL.PLSQL_GET_STATUS)!;
  assert.deepEqual(getStatus.binds.log_text, { out: 'clob' });
  const empty = new OracleDataPumpSession(new RecordingConnection());
  assert.equal(await empty.findJob('J'), undefined);
  assert.deepEqual((await empty.getStatus(1, 0)).logLines, []);
});
