// What a run does when the Data Pump job it looks for no longer exists (a completed job drops its
// master table; ORA-31623/ORA-31626 on its handle): the log's final job line decides, never a
// second job over a finished import. Pure: the job record and the parsed log in, a decision out.
import type { DataPumpLog } from '../../oracle/datapump-log.js';
import type { JobRecord } from './job-record.js';

export type GoneDecision =
  /** The log has its final "Job ... completed / stopped" line: judge the import by it. */
  | { kind: 'judge' }
  /** The record was written just before START_JOB and the log shows no job: it never started. */
  | { kind: 'open'; note: string }
  /** The job started, is gone, and its log has no final line: killed or its master table dropped. */
  | { kind: 'vanished'; message: string };

/** Is `record` about this very plan (same job name and plan digest)? */
export function recordMatches(
  record: JobRecord | undefined,
  jobName: string,
  digest: string,
): record is JobRecord {
  return record !== undefined && record.jobName === jobName && record.digest === digest;
}

export function decideGone(input: {
  jobName: string;
  record?: JobRecord;
  log?: DataPumpLog;
  logPath: string;
}): GoneDecision {
  if (input.log?.outcome) return { kind: 'judge' };
  const jobInLog = input.log?.job !== undefined;
  if (input.record?.phase === 'starting' && !jobInLog) {
    return {
      kind: 'open',
      note:
        `job ${input.jobName} was being started when the previous run ended, and ${input.logPath} shows ` +
        'no job: it never started, starting it now',
    };
  }
  return {
    kind: 'vanished',
    message:
      `Data Pump job ${input.jobName} no longer exists and its log ${input.logPath} ` +
      (input.log ? 'has no final "Job ..." line' : 'cannot be read') +
      ': the job was killed or its master table dropped, so there is nothing to resume. ' +
      'Run the import with --fresh to start it over (objects already imported are then handled by ' +
      'import.tableExistsAction)',
  };
}
