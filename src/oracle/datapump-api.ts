// Engine `datapump-api`: drives DBMS_DATAPUMP through a DataPumpSession, so the job runs inside
// the database and outlives this pod. Resume rules, keyed on the plan's deterministic job name:
//   - no job of that name: OPEN, define from the plan, START_JOB;
//   - a job running (a previous pod died while it ran): ATTACH and watch it;
//   - a job stopped (fatal error, instance restart, STOP_JOB): ATTACH and START_JOB resumes it;
//   - a job still DEFINING (left half-defined): it can hold nothing, kill it and start over;
//   - `fresh`: kill any existing job (STOP_JOB immediate, master table dropped), then start over.
import type { ImportPlan } from '../steps/import/plan.js';
import type { DataPumpSession, DataPumpStatus } from './datapump.js';
import { DataPumpStartError, FINAL_STATES, RUNNING_STATES, STOPPED_STATES } from './datapump.js';
import { errorMessage } from '../errors.js';
import { oracleErrorCode } from './connection.js';

export type StartKind = 'opened' | 'attached' | 'restarted';

export interface EngineRunOptions {
  /** Kill an existing job of the plan's name and start over. */
  fresh: boolean;
  /** Poll (and progress) interval. */
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
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
  /** Last GET_STATUS state (COMPLETED, STOPPED, NOT RUNNING) or impdp's end. */
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

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The DBMS_DATAPUMP calls that define a job from a plan (everything between OPEN and START_JOB). */
export async function defineJob(s: DataPumpSession, h: number, plan: ImportPlan): Promise<void> {
  for (const f of plan.dumpfiles) await s.addDumpFile(h, f, plan.directory);
  await s.addLogFile(h, plan.logfile, plan.directory);
  for (const r of plan.remapSchemas) await s.metadataRemap(h, 'REMAP_SCHEMA', r.from, r.to);
  for (const r of plan.remapTablespaces) await s.metadataRemap(h, 'REMAP_TABLESPACE', r.from, r.to);
  if (plan.jobMode === 'SCHEMA') {
    await s.metadataFilter(h, 'SCHEMA_EXPR', `IN (${plan.schemas.map(sqlLiteral).join(', ')})`);
  }
  for (const f of plan.filters) {
    if (f.nameClause === undefined) {
      await s.metadataFilter(
        h,
        f.kind === 'exclude' ? 'EXCLUDE_PATH_EXPR' : 'INCLUDE_PATH_EXPR',
        `IN (${sqlLiteral(f.objectType)})`,
      );
    } else {
      await s.metadataFilter(
        h,
        f.kind === 'exclude' ? 'EXCLUDE_NAME_EXPR' : 'NAME_EXPR',
        f.nameClause,
        f.objectType,
      );
    }
  }
  for (const t of plan.transforms) await s.metadataTransform(h, t.name, t.value, t.objectType);
  await s.setParameter(h, 'TABLE_EXISTS_ACTION', plan.tableExistsAction);
  if (plan.skipUnusableIndexes !== undefined) {
    await s.setParameter(h, 'SKIP_UNUSABLE_INDEXES', plan.skipUnusableIndexes ? 1 : 0);
  }
  if (plan.partitionOptions) await s.setParameter(h, 'PARTITION_OPTIONS', plan.partitionOptions);
  await s.setParameter(h, 'METRICS', 1);
  await s.setParameter(h, 'LOGTIME', plan.logtime);
  await s.setParallel(h, plan.parallel);
}

/** A SQL string literal (for filter expressions, which DBMS_DATAPUMP takes as text). */
function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export class DataPumpApiEngine implements ImportEngine {
  readonly name = 'datapump-api' as const;

  constructor(private readonly openSession: () => Promise<DataPumpSession>) {}

  async run(plan: ImportPlan, options: EngineRunOptions): Promise<EngineRunResult> {
    const event = options.onEvent ?? (() => undefined);
    const s = await this.openSession();
    try {
      let killedExisting = false;
      let existing = await s.findJob(plan.jobName);
      if (existing && (options.fresh || existing.state === 'DEFINING')) {
        event(
          options.fresh
            ? `--fresh: killing existing job ${existing.owner}.${existing.name} (state ${existing.state})`
            : `job ${existing.name} was left half-defined (DEFINING): killing it and starting over`,
        );
        const h = await s.attach(plan.jobName);
        await s.stopJob(h, { immediate: true, keepMaster: false });
        killedExisting = true;
        existing = undefined;
      }

      let handle: number;
      let start: StartKind;
      if (existing) {
        handle = await s.attach(plan.jobName);
        if (STOPPED_STATES.has(existing.state)) {
          event(`job ${existing.name} is stopped (${existing.state}): attaching and restarting it`);
          try {
            await s.startJob(handle);
          } catch (err) {
            await s.detach(handle).catch(() => undefined);
            throw new DataPumpStartError(
              `restarting job ${plan.jobName} failed: ${errorMessage(err)}`,
              oracleErrorCode(err),
            );
          }
          start = 'restarted';
        } else {
          event(
            `job ${existing.name} is ${RUNNING_STATES.has(existing.state) ? 'running' : `in state ${existing.state}`}: attaching to watch it`,
          );
          start = 'attached';
        }
      } else {
        handle = await s.open(plan.jobMode, plan.jobName);
        try {
          await defineJob(s, handle, plan);
          await s.startJob(handle);
        } catch (err) {
          // Detaching before START_JOB drops the definition, so nothing is left behind.
          await s.detach(handle).catch(() => undefined);
          throw new DataPumpStartError(
            `starting job ${plan.jobName} failed: ${errorMessage(err)}`,
            oracleErrorCode(err),
          );
        }
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

  private async watch(
    s: DataPumpSession,
    handle: number,
    options: EngineRunOptions,
  ): Promise<{ finalState: string; collectedLog: string[] }> {
    const sleep = options.sleep ?? defaultSleep;
    const collectedLog: string[] = [];
    for (;;) {
      if (options.signal?.aborted)
        throw new Error('watch aborted; the Data Pump job keeps running in the database');
      const status = await s.getStatus(handle);
      collectedLog.push(...status.logLines);
      options.onStatus?.(status);
      if (FINAL_STATES.has(status.state)) {
        await s.detach(handle).catch(() => undefined);
        return { finalState: status.state, collectedLog };
      }
      await sleep(options.intervalMs);
    }
  }
}
