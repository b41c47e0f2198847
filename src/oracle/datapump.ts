// The Data Pump boundary. DataPumpSession mirrors the DBMS_DATAPUMP procedures one to one (one
// method = one statement of src/oracle/sql/datapump.ts) on one database session; the engines in
// datapump-api.ts and datapump-impdp.ts build on it. Tests put an in-memory double behind it.
// The job states and error codes below are Oracle's (docs/oracle-behaviours.md, "Data Pump").

/** A job as DBA_DATAPUMP_JOBS shows it. */
export interface DataPumpJobInfo {
  owner: string;
  name: string;
  state: string;
  attachedSessions: number;
}

/** One GET_STATUS call. `state` is the job state (JOB_STATES). */
export interface DataPumpStatus {
  state: string;
  percentDone: number;
  bytesProcessed: number;
  totalBytes: number;
  errorCount: number;
  phase: number;
  degree: number;
  completedRows: number;
  currentObject?: string;
  /** Log lines produced since the previous call (work in progress and errors). */
  logLines: string[];
}

export type JobMode = 'FULL' | 'SCHEMA';

export interface DataPumpSession {
  findJob(jobName: string): Promise<DataPumpJobInfo | undefined>;
  open(jobMode: JobMode, jobName: string): Promise<number>;
  attach(jobName: string): Promise<number>;
  addDumpFile(handle: number, filename: string, directory: string): Promise<void>;
  addLogFile(handle: number, filename: string, directory: string): Promise<void>;
  metadataRemap(
    handle: number,
    name: 'REMAP_SCHEMA' | 'REMAP_TABLESPACE',
    from: string,
    to: string,
  ): Promise<void>;
  metadataFilter(handle: number, name: string, value: string, objectPath?: string): Promise<void>;
  metadataTransform(handle: number, name: string, value: string | number, objectType?: string): Promise<void>;
  setParameter(handle: number, name: string, value: string | number): Promise<void>;
  setParallel(handle: number, degree: number): Promise<void>;
  startJob(handle: number, skipCurrent?: boolean): Promise<void>;
  stopJob(handle: number, options: { immediate: boolean; keepMaster: boolean }): Promise<void>;
  /**
   * GET_STATUS with its own wait: returns when new log entries arrive, the job changes state,
   * or `waitSeconds` pass (0 = at once). The wait is ignored in COMPLETING and COMPLETED.
   */
  getStatus(handle: number, waitSeconds: number): Promise<DataPumpStatus>;
  detach(handle: number): Promise<void>;
  /** Ends the database session. */
  close(): Promise<void>;
}

/**
 * Oracle's job states (Utilities 19c, "DBMS_DATAPUMP Job States"). There is no STARTING and no
 * STOPPED: a stopped job with its master table kept is NOT RUNNING (IDLING once attached).
 */
export const JOB_STATES = [
  'UNDEFINED',
  'DEFINING',
  'EXECUTING',
  'COMPLETING',
  'COMPLETED',
  'STOP PENDING',
  'STOPPING',
  'IDLING',
  'NOT RUNNING',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Alive and working: attach and watch. */
export const RUNNING_STATES: ReadonlySet<string> = new Set(['EXECUTING', 'COMPLETING']);
/** On the way to NOT RUNNING: START_JOB would raise ORA-39004 now; try again once stopped. */
export const STOPPING_STATES: ReadonlySet<string> = new Set(['STOP PENDING', 'STOPPING']);
/**
 * IDLING is restartable by START_JOB. NOT RUNNING is a stopped job (restartable after ATTACH) but
 * also appears briefly while a job starts and while it ends, so the engine looks at what
 * GET_STATUS says after ATTACH before it restarts anything.
 */
export const RESTARTABLE_STATES: ReadonlySet<string> = new Set(['IDLING', 'NOT RUNNING']);
/** GET_STATUS states that end the watch. */
export const FINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'NOT RUNNING', 'STOPPED']);

/** DBMS_DATAPUMP exceptions (PL/SQL Packages and Types Reference 19c, DBMS_DATAPUMP "Exceptions"). */
export const DP_ERRORS = {
  /** invalid_handle: not attached via this handle; what a call after COMPLETED likely raises. */
  invalidHandle: 'ORA-31623',
  /** no_such_job: the job no longer exists (completed, killed) or has no master table. */
  noSuchJob: 'ORA-31626',
  /** success_with_info: the call succeeded; GET_STATUS has more information. */
  successWithInfo: 'ORA-31627',
  /** invalid_state: the job's state precludes the call. */
  invalidState: 'ORA-39004',
  /** job_exists: a job (or master table) of that name exists. */
  jobExists: 'ORA-31634',
} as const;

/** The job of this handle is gone: completed (master table dropped) or killed. */
export function isJobGoneCode(code: string | undefined): boolean {
  return code === DP_ERRORS.invalidHandle || code === DP_ERRORS.noSuchJob;
}

/** Thrown when START_JOB (or the job definition before it) is refused. */
export class DataPumpStartError extends Error {
  constructor(
    message: string,
    readonly oracleCode?: string,
  ) {
    super(message);
    this.name = 'DataPumpStartError';
  }
}

/** Thrown when the job is in a state the engine must not act on now (STOP PENDING, STOPPING). */
export class DataPumpBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataPumpBusyError';
  }
}
