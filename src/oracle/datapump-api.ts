// Engine `datapump-api`: drives DBMS_DATAPUMP through a DataPumpSession, so the job runs inside
// the database and outlives this pod. Resume rules, keyed on the plan's deterministic job name:
//   - no job of that name: OPEN, define from the plan, START_JOB (unless `resumeOnly`: a job of
//     this plan was started before, so a missing job has finished and its log decides);
//   - a job running (a previous pod died while it ran): ATTACH and watch it;
//   - a job stopped (NOT RUNNING: fatal error, instance restart, STOP_JOB): ATTACH, and START_JOB
//     if GET_STATUS then says IDLING (NOT RUNNING is also a short transient at start and end);
//   - STOP PENDING / STOPPING: not restartable yet (ORA-39004): say so, touch nothing;
//   - a job still DEFINING (left half-defined): it can hold nothing, kill it and start over;
//   - `fresh`: kill any existing job (STOP_JOB immediate, master table dropped), then start over.
// A job that completes drops its master table, and calls on its handle then raise ORA-31623 (or
// ORA-31626): the engine reports that as GONE and the runner reads the log's final job line.
// Watching waits inside GET_STATUS (its own timeout), never with a sleep between polls.
import type { ImportPlan, ObjectFilter } from './import-plan.js';
import type { DataPumpSession, DataPumpStatus } from './datapump.js';
import {
  DP_ERRORS,
  DataPumpBusyError,
  DataPumpStartError,
  FINAL_STATES,
  RESTARTABLE_STATES,
  STOPPING_STATES,
  isJobGoneCode,
} from './datapump.js';
import { errorMessage } from '../errors.js';
import { oracleErrorCode } from './connection.js';

export type StartKind = 'opened' | 'attached' | 'restarted' | 'none';

/** finalState when the job no longer exists (completed and dropped, or killed): read its log. */
export const JOB_GONE = 'GONE';

export interface EngineRunOptions {
  /** Kill an existing job of the plan's name and start over. */
  fresh: boolean;
  /** Progress interval: the longest GET_STATUS waits before a progress line. */
  intervalMs: number;
  /** A job of this plan was started before: never open a new one (a missing job has finished). */
  resumeOnly?: boolean;
  /** Called once the job is defined, just before START_JOB (the runner records the start). */
  beforeStart?: () => Promise<void>;
  /** Called once START_JOB has returned (success, or success with information). */
  afterStart?: () => Promise<void>;
  now?: () => number;
  onStatus?: (status: DataPumpStatus) => void;
  /** Informational messages for the runner's log (what was decided and why). */
  onEvent?: (message: string) => void;
  /** Aborting stops watching (the job itself keeps running in the database). */
  signal?: AbortSignal;
}

export interface EngineRunResult {
  start: StartKind;
  /** True when an existing job was killed first (fresh, or left DEFINING). */
  killedExisting: boolean;
  /** Last GET_STATUS state (COMPLETED, NOT RUNNING), JOB_GONE, or impdp's end. */
  finalState: string;
  /** Log lines seen while watching (the log file on the staging volume is the full record). */
  collectedLog: string[];
  /** impdp's exit code (impdp engine only). */
  exitCode?: number;
}

export interface ImportEngine {
  readonly name: 'datapump-api' | 'impdp';
  run(plan: ImportPlan, options: EngineRunOptions): Promise<EngineRunResult>;
}

/** A SQL string literal (for filter expressions, which DBMS_DATAPUMP takes as text). */
function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * impdp's INCLUDE/EXCLUDE as METADATA_FILTER calls. INCLUDE imports only the object types named
 * (one INCLUDE_PATH_EXPR listing them all: several filters on one path are ANDed), a name clause
 * narrowing its type (NAME_EXPR on that path). EXCLUDE drops each type (EXCLUDE_PATH_EXPR) or the
 * named objects of a type (EXCLUDE_NAME_EXPR on that path).
 */
export function filterCalls(filters: ObjectFilter[]): { name: string; value: string; objectPath?: string }[] {
  const calls: { name: string; value: string; objectPath?: string }[] = [];
  const includeTypes = [...new Set(filters.filter((f) => f.kind === 'include').map((f) => f.objectType))];
  if (includeTypes.length > 0) {
    calls.push({ name: 'INCLUDE_PATH_EXPR', value: `IN (${includeTypes.map(sqlLiteral).join(', ')})` });
  }
  for (const f of filters) {
    if (f.kind === 'include' && f.nameClause !== undefined) {
      calls.push({ name: 'NAME_EXPR', value: f.nameClause, objectPath: f.objectType });
    } else if (f.kind === 'exclude') {
      calls.push(
        f.nameClause === undefined
          ? { name: 'EXCLUDE_PATH_EXPR', value: `IN (${sqlLiteral(f.objectType)})` }
          : { name: 'EXCLUDE_NAME_EXPR', value: f.nameClause, objectPath: f.objectType },
      );
    }
  }
  return calls;
}

/** Runs a call; ORA-31627 (success_with_info) means it succeeded and is only reported. */
async function tolerateInfo(call: Promise<void>, what: string, event: (m: string) => void): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (oracleErrorCode(err) !== DP_ERRORS.successWithInfo) throw err;
    event(`${what} succeeded with information (ORA-31627): ${errorMessage(err)}`);
  }
}

/** The DBMS_DATAPUMP calls that define a job from a plan (everything between OPEN and START_JOB). */
export async function defineJob(
  s: DataPumpSession,
  h: number,
  plan: ImportPlan,
  event: (m: string) => void = () => undefined,
): Promise<void> {
  const ok = (call: Promise<void>, what: string): Promise<void> => tolerateInfo(call, what, event);
  for (const f of plan.dumpfiles) await ok(s.addDumpFile(h, f, plan.directory), `ADD_FILE ${f}`);
  await ok(s.addLogFile(h, plan.logfile, plan.directory), `ADD_FILE ${plan.logfile}`);
  for (const r of plan.remapSchemas)
    await ok(s.metadataRemap(h, 'REMAP_SCHEMA', r.from, r.to), 'REMAP_SCHEMA');
  for (const r of plan.remapTablespaces)
    await ok(s.metadataRemap(h, 'REMAP_TABLESPACE', r.from, r.to), 'REMAP_TABLESPACE');
  if (plan.jobMode === 'SCHEMA') {
    await ok(
      s.metadataFilter(h, 'SCHEMA_EXPR', `IN (${plan.schemas.map(sqlLiteral).join(', ')})`),
      'SCHEMA_EXPR',
    );
  }
  for (const f of filterCalls(plan.filters))
    await ok(s.metadataFilter(h, f.name, f.value, f.objectPath), f.name);
  for (const t of plan.transforms) await ok(s.metadataTransform(h, t.name, t.value, t.objectType), t.name);
  await ok(s.setParameter(h, 'TABLE_EXISTS_ACTION', plan.tableExistsAction), 'TABLE_EXISTS_ACTION');
  if (plan.skipUnusableIndexes !== undefined) {
    await ok(
      s.setParameter(h, 'SKIP_UNUSABLE_INDEXES', plan.skipUnusableIndexes ? 1 : 0),
      'SKIP_UNUSABLE_INDEXES',
    );
  }
  if (plan.partitionOptions)
    await ok(s.setParameter(h, 'PARTITION_OPTIONS', plan.partitionOptions), 'PARTITION_OPTIONS');
  await ok(s.setParameter(h, 'METRICS', 1), 'METRICS');
  await ok(s.setParameter(h, 'LOGTIME', plan.logtime), 'LOGTIME');
  await ok(s.setParallel(h, plan.parallel), 'SET_PARALLEL');
}

/** The job is gone when a call raised ORA-31623 / ORA-31626. */
const gone = (err: unknown): boolean => isJobGoneCode(oracleErrorCode(err));

export class DataPumpApiEngine implements ImportEngine {
  readonly name = 'datapump-api' as const;

  constructor(private readonly openSession: () => Promise<DataPumpSession>) {}

  async run(plan: ImportPlan, options: EngineRunOptions): Promise<EngineRunResult> {
    const event = options.onEvent ?? (() => undefined);
    const s = await this.openSession();
    const goneResult = (start: StartKind, killedExisting: boolean): EngineRunResult => ({
      start,
      killedExisting,
      finalState: JOB_GONE,
      collectedLog: [],
    });
    try {
      let killedExisting = false;
      let existing = await s.findJob(plan.jobName);
      if (existing && (options.fresh || existing.state === 'DEFINING')) {
        event(
          options.fresh
            ? `--fresh: killing existing job ${existing.owner}.${existing.name} (state ${existing.state})`
            : `job ${existing.name} was left half-defined (DEFINING): killing it and starting over`,
        );
        try {
          const h = await s.attach(plan.jobName);
          await s.stopJob(h, { immediate: true, keepMaster: false });
        } catch (err) {
          if (!gone(err)) throw err; // it ended by itself meanwhile: nothing left to kill
        }
        killedExisting = true;
        existing = undefined;
      }
      if (existing && STOPPING_STATES.has(existing.state)) {
        throw new DataPumpBusyError(
          `job ${existing.owner}.${existing.name} is ${existing.state}: it is being stopped and cannot be ` +
            'restarted until it is NOT RUNNING; run the import again in a minute to restart it',
        );
      }

      let handle: number;
      let start: StartKind;
      if (existing) {
        try {
          handle = await s.attach(plan.jobName);
        } catch (err) {
          if (!gone(err)) throw err;
          event(`job ${existing.name} ended before it could be attached: its log decides`);
          return goneResult('attached', killedExisting);
        }
        start = 'attached';
        if (RESTARTABLE_STATES.has(existing.state)) {
          const restarted = await this.restartIfIdle(s, handle, existing.name, event);
          if (restarted === 'gone') return goneResult('attached', killedExisting);
          if (restarted === 'restarted') start = 'restarted';
        } else {
          event(`job ${existing.name} is ${existing.state}: attaching to watch it`);
        }
      } else if (options.resumeOnly && !options.fresh) {
        event(`job ${plan.jobName} was started by an earlier run and no longer exists: its log decides`);
        return goneResult('none', killedExisting);
      } else {
        handle = await s.open(plan.jobMode, plan.jobName);
        try {
          await defineJob(s, handle, plan, event);
          await options.beforeStart?.();
          await tolerateInfo(s.startJob(handle), 'START_JOB', event);
        } catch (err) {
          // Detaching before START_JOB drops the definition, so nothing is left behind.
          await s.detach(handle).catch(() => undefined);
          throw new DataPumpStartError(
            `starting job ${plan.jobName} failed: ${errorMessage(err)}`,
            oracleErrorCode(err),
          );
        }
        await options.afterStart?.();
        event(
          `job ${plan.jobName} started (${plan.dumpfiles.length} dump file(s), parallel ${plan.parallel})`,
        );
        start = 'opened';
      }

      const { finalState, collectedLog } = await this.watch(s, handle, options);
      return { start, killedExisting, finalState, collectedLog };
    } finally {
      await s.close().catch(() => undefined);
    }
  }

  /** After ATTACH to a NOT RUNNING/IDLING job: restart it if idle, watch it if it was only in transit. */
  private async restartIfIdle(
    s: DataPumpSession,
    handle: number,
    name: string,
    event: (m: string) => void,
  ): Promise<'restarted' | 'running' | 'gone'> {
    let probe: DataPumpStatus;
    try {
      probe = await s.getStatus(handle, 0);
    } catch (err) {
      if (gone(err)) return 'gone';
      throw err;
    }
    if (probe.state !== 'IDLING' && probe.state !== 'NOT RUNNING') {
      event(`job ${name} is ${probe.state} (it was only passing through NOT RUNNING): watching it`);
      return probe.state === 'COMPLETED' ? 'gone' : 'running';
    }
    event(`job ${name} is stopped (${probe.state}): restarting it`);
    try {
      await tolerateInfo(s.startJob(handle), 'START_JOB (restart)', event);
      return 'restarted';
    } catch (err) {
      if (gone(err)) return 'gone';
      await s.detach(handle).catch(() => undefined);
      throw new DataPumpStartError(
        `restarting job ${name} failed: ${errorMessage(err)}`,
        oracleErrorCode(err),
      );
    }
  }

  private async watch(
    s: DataPumpSession,
    handle: number,
    options: EngineRunOptions,
  ): Promise<{ finalState: string; collectedLog: string[] }> {
    const now = options.now ?? Date.now;
    const collectedLog: string[] = [];
    let nextReport = now();
    for (;;) {
      if (options.signal?.aborted)
        throw new Error('watch aborted; the Data Pump job keeps running in the database');
      // Wait inside GET_STATUS until the next progress line is due; it returns early with news.
      const waitSeconds = Math.max(0, Math.ceil((nextReport - now()) / 1000));
      let status: DataPumpStatus;
      try {
        status = await s.getStatus(handle, waitSeconds);
      } catch (err) {
        // Completed (master table dropped) between two calls, or killed by someone else.
        if (gone(err)) return { finalState: JOB_GONE, collectedLog };
        throw err;
      }
      collectedLog.push(...status.logLines);
      const final = FINAL_STATES.has(status.state);
      if (final || now() >= nextReport) {
        options.onStatus?.(status);
        nextReport = now() + options.intervalMs;
      }
      if (final) {
        await s.detach(handle).catch(() => undefined);
        return { finalState: status.state, collectedLog };
      }
    }
  }
}
