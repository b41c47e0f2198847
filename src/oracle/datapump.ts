// The Data Pump boundary. DataPumpSession mirrors the DBMS_DATAPUMP procedures one to one (one
// method = one statement of src/oracle/sql/datapump.ts) on one database session; the engines in
// datapump-api.ts and datapump-impdp.ts build on it. Tests put an in-memory double behind it.

/** A job as DBA_DATAPUMP_JOBS shows it. STATE: DEFINING, EXECUTING, NOT RUNNING, IDLING, ... */
export interface DataPumpJobInfo {
  owner: string;
  name: string;
  state: string;
  attachedSessions: number;
}

/** One GET_STATUS poll. `state` is the job state (EXECUTING, COMPLETED, STOPPED, ...). */
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
  /** Log lines produced since the previous poll (work in progress and errors). */
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
  getStatus(handle: number): Promise<DataPumpStatus>;
  detach(handle: number): Promise<void>;
  /** Ends the database session. */
  close(): Promise<void>;
}

/** Job states in which a job is alive and working (attach and watch it). */
export const RUNNING_STATES = new Set(['EXECUTING', 'STARTING', 'COMPLETING', 'UNDEFINED']);
/** Job states of a stopped job whose master table is kept (attach and START_JOB resumes it). */
export const STOPPED_STATES = new Set(['NOT RUNNING', 'IDLING', 'STOPPED', 'STOP PENDING', 'STOPPING']);
/** GET_STATUS states that end the watch. */
export const FINAL_STATES = new Set(['COMPLETED', 'STOPPED', 'NOT RUNNING']);

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
