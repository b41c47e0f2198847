// DataPumpSession on a real database: each method runs one statement of sql/datapump.ts on one
// pinned OracleConnection (Data Pump handles belong to the session that got them).
import type { OracleConnection, OutValue } from './connection.js';
import type { DataPumpJobInfo, DataPumpSession, DataPumpStatus, JobMode } from './datapump.js';
import * as SQL from './sql/datapump.js';

const num = (v: OutValue | undefined): number => (v === null || v === undefined ? 0 : Number(v));

export class OracleDataPumpSession implements DataPumpSession {
  constructor(private readonly conn: OracleConnection) {}

  async findJob(jobName: string): Promise<DataPumpJobInfo | undefined> {
    const { rows } = await this.conn.execute<Record<string, unknown>>(SQL.SQL_FIND_JOB, {
      job_name: jobName,
    });
    const r = rows[0];
    if (!r) return undefined;
    return {
      owner: String(r.OWNER_NAME),
      name: String(r.JOB_NAME),
      state: String(r.STATE),
      attachedSessions: Number(r.ATTACHED_SESSIONS ?? 0),
    };
  }

  async open(jobMode: JobMode, jobName: string): Promise<number> {
    const r = await this.conn.execute(SQL.PLSQL_OPEN, {
      handle: { out: 'number' },
      job_mode: jobMode,
      job_name: jobName,
    });
    return num(r.outBinds.handle);
  }

  async attach(jobName: string): Promise<number> {
    const r = await this.conn.execute(SQL.PLSQL_ATTACH, { handle: { out: 'number' }, job_name: jobName });
    return num(r.outBinds.handle);
  }

  async addDumpFile(handle: number, filename: string, directory: string): Promise<void> {
    await this.conn.execute(SQL.PLSQL_ADD_DUMP_FILE, { handle, filename, directory });
  }

  async addLogFile(handle: number, filename: string, directory: string): Promise<void> {
    await this.conn.execute(SQL.PLSQL_ADD_LOG_FILE, { handle, filename, directory });
  }

  async metadataRemap(handle: number, name: string, from: string, to: string): Promise<void> {
    await this.conn.execute(SQL.PLSQL_METADATA_REMAP, { handle, name, old_value: from, value: to });
  }

  async metadataFilter(handle: number, name: string, value: string, objectPath?: string): Promise<void> {
    await this.conn.execute(SQL.PLSQL_METADATA_FILTER, {
      handle,
      name,
      value,
      object_path: objectPath ?? null,
    });
  }

  async metadataTransform(
    handle: number,
    name: string,
    value: string | number,
    objectType?: string,
  ): Promise<void> {
    const sql =
      typeof value === 'number' ? SQL.PLSQL_METADATA_TRANSFORM_NUMBER : SQL.PLSQL_METADATA_TRANSFORM_TEXT;
    await this.conn.execute(sql, { handle, name, value: String(value), object_type: objectType ?? null });
  }

  async setParameter(handle: number, name: string, value: string | number): Promise<void> {
    const sql = typeof value === 'number' ? SQL.PLSQL_SET_PARAMETER_NUMBER : SQL.PLSQL_SET_PARAMETER_TEXT;
    await this.conn.execute(sql, { handle, name, value: String(value) });
  }

  async setParallel(handle: number, degree: number): Promise<void> {
    await this.conn.execute(SQL.PLSQL_SET_PARALLEL, { handle, degree });
  }

  async startJob(handle: number, skipCurrent = false): Promise<void> {
    await this.conn.execute(SQL.PLSQL_START_JOB, { handle, skip_current: skipCurrent ? 1 : 0 });
  }

  async stopJob(handle: number, options: { immediate: boolean; keepMaster: boolean }): Promise<void> {
    await this.conn.execute(SQL.PLSQL_STOP_JOB, {
      handle,
      stop_immediately: options.immediate ? 1 : 0,
      keep_master: options.keepMaster ? 1 : 0,
    });
  }

  async getStatus(handle: number, waitSeconds: number): Promise<DataPumpStatus> {
    const out = { out: 'number' } as const;
    const r = await this.conn.execute(SQL.PLSQL_GET_STATUS, {
      handle,
      wait_seconds: Math.max(0, Math.round(waitSeconds)),
      state: { out: 'string', maxSize: 30 },
      percent_done: out,
      bytes_processed: out,
      total_bytes: out,
      error_count: out,
      phase: out,
      degree: out,
      completed_rows: out,
      current_object: { out: 'string', maxSize: 512 },
      log_text: { out: 'clob' },
    });
    const o = r.outBinds;
    const logText = o.log_text === null || o.log_text === undefined ? '' : String(o.log_text);
    return {
      state: String(o.state ?? 'UNDEFINED'),
      percentDone: num(o.percent_done),
      bytesProcessed: num(o.bytes_processed),
      totalBytes: num(o.total_bytes),
      errorCount: num(o.error_count),
      phase: num(o.phase),
      degree: num(o.degree),
      completedRows: num(o.completed_rows),
      ...(o.current_object ? { currentObject: String(o.current_object).trim() } : {}),
      logLines: logText === '' ? [] : logText.replace(/\n$/, '').split('\n'),
    };
  }

  async detach(handle: number): Promise<void> {
    await this.conn.execute(SQL.PLSQL_DETACH, { handle });
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
