// Reads a Data Pump import log (impdp's LOGFILE, or the lines DBMS_DATAPUMP.GET_STATUS returns)
// into structure, and classifies its errors. Both engines and the verify step share it.
// Handles LOGTIME=ALL prefixes ("25-FEB-23 19:30:49.375: "), METRICS=YES worker tags ("W-1 "),
// non-breaking spaces (the vendor's sample has them) and restarted jobs (several Job lines).
// Pure: text in, data out.

export interface LogJob {
  owner: string;
  name: string;
}

export interface LogPhase {
  /** Object path, e.g. SCHEMA_EXPORT/TABLE/TABLE_DATA. */
  path: string;
  line: number;
  /**
   * From METRICS=YES: the phase's "Completed N TYPE objects in S seconds" total; without one, the
   * sum of its "Completed by worker W N TYPE objects ..." lines (19c prints both; not added up).
   */
  completedObjects?: number;
  seconds?: number;
}

export interface LogErrorCause {
  code: string;
  message: string;
}

export interface LogError {
  /** The heading ORA- code (ORA-39083 for "failed to create with error:"). */
  code: string;
  message: string;
  /** The ORA- lines that follow a heading ending in "error:" (ORA-02380, ORA-01919, ...). */
  causes: LogErrorCause[];
  /** From `Object type X:"S"."N"` in the heading, when present. */
  objectType?: string;
  objectName?: string;
  /** The statement after "Failing sql is:", lines joined with "\n". */
  failingSql?: string;
  /** Object path being processed when the error was logged. */
  phase?: string;
  /** Logged just before a fatal stop that a later restart ("has been reopened") got past. */
  resolvedByRestart?: boolean;
  line: number;
}

export interface ImportedTable {
  owner: string;
  table: string;
  partition?: string;
  bytes: number;
  rows: number;
  seconds?: number;
  method?: string;
  worker?: number;
  line: number;
}

export type LogOutcomeKind = 'completed' | 'completedWithErrors' | 'fatal' | 'stoppedByUser';

export interface LogOutcome {
  kind: LogOutcomeKind;
  /** N of "completed with N error(s)"; 0 for a clean completion; undefined for stops. */
  errorCount?: number;
  /** As printed, e.g. "Fri Oct 9 02:10:05 2020". */
  at: string;
  elapsedSeconds: number;
  line: number;
}

export interface DataPumpLog {
  job?: LogJob;
  /** The "Starting ..." line's parameter text (Data Pump masks the password as ********). */
  startedWith?: string;
  phases: LogPhase[];
  errors: LogError[];
  tables: ImportedTable[];
  /** The last Job line; undefined when the log ends before the job did. */
  outcome?: LogOutcome;
  /** "has been reopened" lines: how often the job was restarted. */
  restarts: number;
  /** `;;;  parfile:` echo lines, as name=value text. */
  parfileEcho: string[];
  lineCount: number;
}

const LOGTIME = /^\d{2}-[A-Z]{3}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?: ?/;
const WORKER = /^W-(\d+) ?/;
const ORA = /^(ORA-\d{5}): ?(.*)$/;
const PROCESSING = /^Processing object type (\S+)/;
const COMPLETED_OBJECTS = /^Completed (by worker \d+ )?(\d+) (\S+) objects in (\d+) seconds/;
const IMPORTED =
  /^\. \. imported "([^"]+)"\."([^"]+)"(?::"([^"]+)")?\s+([\d.]+) ([KMGT]?B)\s+(\d+) rows(?: in (\d+) seconds)?(?: using (\S+))?/;
const JOB_END =
  /^Job "([^"]+)"\."([^"]+)" (successfully completed|completed with (\d+) error\(s\)|stopped due to fatal error|stopped by user request) at (.+?) elapsed (\d+) (\d{2}):(\d{2}):(\d{2})/;
const MASTER = /^Master table "([^"]+)"\."([^"]+)" successfully loaded\/unloaded/;
const STARTING = /^(?:Starting|Restarting) "([^"]+)"\."([^"]+)": *(.*)$/;
const REOPENED = /^Job "[^"]+"\."[^"]+" has been reopened/;
const OBJECT_IN_HEADING =
  /Object type ([A-Z_ ]+?)(?::("[^"]+"(?:\."[^"]+")?(?::"[^"]+")?))? (?:failed|already exists|created)/;
const PARFILE_ECHO = /^;;;\s+parfile:\s+(.*)$/;

const UNIT: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Strips LOGTIME prefix, worker tag and non-breaking spaces; returns the bare text and worker. */
export function normalizeLogLine(raw: string): { text: string; worker?: number } {
  let text = raw.replace(/\r$/, '').replace(/\u00a0/g, ' ');
  text = text.replace(LOGTIME, '');
  const w = WORKER.exec(text);
  if (w) return { text: text.slice(w[0].length).trim(), worker: Number(w[1]) };
  return { text: text.trimEnd() };
}

function isStructural(text: string): boolean {
  return (
    ORA.test(text) ||
    PROCESSING.test(text) ||
    IMPORTED.test(text) ||
    JOB_END.test(text) ||
    COMPLETED_OBJECTS.test(text) ||
    MASTER.test(text) ||
    STARTING.test(text) ||
    REOPENED.test(text) ||
    text.startsWith(';;;')
  );
}

export function parseDataPumpLog(content: string): DataPumpLog {
  const lines = content.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const log: DataPumpLog = {
    phases: [],
    errors: [],
    tables: [],
    restarts: 0,
    parfileEcho: [],
    lineCount: lines.length,
  };
  let phase: LogPhase | undefined;
  // METRICS=YES object counts per phase: the total lines, and the per-worker lines.
  const phaseTotals = new Map<LogPhase, number>();
  const phaseWorkerSums = new Map<LogPhase, number>();
  // Errors logged since the last ordinary line; if a fatal stop follows and the job is later
  // reopened, they were the reason of that stop and the restart went past them.
  let trailingErrorsFrom = 0;
  let fatalErrors: LogError[] = [];
  // Error block state: collecting causes, then waiting for "Failing sql is:", then its SQL.
  let block: LogError | undefined;
  let blockState: 'causes' | 'afterCauses' | 'sql' | 'closed' = 'closed';
  let sqlLines: string[] = [];
  const closeBlock = (): void => {
    if (block && sqlLines.length > 0) block.failingSql = sqlLines.join('\n');
    sqlLines = [];
    block = undefined;
    blockState = 'closed';
  };

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const { text, worker } = normalizeLogLine(raw);
    const trimmed = text.trim();

    if (block && blockState !== 'closed') {
      const ora = ORA.exec(trimmed);
      if (blockState === 'causes' && ora) {
        block.causes.push({ code: ora[1]!, message: ora[2]!.trim() });
        return;
      }
      if (trimmed === '' && blockState !== 'sql') {
        blockState = 'afterCauses';
        return;
      }
      if (trimmed === 'Failing sql is:' && blockState !== 'sql') {
        blockState = 'sql';
        return;
      }
      // "..." is the vendor sample's elision mark, not SQL.
      if (blockState === 'sql' && trimmed !== '' && trimmed !== '...' && !isStructural(trimmed)) {
        sqlLines.push(trimmed);
        return;
      }
      const endsSql = blockState === 'sql' && trimmed === '';
      closeBlock();
      if (endsSql) return;
    }

    const ora = ORA.exec(trimmed);
    if (ora) {
      const message = ora[2]!.trim();
      const obj = OBJECT_IN_HEADING.exec(message);
      block = {
        code: ora[1]!,
        message,
        causes: [],
        ...(obj ? { objectType: obj[1]!.trim() } : {}),
        ...(obj?.[2] ? { objectName: obj[2] } : {}),
        ...(phase ? { phase: phase.path } : {}),
        line: lineNo,
      };
      log.errors.push(block);
      // Only a heading that announces an error ("... with error:", "... due to error:") has causes.
      blockState = /error:\s*$/.test(message) ? 'causes' : 'afterCauses';
      return;
    }
    let m: RegExpExecArray | null;
    if (trimmed !== '' && !JOB_END.test(trimmed) && !REOPENED.test(trimmed))
      trailingErrorsFrom = log.errors.length;
    if ((m = PROCESSING.exec(trimmed))) {
      phase = { path: m[1]!, line: lineNo };
      log.phases.push(phase);
    } else if ((m = COMPLETED_OBJECTS.exec(trimmed))) {
      if (phase) {
        const count = Number(m[2]);
        if (m[1] === undefined) phaseTotals.set(phase, (phaseTotals.get(phase) ?? 0) + count);
        else phaseWorkerSums.set(phase, (phaseWorkerSums.get(phase) ?? 0) + count);
        phase.completedObjects = phaseTotals.get(phase) ?? phaseWorkerSums.get(phase);
        phase.seconds = Math.max(phase.seconds ?? 0, Number(m[4]));
      }
    } else if ((m = IMPORTED.exec(trimmed))) {
      log.tables.push({
        owner: m[1]!,
        table: m[2]!,
        ...(m[3] ? { partition: m[3] } : {}),
        bytes: Math.round(Number(m[4]) * (UNIT[m[5]!] ?? 1)),
        rows: Number(m[6]),
        ...(m[7] !== undefined ? { seconds: Number(m[7]) } : {}),
        ...(m[8] ? { method: m[8] } : {}),
        ...(worker !== undefined ? { worker } : {}),
        line: lineNo,
      });
    } else if ((m = JOB_END.exec(trimmed))) {
      const verb = m[3]!;
      const kind: LogOutcomeKind = verb.startsWith('successfully')
        ? 'completed'
        : verb.startsWith('completed')
          ? 'completedWithErrors'
          : verb.includes('fatal')
            ? 'fatal'
            : 'stoppedByUser';
      log.job ??= { owner: m[1]!, name: m[2]! };
      fatalErrors = kind === 'fatal' ? log.errors.slice(trailingErrorsFrom) : [];
      log.outcome = {
        kind,
        ...(kind === 'completed' ? { errorCount: 0 } : {}),
        ...(m[4] !== undefined ? { errorCount: Number(m[4]) } : {}),
        at: m[5]!.trim(),
        elapsedSeconds: Number(m[6]) * 86400 + Number(m[7]) * 3600 + Number(m[8]) * 60 + Number(m[9]),
        line: lineNo,
      };
    } else if ((m = MASTER.exec(trimmed))) {
      log.job ??= { owner: m[1]!, name: m[2]! };
    } else if ((m = STARTING.exec(trimmed))) {
      log.job ??= { owner: m[1]!, name: m[2]! };
      if (trimmed.startsWith('Starting')) log.startedWith = m[3]!.trim();
    } else if (REOPENED.test(trimmed)) {
      log.restarts++;
      for (const e of fatalErrors) e.resolvedByRestart = true;
      fatalErrors = [];
    } else if ((m = PARFILE_ECHO.exec(trimmed))) {
      log.parfileEcho.push(m[1]!.trim());
    }
  });
  closeBlock();
  return log;
}

// ---------------------------------------------------------------------------------------------
// Classification: which errors a restore may ignore.

export type ErrorClass = 'expected' | 'unexpected';

export interface ClassifiedError extends LogError {
  class: ErrorClass;
  /** Why it was judged expected (the rule), or why unexpected. */
  rule: string;
}

export interface ClassifyOptions {
  /** Target schemas of this import (after remap), for the "user already exists" rule. */
  schemas?: string[];
  /** Extra ORA- codes to treat as expected (AlmaRestore spec.import.ignorableErrors). */
  ignorableErrors?: string[];
}

/** The roles the vendor's runbook says the source grants but a customer database lacks. */
export const VENDOR_MISSING_ROLES = ['EXL_SCHEMA', 'URM_SCHEMA', 'PLUSTRACE'];
export const VENDOR_MISSING_PROFILE = 'EXL_PROFILE';

const codes = (e: LogError): string[] => [e.code, ...e.causes.map((c) => c.code)];

/** Classifies one error block. Rules are narrow: a code alone is not enough, the object must match. */
export function classifyError(e: LogError, options: ClassifyOptions = {}): ClassifiedError {
  const cause = (code: string): LogErrorCause | undefined => e.causes.find((c) => c.code === code);
  if (e.code === 'ORA-39083') {
    const profile = cause('ORA-02380');
    if (profile && new RegExp(`\\bprofile ${VENDOR_MISSING_PROFILE} does not exist`).test(profile.message)) {
      return {
        ...e,
        class: 'expected',
        rule: `vendor: profile ${VENDOR_MISSING_PROFILE} is not part of the backup`,
      };
    }
    const role = cause('ORA-01919');
    const roleName = role && /role '([^']+)' does not exist/.exec(role.message)?.[1];
    if (roleName && VENDOR_MISSING_ROLES.includes(roleName)) {
      return { ...e, class: 'expected', rule: `vendor: role ${roleName} is not part of the backup` };
    }
  }
  if (e.code === 'ORA-31684' && e.objectType === 'USER') {
    const user = e.objectName?.replace(/"/g, '');
    const targets = (options.schemas ?? []).map((s) => s.toUpperCase());
    if (user && (targets.length === 0 || targets.includes(user.toUpperCase()))) {
      return { ...e, class: 'expected', rule: `the prepare step created user ${user} before the import` };
    }
  }
  if (e.resolvedByRestart) {
    return { ...e, class: 'expected', rule: 'the job stopped on this error and was restarted past it' };
  }
  const extra = (options.ignorableErrors ?? []).map((c) => c.trim().toUpperCase());
  const listed = codes(e).find((c) => extra.includes(c));
  if (listed) return { ...e, class: 'expected', rule: `${listed} is listed in spec.import.ignorableErrors` };
  return { ...e, class: 'unexpected', rule: 'not a known harmless error' };
}

export type ImportOutcome = 'Succeeded' | 'SucceededWithWarnings' | 'Failed';

export interface LogVerdict {
  outcome: ImportOutcome;
  /** CamelCase reason for the step result. */
  reason: string;
  message: string;
  errors: ClassifiedError[];
  expectedCount: number;
  unexpectedCount: number;
  tables: number;
  partitions: number;
  rows: number;
  bytes: number;
  elapsedSeconds?: number;
}

/**
 * The verdict on one import from its log: Succeeded (completed, no error), SucceededWithWarnings
 * (completed, only expected errors), Failed (any unexpected error, a stop, or no end line). When
 * the Job line counts more errors than the log shows, the difference counts as unexpected.
 */
export function judgeLog(log: DataPumpLog, options: ClassifyOptions = {}): LogVerdict {
  const errors = log.errors.map((e) => classifyError(e, options));
  const reported = log.outcome?.errorCount;
  if (reported !== undefined && reported > errors.length) {
    errors.push({
      code: 'ORA-00000',
      message: `Data Pump reported ${reported} error(s) but the log shows only ${log.errors.length}`,
      causes: [],
      line: log.outcome?.line ?? 0,
      class: 'unexpected',
      rule: 'errors counted by Data Pump but missing from the log',
    });
  }
  const expectedCount = errors.filter((e) => e.class === 'expected').length;
  const unexpectedCount = errors.length - expectedCount;
  const tableKeys = new Set(log.tables.map((t) => `${t.owner}.${t.table}`));
  const figures = {
    errors,
    expectedCount,
    unexpectedCount,
    tables: tableKeys.size,
    partitions: log.tables.filter((t) => t.partition !== undefined).length,
    rows: log.tables.reduce((n, t) => n + t.rows, 0),
    bytes: log.tables.reduce((n, t) => n + t.bytes, 0),
    ...(log.outcome ? { elapsedSeconds: log.outcome.elapsedSeconds } : {}),
  };
  const job = log.job ? `${log.job.owner}.${log.job.name}` : 'the Data Pump job';
  const firstUnexpected = errors.find((e) => e.class === 'unexpected');
  const describe = (e: ClassifiedError): string =>
    `${e.code}: ${e.message}${e.causes[0] ? ` (${e.causes[0].code}: ${e.causes[0].message})` : ''}`;
  if (!log.outcome) {
    return {
      outcome: 'Failed',
      reason: 'ImportIncomplete',
      message: `the log of ${job} ends before the job did (no "Job ... completed" line)`,
      ...figures,
    };
  }
  if (log.outcome.kind === 'fatal' || log.outcome.kind === 'stoppedByUser') {
    return {
      outcome: 'Failed',
      reason: log.outcome.kind === 'fatal' ? 'ImportStoppedFatal' : 'ImportStopped',
      message:
        `${job} ${log.outcome.kind === 'fatal' ? 'stopped due to a fatal error' : 'was stopped by a user'} ` +
        `after ${log.outcome.elapsedSeconds} s` +
        (firstUnexpected ? `: ${describe(firstUnexpected)}` : '') +
        '; run the import again to resume it',
      ...figures,
    };
  }
  if (unexpectedCount > 0) {
    return {
      outcome: 'Failed',
      reason: 'ImportCompletedWithErrors',
      message:
        `${job} completed with ${unexpectedCount} unexpected error(s)` +
        (expectedCount ? ` and ${expectedCount} expected` : '') +
        `; first: ${describe(firstUnexpected!)}`,
      ...figures,
    };
  }
  if (expectedCount > 0) {
    return {
      outcome: 'SucceededWithWarnings',
      reason: 'ImportCompletedWithExpectedErrors',
      message: `${job} completed; its ${expectedCount} error(s) are all known to be harmless`,
      ...figures,
    };
  }
  return {
    outcome: 'Succeeded',
    reason: 'ImportCompleted',
    message: `${job} completed without errors`,
    ...figures,
  };
}
