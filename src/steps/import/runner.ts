// The import step: for each institution of the config, in order, build the plan from the
// delivered parfile, print and record it, run (or resume) the Data Pump job with the chosen
// engine, then judge the log. One StepResult for the whole run, a full report beside it.
import { readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../../logging.js';
import type { StepConfig, InstitutionConfig } from '../../contract/step-config.js';
import { institutionLayout } from '../../contract/step-config.js';
import type { StepOutcome, StepResult } from '../../contract/result.js';
import { UserFacingError, errorMessage } from '../../errors.js';
import { parseParfile } from '../../oracle/parfile.js';
import type {
  EngineRunOptions,
  EngineRunResult,
  ImportEngine,
  StartKind,
} from '../../oracle/datapump-api.js';
import { JOB_GONE } from '../../oracle/datapump-api.js';
import { DataPumpBusyError, DataPumpStartError } from '../../oracle/datapump.js';
import type { ClassifiedError, LogVerdict } from '../../oracle/datapump-log.js';
import { judgeLog, parseDataPumpLog } from '../../oracle/datapump-log.js';
import type { ImportPlan } from '../../oracle/import-plan.js';
import { buildImportPlan } from './plan.js';
import { planAsParfileLines } from '../../oracle/import-plan.js';
import { progressFields } from '../../contract/progress-record.js';
import { ProgressTracker, importProgressReport } from './progress.js';
import { IMPORT_EXIT } from '../../contract/exit-codes.js';
import type { JobRecord } from './job-record.js';
import {
  jobRecordPath,
  readFileNoFollow,
  readJobRecord,
  removeJobRecord,
  writeFileAtomic,
  writeJobRecord,
} from './job-record.js';
import { decideGone, recordMatches } from './resume-decide.js';
import { importExitCode } from './exit-reasons.js';

export interface RunImportOptions {
  config: StepConfig;
  engine: ImportEngine;
  logger: Logger;
  fresh?: boolean;
  /** Progress-line interval (GET_STATUS waits up to this long for news). */
  intervalMs?: number;
  /** Only build, print and record the plans. */
  dryRun?: boolean;
  signal?: AbortSignal;
  now?: () => number;
}

export interface InstitutionReport {
  institutionId: string;
  outcome: StepOutcome | 'NotRun';
  reason: string;
  message: string;
  plan?: ImportPlan;
  start?: StartKind | 'alreadyImported' | 'finishedEarlier';
  killedExisting?: boolean;
  finalState?: string;
  exitCode?: number;
  /** Where the verdict came from: the log file, or the lines watched (file unreadable). */
  logSource?: string;
  verdict?: Omit<LogVerdict, 'errors'>;
  errors?: ClassifiedError[];
  /** Distinct tables imported (partitions of one table count once): what verify compares with. */
  tablesImported?: number;
  /** Every `. . imported` line: tables and partitions. */
  tables?: { name: string; rows: number; bytes: number }[];
  watchSeconds?: number;
}

export interface ImportRun {
  result: StepResult;
  report: { engine: string; fresh: boolean; institutions: InstitutionReport[] };
  exitCode: number;
}

const DONE_SUFFIX = '.done.json';

/** Stable digest of what a plan imports (a changed delivery must not be skipped as done). */
export function planDigest(plan: ImportPlan): string {
  const { notes: _notes, ...essential } = plan;
  return createHash('sha256').update(JSON.stringify(essential)).digest('hex').slice(0, 16);
}

const writeAtomic = writeFileAtomic;

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFileNoFollow(file);
  } catch {
    return undefined;
  }
}

async function planFor(config: StepConfig, inst: InstitutionConfig): Promise<ImportPlan> {
  const layout = institutionLayout(config, inst);
  const text = await readIfExists(layout.parfilePath);
  if (text === undefined) {
    throw new UserFacingError(
      `the delivered parfile ${layout.parfilePath} is missing: run (or finish) the fetch step first`,
      'ParfileMissing',
    );
  }
  let files: string[];
  try {
    files = await readdir(layout.localDir);
  } catch {
    throw new UserFacingError(
      `the dump file folder ${layout.localDir} is missing: run (or finish) the fetch step first`,
      'DumpFilesMissing',
    );
  }
  return buildImportPlan({
    parfile: parseParfile(text, layout.parfilePath),
    config,
    institution: inst,
    availableFiles: files,
  });
}

export async function runImport(options: RunImportOptions): Promise<ImportRun> {
  const { config, engine, logger } = options;
  const fresh = options.fresh ?? false;
  const now = options.now ?? Date.now;
  const reportDir = config.institutions[0]
    ? institutionLayout(config, config.institutions[0]).reportDir
    : path.posix.join(config.stagingDir, 'reports');
  const reports: InstitutionReport[] = [];
  let stopped = false;

  for (const inst of config.institutions) {
    const id = inst.institutionId;
    const log = logger.child({ institution: id });
    if (stopped) {
      reports.push({
        institutionId: id,
        outcome: 'NotRun',
        reason: 'PreviousInstitutionFailed',
        message: 'not run',
      });
      continue;
    }
    const report: InstitutionReport = {
      institutionId: id,
      outcome: 'Failed',
      reason: 'Internal',
      message: '',
    };
    reports.push(report);
    try {
      const plan = await planFor(config, inst);
      report.plan = plan;
      log.info(
        { plan },
        `import plan for institution ${id}: job ${plan.jobName}, ${plan.dumpfiles.length} dump file(s)`,
      );
      for (const line of planAsParfileLines(plan)) log.info(`  plan: ${line}`);
      for (const note of plan.notes) log.info(`  note: ${note}`);
      await writeAtomic(path.join(reportDir, `import-plan-${id}.json`), JSON.stringify(plan, null, 2));
      if (options.dryRun) {
        Object.assign(report, {
          outcome: 'NotRun',
          reason: 'ImportPlanned',
          message: 'plan recorded (dry run): nothing was imported',
        });
        continue;
      }

      const doneFile = path.join(reportDir, `import-${id}${DONE_SUFFIX}`);
      const digest = planDigest(plan);
      const done = await readIfExists(doneFile);
      if (done !== undefined && !fresh) {
        const previous = JSON.parse(done) as { digest: string; report: InstitutionReport };
        if (previous.digest === digest) {
          log.info(
            `institution ${id} was already imported by an earlier run (same plan): skipping; --fresh re-imports`,
          );
          Object.assign(report, previous.report, { start: 'alreadyImported' });
          continue;
        }
      }

      // A job of this very plan was started before (the record): never open a second one.
      const recordFile = jobRecordPath(reportDir, id);
      if (fresh) await removeJobRecord(recordFile);
      const record = fresh ? undefined : await readJobRecord(recordFile);
      const started = recordMatches(record, plan.jobName, digest);
      const writeRecord = (phase: JobRecord['phase']) => () =>
        writeJobRecord(recordFile, {
          version: 1,
          jobName: plan.jobName,
          digest,
          engine: engine.name,
          phase,
          logfile: plan.logfileLocalPath,
          at: new Date(now()).toISOString(),
        });

      const tracker = new ProgressTracker(now);
      const started0 = now();
      const engineOptions = (resumeOnly: boolean): EngineRunOptions => ({
        fresh,
        resumeOnly,
        intervalMs: options.intervalMs ?? 30_000,
        now,
        beforeStart: writeRecord('starting'),
        afterStart: writeRecord('started'),
        ...(options.signal ? { signal: options.signal } : {}),
        onEvent: (message) => log.info(message),
        onStatus: (status) => {
          tracker.update(status);
          const fields = tracker.fields() ?? {};
          const line = tracker.line() ?? '';
          const index = config.institutions.indexOf(inst);
          log.info(
            {
              progress: fields,
              ...progressFields(importProgressReport(config.institutions, index, fields, line)),
            },
            `import ${id}: ${line}`,
          );
        },
      });
      let run: EngineRunResult = await engine.run(plan, engineOptions(started));
      let fileText = await readIfExists(plan.logfileLocalPath);
      if (run.finalState === JOB_GONE) {
        const gone = decideGone({
          jobName: plan.jobName,
          ...(started ? { record } : {}),
          ...(fileText !== undefined ? { log: parseDataPumpLog(fileText) } : {}),
          logPath: plan.logfileLocalPath,
        });
        if (gone.kind === 'vanished') {
          Object.assign(report, {
            finalState: JOB_GONE,
            reason: 'ImportVanished',
            message: `institution ${id}: ${gone.message}`,
          });
          log.error({ reason: report.reason }, report.message);
          stopped = true;
          continue;
        }
        if (gone.kind === 'open') {
          log.info(gone.note);
          run = await engine.run(plan, engineOptions(false));
          fileText = await readIfExists(plan.logfileLocalPath);
        } else if (run.start === 'none') {
          log.info(`job ${plan.jobName} finished while no run was watching it: judging it by its log`);
        }
      }
      report.start = run.start === 'none' ? 'finishedEarlier' : run.start;
      report.killedExisting = run.killedExisting;
      report.finalState = run.finalState;
      if (run.exitCode !== undefined) report.exitCode = run.exitCode;
      report.watchSeconds = Math.round((now() - started0) / 1000);

      report.logSource =
        fileText !== undefined ? plan.logfileLocalPath : 'watched lines (log file unreadable)';
      const parsed = parseDataPumpLog(fileText ?? run.collectedLog.join('\n'));
      const verdict = judgeLog(parsed, {
        schemas: [plan.schema],
        ignorableErrors: config.import.ignorableErrors,
      });
      const { errors, ...figures } = verdict;
      report.verdict = figures;
      report.errors = errors;
      report.tablesImported = verdict.tables;
      report.tables = parsed.tables.map((t) => ({
        name: `${t.owner}.${t.table}${t.partition ? `:${t.partition}` : ''}`,
        rows: t.rows,
        bytes: t.bytes,
      }));
      report.outcome = verdict.outcome;
      report.reason = verdict.reason;
      report.message = verdict.message;
      if (run.exitCode === 1 && verdict.outcome !== 'Failed') {
        report.outcome = 'Failed';
        report.reason = 'ImportStopped';
        report.message = `impdp exited with 1 (fatal) although the log reads "${verdict.reason}"; run again to resume`;
      }
      log.info(
        {
          outcome: report.outcome,
          reason: report.reason,
          expected: verdict.expectedCount,
          unexpected: verdict.unexpectedCount,
        },
        `import ${id}: ${report.outcome}: ${report.message}`,
      );
      if (report.outcome !== 'Failed') {
        await writeAtomic(doneFile, JSON.stringify({ digest, jobName: plan.jobName, report }, null, 2));
      }
    } catch (err) {
      if (err instanceof DataPumpBusyError) {
        Object.assign(report, { reason: 'ImportStopping', message: `institution ${id}: ${err.message}` });
      } else if (err instanceof DataPumpStartError) {
        Object.assign(report, { reason: 'ImportStartFailed', message: `institution ${id}: ${err.message}` });
      } else if (err instanceof UserFacingError) {
        Object.assign(report, { reason: err.reason, message: err.message });
      } else if (options.signal?.aborted) {
        Object.assign(report, {
          reason: 'ImportInterrupted',
          message: `watching institution ${id} was interrupted; the Data Pump job keeps running: run again to attach`,
        });
      } else {
        Object.assign(report, { reason: 'Internal', message: `institution ${id}: ${errorMessage(err)}` });
      }
      log.error({ reason: report.reason }, report.message);
    }
    if (report.outcome === 'Failed') stopped = true;
  }

  const run = summarize(engine.name, fresh, reports);
  // A dry run that planned every institution ran nothing: it must not read as an import.
  if (options.dryRun && run.result.outcome !== 'Failed') {
    Object.assign(run.result, {
      outcome: 'Planned',
      reason: 'ImportPlanned',
      message: `dry run: the plan of ${reports.length} institution(s) was recorded; nothing was imported`,
    });
  }
  return run;
}

function summarize(engine: string, fresh: boolean, reports: InstitutionReport[]): ImportRun {
  const failed = reports.find((r) => r.outcome === 'Failed');
  const warned = reports.find((r) => r.outcome === 'SucceededWithWarnings');
  const outcome: StepOutcome = failed ? 'Failed' : warned ? 'SucceededWithWarnings' : 'Succeeded';
  const lead = failed ?? warned ?? reports[0];
  const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const summary = {
    engine,
    institutions: reports.map((r) => ({
      institutionId: r.institutionId,
      outcome: r.outcome,
      reason: r.reason,
      ...(r.start ? { start: r.start } : {}),
      ...(r.verdict
        ? {
            expectedErrors: r.verdict.expectedCount,
            unexpectedErrors: r.verdict.unexpectedCount,
            tables: r.verdict.tables,
            rows: r.verdict.rows,
            ...(r.verdict.elapsedSeconds !== undefined ? { elapsedSeconds: r.verdict.elapsedSeconds } : {}),
          }
        : {}),
      ...(r.errors?.some((e) => e.class === 'unexpected')
        ? {
            firstUnexpected: r.errors
              .filter((e) => e.class === 'unexpected')
              .slice(0, 3)
              .map((e) => clip(`${e.code}: ${e.message}`, 160)),
          }
        : {}),
    })),
  };
  const result: StepResult = {
    version: 1,
    step: 'import',
    outcome,
    reason: failed ? failed.reason : warned ? 'ImportCompletedWithExpectedErrors' : 'ImportCompleted',
    message: lead
      ? clip(
          failed || warned ? lead.message : `${reports.length} institution(s) imported without errors`,
          1000,
        )
      : 'the configuration lists no institution',
    summary,
  };
  if (reports.length === 0) {
    Object.assign(result, { outcome: 'Failed', reason: 'ConfigInvalid' });
  }
  const exitCode =
    reports.length === 0 ? IMPORT_EXIT.usage : failed ? importExitCode(failed.reason) : IMPORT_EXIT.ok;
  return { result, report: { engine, fresh, institutions: reports }, exitCode };
}
