// An in-memory double of DBMS_DATAPUMP behind the DataPumpSession interface, faithful to what
// the engines rely on (guides/oracle-data-pump-notes.md):
//   - jobs live in the "database", not in a session: DEFINING after OPEN, EXECUTING after
//     START_JOB, NOT RUNNING when stopped (fatal error, STOP_JOB keep_master, instance restart),
//     gone when COMPLETED or killed (master table dropped);
//   - handles belong to the session that got them; detaching (or losing the session) before
//     START_JOB drops the job; after START_JOB the job runs on without any session;
//   - ATTACH to an existing job; START_JOB on a stopped job resumes it where it stopped;
//   - START_JOB can be made to fail; GET_STATUS returns state, percent done, bytes, rows, the
//     current object and the new log lines (work in progress and error entries);
//   - the log file is written where the directory object points, like the server would.
// Every call is recorded so tests can prove, e.g., that no second job was opened.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataPumpJobInfo, DataPumpSession, DataPumpStatus, JobMode } from '../../src/oracle/datapump.js';

export interface DoubleTable {
  owner: string;
  table: string;
  rows: number;
  bytes: number;
}

export interface DoubleScript {
  /** GET_STATUS polls (or background ticks) the job needs while EXECUTING. */
  ticks: number;
  totalBytes: number;
  /** Imported over the ticks, in order. */
  tables: DoubleTable[];
  /** Error blocks (log lines each) logged at the first tick. */
  errorBlocks: string[][];
  /** START_JOB of a new job throws this (e.g. "ORA-39002: invalid operation\nORA-39070: ..."). */
  startJobError?: string;
  /** When the job reaches this tick it stops with a fatal error (once). */
  fatalAtTick?: number;
}

export interface DoubleCall {
  session: number;
  method: string;
  args: unknown[];
}

interface Job {
  owner: string;
  name: string;
  mode: JobMode;
  state: 'DEFINING' | 'EXECUTING' | 'NOT RUNNING';
  tick: number;
  rows: number;
  dumpfiles: string[];
  logfile?: { name: string; directory: string };
  definition: { method: string; args: unknown[] }[];
  parallel: number;
  log: string[];
  errorCount: number;
  fatalDone: boolean;
  starts: number;
  /** Log lines not yet returned, per attached session id. */
  pending: Map<number, string[]>;
}

export const DOUBLE_OWNER = 'ALMA_ADMIN';

export const VENDOR_ERROR_BLOCKS: string[][] = [
  [
    'ORA-39083: Object type USER:"EXL_ADMIN" failed to create with error:',
    'ORA-02380: profile EXL_PROFILE does not exist',
    '',
    'Failing sql is:',
    ' CREATE USER "EXL_ADMIN" IDENTIFIED BY VALUES \'S:0000\' PROFILE "EXL_PROFILE"',
    '',
  ],
  ...['EXL_SCHEMA', 'URM_SCHEMA', 'PLUSTRACE'].map((role) => [
    'ORA-39083: Object type ROLE_GRANT failed to create with error:',
    `ORA-01919: role '${role}' does not exist`,
    '',
    'Failing sql is:',
    ` GRANT "${role}" TO "EXL_ADMIN"`,
    '',
  ]),
];

export function defaultScript(overrides: Partial<DoubleScript> = {}): DoubleScript {
  return {
    ticks: 4,
    totalBytes: 4 * 1024 ** 3,
    tables: [
      { owner: 'EXL_ADMIN', table: 'ORGANIZATION_UNIT', rows: 16, bytes: 9063 },
      { owner: 'EXL_ADMIN', table: 'BIB_MMS', rows: 571047, bytes: 17804820 },
      { owner: 'EXL_ADMIN', table: 'HDEMETADATA', rows: 4718592, bytes: 2485125857 },
    ],
    errorBlocks: [],
    ...overrides,
  };
}

const oraError = (text: string): Error => new Error(text);

export class DataPumpDouble {
  readonly calls: DoubleCall[] = [];
  readonly jobs = new Map<string, Job>();
  /** Jobs that reached COMPLETED, by name. */
  readonly completed: string[] = [];
  /** Log lines per job name; kept after the job is gone, like the log file. */
  readonly logs = new Map<string, string[]>();
  private nextHandle = 100;
  private nextSession = 1;
  private readonly handles = new Map<number, { session: number; job: string }>();
  private readonly liveSessions = new Set<number>();

  constructor(
    public script: DoubleScript = defaultScript(),
    /** Maps a directory object to a local folder, to write log files the way the server does. */
    private readonly directoryPath?: (directory: string) => string,
  ) {}

  /** How many times OPEN was called (a resumed run must not add one). */
  get opens(): number {
    return this.calls.filter((c) => c.method === 'open').length;
  }

  callsOf(method: string): DoubleCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** A new database session. */
  session(): DataPumpSession {
    const id = this.nextSession++;
    this.liveSessions.add(id);
    return this.makeSession(id);
  }

  /** The session dies without detaching (the pod was killed). */
  killSession(session: DataPumpSession): void {
    const id = (session as unknown as { id: number }).id;
    this.dropSession(id);
  }

  /** Instance restart: every executing job stops, keeping its master table. */
  restartInstance(): void {
    for (const id of [...this.liveSessions]) this.dropSession(id);
    for (const job of this.jobs.values()) {
      if (job.state === 'EXECUTING') {
        job.state = 'NOT RUNNING';
      }
    }
  }

  /** Time passes with nobody attached: executing jobs progress by `ticks`. */
  runInBackground(ticks: number): void {
    for (const job of [...this.jobs.values()]) {
      for (let i = 0; i < ticks && job.state === 'EXECUTING'; i++) this.advance(job);
    }
  }

  /** The log file content of a job (as the server wrote it). */
  logOf(jobName: string): string {
    const log = this.logs.get(jobName);
    return log ? log.join('\n') + '\n' : '';
  }

  private dropSession(id: number): void {
    this.liveSessions.delete(id);
    for (const [h, ref] of [...this.handles]) {
      if (ref.session !== id) continue;
      this.handles.delete(h);
      const job = this.jobs.get(ref.job);
      job?.pending.delete(id);
      if (job && job.state === 'DEFINING') this.jobs.delete(job.name);
    }
  }

  private job(session: number, handle: number): Job {
    const ref = this.handles.get(handle);
    if (!ref || ref.session !== session) {
      throw oraError('ORA-31623: a job is not attached to this session via the specified handle');
    }
    const job = this.jobs.get(ref.job);
    if (!job) throw oraError('ORA-31626: job does not exist');
    return job;
  }

  private defining(session: number, handle: number, method: string, args: unknown[]): Job {
    const job = this.job(session, handle);
    if (job.state !== 'DEFINING') throw oraError(`ORA-39002: invalid operation (${method} after START_JOB)`);
    job.definition.push({ method, args });
    return job;
  }

  private emit(job: Job, line: string): void {
    job.log.push(line);
    for (const lines of job.pending.values()) lines.push(line);
    if (job.logfile && this.directoryPath) {
      const dir = this.directoryPath(job.logfile.directory);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, job.logfile.name), job.log.join('\n') + '\n');
    }
  }

  private advance(job: Job): 'EXECUTING' | 'COMPLETED' | 'STOPPED' {
    const s = this.script;
    job.tick++;
    const q = `"${job.owner}"."${job.name}"`;
    if (s.fatalAtTick !== undefined && !job.fatalDone && job.tick >= s.fatalAtTick) {
      job.fatalDone = true;
      job.tick--;
      this.emit(job, 'ORA-39014: One or more workers have prematurely exited.');
      this.emit(job, 'ORA-39029: worker 1 with process name "DW00" prematurely terminated');
      this.emit(
        job,
        `Job ${q} stopped due to fatal error at Fri May 2 14:34:13 2025 elapsed 0 00:00:${String(job.tick).padStart(2, '0')}`,
      );
      job.state = 'NOT RUNNING';
      return 'STOPPED';
    }
    if (job.tick === 1) {
      this.emit(job, 'Processing object type SCHEMA_EXPORT/USER');
      for (const block of s.errorBlocks) {
        for (const line of block) this.emit(job, line);
        job.errorCount++;
      }
      this.emit(job, 'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA');
    }
    // Tables are spread over the ticks; each is imported once, even across restarts.
    const perTick = Math.ceil(s.tables.length / s.ticks);
    for (const t of s.tables.slice((job.tick - 1) * perTick, job.tick * perTick)) {
      const size = `${(t.bytes / 1024).toFixed(3)} KB`;
      this.emit(
        job,
        `. . imported "${t.owner}"."${t.table}"`.padEnd(56) +
          `${size.padStart(12)} ${String(t.rows).padStart(8)} rows`,
      );
      job.rows += t.rows;
    }
    if (job.tick >= s.ticks) {
      this.emit(job, 'Processing object type SCHEMA_EXPORT/TABLE/INDEX/INDEX');
      const end =
        job.errorCount === 0 ? 'successfully completed' : `completed with ${job.errorCount} error(s)`;
      this.emit(
        job,
        `Job ${q} ${end} at Sat Feb 25 21:02:13 2023 elapsed 0 00:00:${String(job.tick).padStart(2, '0')}`,
      );
      this.jobs.delete(job.name);
      this.completed.push(job.name);
      return 'COMPLETED';
    }
    return 'EXECUTING';
  }

  private status(job: Job, state: string, session: number): DataPumpStatus {
    const s = this.script;
    const fraction = Math.min(1, job.tick / s.ticks);
    const lines = job.pending.get(session) ?? [];
    job.pending.set(session, []);
    const current = s.tables[Math.min(s.tables.length - 1, Math.max(0, job.tick - 1))];
    return {
      state,
      percentDone: Math.round(fraction * 100),
      bytesProcessed: Math.round(s.totalBytes * fraction),
      totalBytes: s.totalBytes,
      errorCount: job.errorCount,
      phase: 1,
      degree: job.parallel,
      completedRows: job.rows,
      ...(current ? { currentObject: `TABLE_DATA ${current.owner}.${current.table}` } : {}),
      logLines: lines,
    };
  }

  private makeSession(id: number): DataPumpSession & { id: number } {
    const record = (method: string, args: unknown[]): void => {
      if (!this.liveSessions.has(id)) throw oraError('DPI-1080: connection was closed by ORA-03113');
      this.calls.push({ session: id, method, args });
    };
    const attachHandle = (job: Job): number => {
      const h = this.nextHandle++;
      this.handles.set(h, { session: id, job: job.name });
      job.pending.set(id, []);
      return h;
    };
    return {
      id,
      findJob: async (name): Promise<DataPumpJobInfo | undefined> => {
        record('findJob', [name]);
        const job = this.jobs.get(name);
        if (!job) return undefined;
        const attached = [...this.handles.values()].filter((r) => r.job === name).length;
        return { owner: job.owner, name: job.name, state: job.state, attachedSessions: attached };
      },
      open: async (mode, name) => {
        record('open', [mode, name]);
        if (this.jobs.has(name)) throw oraError(`ORA-31634: job already exists`);
        const job: Job = {
          owner: DOUBLE_OWNER,
          name,
          mode,
          state: 'DEFINING',
          tick: 0,
          rows: 0,
          dumpfiles: [],
          definition: [],
          parallel: 1,
          log: [],
          errorCount: 0,
          fatalDone: false,
          starts: 0,
          pending: new Map(),
        };
        this.jobs.set(name, job);
        this.logs.set(name, job.log);
        return attachHandle(job);
      },
      attach: async (name) => {
        record('attach', [name]);
        const job = this.jobs.get(name);
        if (!job) throw oraError('ORA-31626: job does not exist');
        return attachHandle(job);
      },
      addDumpFile: async (h, file, dir) => {
        record('addDumpFile', [h, file, dir]);
        this.defining(id, h, 'addDumpFile', [file, dir]).dumpfiles.push(file);
      },
      addLogFile: async (h, file, dir) => {
        record('addLogFile', [h, file, dir]);
        this.defining(id, h, 'addLogFile', [file, dir]).logfile = { name: file, directory: dir };
      },
      metadataRemap: async (h, name, from, to) => {
        record('metadataRemap', [h, name, from, to]);
        this.defining(id, h, 'metadataRemap', [name, from, to]);
      },
      metadataFilter: async (h, name, value, objectPath) => {
        record('metadataFilter', [h, name, value, objectPath]);
        this.defining(id, h, 'metadataFilter', [name, value, objectPath]);
      },
      metadataTransform: async (h, name, value, objectType) => {
        record('metadataTransform', [h, name, value, objectType]);
        this.defining(id, h, 'metadataTransform', [name, value, objectType]);
      },
      setParameter: async (h, name, value) => {
        record('setParameter', [h, name, value]);
        this.defining(id, h, 'setParameter', [name, value]);
      },
      setParallel: async (h, degree) => {
        record('setParallel', [h, degree]);
        this.job(id, h).parallel = degree;
      },
      startJob: async (h) => {
        record('startJob', [h]);
        const job = this.job(id, h);
        const q = `"${job.owner}"."${job.name}"`;
        if (job.state === 'EXECUTING') throw oraError('ORA-39002: invalid operation');
        if (job.state === 'DEFINING') {
          if (this.script.startJobError) throw oraError(this.script.startJobError);
          if (job.dumpfiles.length === 0)
            throw oraError('ORA-39002: invalid operation\nORA-39166: no dump file');
          this.emit(job, `Master table ${q} successfully loaded/unloaded`);
          this.emit(job, `Starting ${q}:  ${job.owner}/******** `);
        } else {
          this.emit(job, `Job ${q} has been reopened at Fri May 2 15:00:00 2025`);
          this.emit(job, `Restarting ${q}:  ${job.owner}/******** `);
        }
        job.starts++;
        job.state = 'EXECUTING';
      },
      stopJob: async (h, options) => {
        record('stopJob', [h, options]);
        const job = this.job(id, h);
        this.handles.delete(h);
        if (!options.keepMaster) {
          this.jobs.delete(job.name);
        } else {
          job.state = 'NOT RUNNING';
          this.emit(
            job,
            `Job "${job.owner}"."${job.name}" stopped by user request at Fri May 2 15:00:00 2025 elapsed 0 00:00:01`,
          );
        }
      },
      getStatus: async (h) => {
        record('getStatus', [h]);
        const job = this.job(id, h);
        if (job.state === 'DEFINING') return this.status(job, 'DEFINING', id);
        if (job.state === 'NOT RUNNING') return this.status(job, 'NOT RUNNING', id);
        const state = this.advance(job);
        return this.status(job, state, id);
      },
      detach: async (h) => {
        record('detach', [h]);
        const ref = this.handles.get(h);
        if (!ref || ref.session !== id)
          throw oraError('ORA-31623: a job is not attached to this session via the specified handle');
        this.handles.delete(h);
        const job = this.jobs.get(ref.job);
        job?.pending.delete(id);
        if (job && job.state === 'DEFINING') this.jobs.delete(job.name);
      },
      close: async () => {
        record('close', []);
        this.dropSession(id);
      },
    };
  }
}
