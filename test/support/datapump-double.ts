// An in-memory double of DBMS_DATAPUMP behind the DataPumpSession interface. Every behaviour it
// models is listed, with its source, in docs/oracle-behaviours.md ("Data Pump"); its texts are
// replayed from test/fixtures/oracle/datapump/messages.json (oracle-fixtures.ts). In short:
//   - jobs live in the database, not in a session: DEFINING after OPEN, EXECUTING after
//     START_JOB, IDLING once a stopped job is attached, NOT RUNNING when stopped with the master
//     table kept (fatal error, STOP_JOB keep_master, instance restart); STOP PENDING / STOPPING on
//     the way there; COMPLETED drops the master table (no DBA_DATAPUMP_JOBS row);
//   - a call in the wrong state raises ORA-39004; after completion every call on the job's
//     handles raises ORA-31623 (except the GET_STATUS that saw COMPLETED); ATTACH to a job
//     that does not exist raises ORA-31626;
//   - handles belong to their session; detaching (or losing the session) before START_JOB drops
//     the job; after START_JOB the job runs on without any session;
//   - START_JOB can fail, or succeed with ORA-31627; GET_STATUS waits (it records the wait asked
//     for and advances an optional virtual clock) and returns state, figures and new log lines;
//   - a job can finish between two GET_STATUS calls, stop on a fatal error, show NOT RUNNING for
//     a moment at start or end; re-importing over existing tables logs what TABLE_EXISTS_ACTION
//     says (SKIP: ORA-39151, APPEND: ORA-39152, TRUNCATE: ORA-39153, REPLACE: nothing);
//   - unknown filter, transform and parameter names are refused (datapump-names.ts).
// Every call is recorded so tests can prove, e.g., that no second job was opened.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataPumpJobInfo, DataPumpSession, DataPumpStatus, JobMode } from '../../src/oracle/datapump.js';
import { METADATA_FILTER_NAMES, METADATA_TRANSFORM_NAMES, SET_PARAMETER_VALUES } from './datapump-names.js';
import { logLine, oracleError } from './oracle-fixtures.js';

export interface DoubleTable {
  owner: string;
  table: string;
  rows: number;
  bytes: number;
}

export interface DoubleScript {
  /** GET_STATUS calls (or background ticks) the job needs while EXECUTING. */
  ticks: number;
  totalBytes: number;
  /** Imported over the ticks, in order. */
  tables: DoubleTable[];
  /** Error blocks (log lines each) logged at the first tick. */
  errorBlocks: string[][];
  /** START_JOB of a new job throws this (e.g. "ORA-39002: invalid operation\nORA-39070: ..."). */
  startJobError?: string;
  /** START_JOB starts the job and then raises ORA-31627 (success with information). */
  startJobSuccessWithInfo?: boolean;
  /** When the job reaches this tick it stops with a fatal error (once). */
  fatalAtTick?: number;
  /** The last tick happens between two GET_STATUS calls: the next call raises ORA-31623. */
  completeBetweenPolls?: boolean;
  /** DBA_DATAPUMP_JOBS shows NOT RUNNING right after START_JOB, until the first tick. */
  notRunningAtStart?: boolean;
  /** DBA_DATAPUMP_JOBS shows NOT RUNNING once, between the last tick and the master table drop. */
  notRunningAtEnd?: boolean;
}

export interface DoubleCall {
  session: number;
  method: string;
  args: unknown[];
}

type State = 'DEFINING' | 'EXECUTING' | 'STOP PENDING' | 'STOPPING' | 'IDLING' | 'NOT RUNNING';

interface Job {
  owner: string;
  name: string;
  mode: JobMode;
  state: State;
  /** What DBA_DATAPUMP_JOBS shows instead of `state` for a moment (transients). */
  viewState?: State;
  /** Completed; the row disappears at the next look (notRunningAtEnd). */
  ending?: boolean;
  tick: number;
  rows: number;
  dumpfiles: string[];
  logfile?: { name: string; directory: string };
  remapSchema: Map<string, string>;
  parameters: Map<string, string | number>;
  filters: string[];
  parallel: number;
  log: string[];
  errorCount: number;
  fatalDone: boolean;
  starts: number;
  /** Log lines not yet returned, per attached session id. */
  pending: Map<number, string[]>;
}

interface HandleRef {
  session: number;
  job: string;
  /** The job completed: every further call on this handle raises ORA-31623. */
  finished?: boolean;
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

const DEFINITION_ONLY = 'ORA-39004';

export class DataPumpDouble {
  readonly calls: DoubleCall[] = [];
  readonly jobs = new Map<string, Job>();
  /** Jobs that reached COMPLETED, by name. */
  readonly completed: string[] = [];
  /** Log lines per job name; kept after the job is gone, like the log file. */
  readonly logs = new Map<string, string[]>();
  /** Users and tables in the target database ("OWNER.TABLE"): what a re-import runs into. */
  readonly existingUsers = new Set<string>();
  readonly existingTables = new Set<string>();
  /** Virtual time: GET_STATUS's wait advances it (tests pass `() => double.clock.now`). */
  readonly clock = { now: 1_000_000 };
  private nextHandle = 100;
  private nextSession = 1;
  private readonly handles = new Map<number, HandleRef>();
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
  session(): DataPumpSession & { id: number } {
    const id = this.nextSession++;
    this.liveSessions.add(id);
    return this.makeSession(id);
  }

  /** The session dies without detaching (the pod was killed). */
  killSession(session: DataPumpSession): void {
    this.dropSession((session as unknown as { id: number }).id);
  }

  /** Instance restart: every executing or stopping job stops, keeping its master table. */
  restartInstance(): void {
    for (const id of [...this.liveSessions]) this.dropSession(id);
    for (const job of this.jobs.values()) {
      if (job.state !== 'DEFINING') job.state = 'NOT RUNNING';
      delete job.viewState;
    }
  }

  /** Time passes with nobody watching: executing jobs progress by `ticks` (and may complete). */
  runInBackground(ticks: number): void {
    for (const job of [...this.jobs.values()]) {
      for (let i = 0; i < ticks && job.state === 'EXECUTING' && !job.ending; i++) this.advance(job);
    }
  }

  /** STOP_JOB from another session (immediate => 0, keep_master => 1): STOP PENDING first. */
  requestOrderlyStop(jobName: string): void {
    const job = this.jobs.get(jobName);
    if (job?.state === 'EXECUTING') job.state = 'STOP PENDING';
  }

  /** A stopping job finishes stopping: STOP PENDING -> STOPPING -> NOT RUNNING (master table kept). */
  settleStops(): void {
    for (const job of this.jobs.values()) {
      if (job.state === 'STOP PENDING') job.state = 'STOPPING';
      else if (job.state === 'STOPPING') {
        job.state = 'NOT RUNNING';
        this.emit(job, logLine('stoppedByUser', { ...this.names(job), ss: this.ss(job) }));
      }
    }
  }

  /** The log file content of a job (as the server wrote it). */
  logOf(jobName: string): string {
    const log = this.logs.get(jobName);
    return log ? log.join('\n') + '\n' : '';
  }

  private names(job: Job): { owner: string; job: string } {
    return { owner: job.owner, job: job.name };
  }

  private ss(job: Job): string {
    return String(job.tick).padStart(2, '0');
  }

  private dropSession(id: number): void {
    this.liveSessions.delete(id);
    for (const [h, ref] of [...this.handles]) {
      if (ref.session !== id) continue;
      this.handles.delete(h);
      this.release(ref);
    }
  }

  /** A handle goes away: a DEFINING job with nobody attached is dropped, an IDLING one is NOT RUNNING. */
  private release(ref: HandleRef): void {
    const job = this.jobs.get(ref.job);
    if (!job || ref.finished) return;
    job.pending.delete(ref.session);
    const stillAttached = [...this.handles.values()].some((r) => r.job === job.name && !r.finished);
    if (stillAttached) return;
    if (job.state === 'DEFINING') this.jobs.delete(job.name);
    if (job.state === 'IDLING') job.state = 'NOT RUNNING';
  }

  private ref(session: number, handle: number): HandleRef {
    const ref = this.handles.get(handle);
    if (!ref || ref.session !== session || ref.finished) throw oracleError('ORA-31623');
    return ref;
  }

  private job(session: number, handle: number): Job {
    const job = this.jobs.get(this.ref(session, handle).job);
    if (!job) throw oracleError('ORA-31626');
    return job;
  }

  private defining(session: number, handle: number): Job {
    const job = this.job(session, handle);
    if (job.state !== 'DEFINING') throw oracleError(DEFINITION_ONLY);
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

  private complete(job: Job): void {
    const end =
      job.errorCount === 0
        ? logLine('completed', { ...this.names(job), ss: this.ss(job) })
        : logLine('completedWithErrors', { ...this.names(job), n: job.errorCount, ss: this.ss(job) });
    this.emit(job, end);
    this.completed.push(job.name);
    for (const ref of this.handles.values()) if (ref.job === job.name) ref.finished = true;
    // The master table is dropped: no DBA_DATAPUMP_JOBS row (after a NOT RUNNING moment, if asked).
    if (this.script.notRunningAtEnd) {
      job.ending = true;
      job.viewState = 'NOT RUNNING';
    } else {
      this.jobs.delete(job.name);
    }
  }

  private importTable(job: Job, t: DoubleTable): void {
    const owner = job.remapSchema.get(t.owner) ?? t.owner;
    const key = `${owner}.${t.table}`;
    const action = String(job.parameters.get('TABLE_EXISTS_ACTION') ?? 'SKIP');
    if (this.existingTables.has(key)) {
      const names = { owner, table: t.table };
      if (action === 'SKIP') {
        this.emit(job, logLine('tableExistsSkip', names));
        job.errorCount++;
        return;
      }
      if (action === 'APPEND' || action === 'TRUNCATE') {
        this.emit(job, logLine(action === 'APPEND' ? 'tableExistsAppend' : 'tableExistsTruncate', names));
        job.errorCount++;
      }
    }
    const size = `${(t.bytes / 1024).toFixed(3)} KB`;
    this.emit(
      job,
      `. . imported "${owner}"."${t.table}"`.padEnd(56) +
        `${size.padStart(12)} ${String(t.rows).padStart(8)} rows`,
    );
    this.existingTables.add(key);
    job.rows += t.rows;
  }

  private advance(job: Job): 'EXECUTING' | 'COMPLETED' | 'NOT RUNNING' {
    const s = this.script;
    delete job.viewState;
    job.tick++;
    if (s.fatalAtTick !== undefined && !job.fatalDone && job.tick >= s.fatalAtTick) {
      job.fatalDone = true;
      job.tick--;
      this.emit(job, logLine('fatalWorker1', {}));
      this.emit(job, logLine('fatalWorker2', {}));
      this.emit(job, logLine('stoppedFatal', { ...this.names(job), ss: this.ss(job) }));
      job.state = 'NOT RUNNING';
      for (const ref of this.handles.values()) if (ref.job === job.name) ref.finished = true;
      return 'NOT RUNNING';
    }
    if (job.tick === 1) {
      this.emit(job, 'Processing object type SCHEMA_EXPORT/USER');
      for (const user of job.remapSchema.values()) {
        if (this.existingUsers.has(user)) {
          this.emit(job, logLine('userExists', { user }));
          job.errorCount++;
        }
        this.existingUsers.add(user);
      }
      for (const block of s.errorBlocks) {
        for (const line of block) this.emit(job, line);
        job.errorCount++;
      }
      this.emit(job, 'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA');
    }
    // Tables are spread over the ticks; each is imported once, even across restarts.
    const perTick = Math.ceil(s.tables.length / s.ticks);
    for (const t of s.tables.slice((job.tick - 1) * perTick, job.tick * perTick)) this.importTable(job, t);
    if (job.tick >= s.ticks) {
      this.emit(job, 'Processing object type SCHEMA_EXPORT/TABLE/INDEX/INDEX');
      this.complete(job);
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
      if (!this.liveSessions.has(id)) throw new Error('DPI-1080: connection was closed by ORA-03113');
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
        const state = job.viewState ?? job.state;
        if (job.ending) this.jobs.delete(name); // the master table is dropped right after
        const attached = [...this.handles.values()].filter((r) => r.job === name && !r.finished).length;
        return { owner: job.owner, name: job.name, state, attachedSessions: attached };
      },
      open: async (mode, name) => {
        record('open', [mode, name]);
        if (this.jobs.has(name)) throw oracleError('ORA-31634');
        const job: Job = {
          owner: DOUBLE_OWNER,
          name,
          mode,
          state: 'DEFINING',
          tick: 0,
          rows: 0,
          dumpfiles: [],
          remapSchema: new Map(),
          parameters: new Map(),
          filters: [],
          parallel: 1,
          log: [],
          errorCount: 0,
          fatalDone: false,
          starts: 0,
          pending: new Map(),
        };
        this.jobs.set(name, job);
        this.logs.set(name, job.log); // reusefile => 1: a new job's log replaces the old one
        return attachHandle(job);
      },
      attach: async (name) => {
        record('attach', [name]);
        const job = this.jobs.get(name);
        if (!job || job.ending) throw oracleError('ORA-31626');
        if (job.state === 'NOT RUNNING' && !job.viewState) job.state = 'IDLING';
        return attachHandle(job);
      },
      addDumpFile: async (h, file, dir) => {
        record('addDumpFile', [h, file, dir]);
        const job = this.job(id, h);
        // A dump file for an executing import: INVALID_OPERATION (package header, ADD_FILE).
        if (job.state !== 'DEFINING') throw oracleError('ORA-39002');
        job.dumpfiles.push(file);
      },
      addLogFile: async (h, file, dir) => {
        record('addLogFile', [h, file, dir]);
        this.defining(id, h).logfile = { name: file, directory: dir };
      },
      metadataRemap: async (h, name, from, to) => {
        record('metadataRemap', [h, name, from, to]);
        const job = this.defining(id, h);
        if (name !== 'REMAP_SCHEMA' && name !== 'REMAP_TABLESPACE' && name !== 'REMAP_DATAFILE')
          throw oracleError('ORA-39001');
        if (name === 'REMAP_SCHEMA') job.remapSchema.set(from, to);
      },
      metadataFilter: async (h, name, value, objectPath) => {
        record('metadataFilter', [h, name, value, objectPath]);
        const job = this.defining(id, h);
        if (!METADATA_FILTER_NAMES.has(name)) throw oracleError('ORA-39001');
        const isPath = (n: string): boolean => /^(IN|EX)CLUDE_PATH_/.test(n);
        const other = name.startsWith('INCLUDE_PATH') ? 'EXCLUDE_PATH' : 'INCLUDE_PATH';
        // INCLUDE and EXCLUDE are mutually exclusive before 21c.
        if (isPath(name) && job.filters.some((f) => f.startsWith(other))) throw oracleError('ORA-39001');
        job.filters.push(name);
      },
      metadataTransform: async (h, name, value, objectType) => {
        record('metadataTransform', [h, name, value, objectType]);
        this.defining(id, h);
        if (!METADATA_TRANSFORM_NAMES.has(name)) throw oracleError('ORA-39001');
      },
      setParameter: async (h, name, value) => {
        record('setParameter', [h, name, value]);
        const job = this.defining(id, h);
        if (!SET_PARAMETER_VALUES.has(name))
          throw oracleError('ORA-39001', {}, oracleError('ORA-39049', { name }).message);
        const allowed = SET_PARAMETER_VALUES.get(name);
        if (allowed && !allowed.includes(value)) throw oracleError('ORA-39001');
        job.parameters.set(name, value);
      },
      setParallel: async (h, degree) => {
        record('setParallel', [h, degree]);
        this.job(id, h).parallel = degree;
      },
      startJob: async (h) => {
        record('startJob', [h]);
        const job = this.job(id, h);
        const names = this.names(job);
        if (job.state === 'DEFINING') {
          if (this.script.startJobError) throw new Error(this.script.startJobError);
          if (job.dumpfiles.length === 0) throw oracleError('ORA-39002');
          this.emit(job, logLine('masterTable', names));
          this.emit(job, logLine('starting', names));
        } else if (job.state === 'IDLING') {
          this.emit(job, logLine('reopened', names));
          this.emit(job, logLine('restarting', names));
        } else {
          // EXECUTING, STOP PENDING, STOPPING: not startable (START_JOB restarts only an IDLING job).
          throw oracleError('ORA-39004');
        }
        job.starts++;
        job.state = 'EXECUTING';
        if (this.script.notRunningAtStart && job.starts === 1) job.viewState = 'NOT RUNNING';
        if (this.script.startJobSuccessWithInfo) throw oracleError('ORA-31627');
      },
      stopJob: async (h, options) => {
        record('stopJob', [h, options]);
        const job = this.job(id, h);
        this.handles.delete(h); // "This handle is detached on successful completion of this call."
        if (!options.keepMaster) {
          this.jobs.delete(job.name);
          for (const ref of this.handles.values()) if (ref.job === job.name) ref.finished = true;
        } else {
          job.state = 'NOT RUNNING';
          this.emit(job, logLine('stoppedByUser', { ...this.names(job), ss: this.ss(job) }));
        }
      },
      getStatus: async (h, waitSeconds) => {
        record('getStatus', [h, waitSeconds]);
        const job = this.job(id, h);
        this.clock.now += Math.max(0, waitSeconds) * 1000;
        if (job.state !== 'EXECUTING') return this.status(job, job.state, id);
        const state = this.advance(job);
        const result = this.status(job, state, id);
        if (state === 'EXECUTING' && this.script.completeBetweenPolls && job.tick === this.script.ticks - 1) {
          this.advance(job); // finishes while nobody is in GET_STATUS
        }
        return result;
      },
      detach: async (h) => {
        record('detach', [h]);
        const ref = this.ref(id, h);
        this.handles.delete(h);
        this.release(ref);
      },
      close: async () => {
        record('close', []);
        this.dropSession(id);
      },
    };
  }
}
