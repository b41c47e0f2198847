// Engine `impdp`: runs Oracle's impdp client (in an image that has it, e.g. the database image)
// with a generated parfile. The password never reaches argv or the environment: the generated
// parfile (mode 0600, deleted afterwards) names USERID=user@service without a password, and
// impdp's "Password:" prompt is answered on stdin. Resume logic is the datapump-api engine's,
// expressed in impdp's interactive commands after ATTACH=: START_JOB, CONTINUE_CLIENT, KILL_JOB.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ImportPlan } from './import-plan.js';
import { planAsParfileLines } from './import-plan.js';
import type { DatabaseCredentials } from './connection.js';
import { scrub } from './connection.js';
import type { DataPumpJobInfo, DataPumpStatus } from './datapump.js';
import { DataPumpBusyError, DataPumpStartError, RESTARTABLE_STATES, STOPPING_STATES } from './datapump.js';
import type { EngineRunOptions, EngineRunResult, ImportEngine, StartKind } from './datapump-api.js';
import { JOB_GONE } from './datapump-api.js';

export interface ImpdpEngineOptions {
  /** The impdp executable (default "impdp" on PATH). */
  binary: string;
  connectString: string;
  credentials: () => Promise<DatabaseCredentials>;
  /** DBA_DATAPUMP_JOBS lookup (through a thin session): decides open, attach or restart. */
  findJob: (jobName: string) => Promise<DataPumpJobInfo | undefined>;
  /** Where the generated parfile is written (default: a fresh folder under the OS temp dir). */
  workDir?: string;
  env?: NodeJS.ProcessEnv;
}

interface Invocation {
  parfileLines: string[];
  /** Interactive commands after the password (attach mode). */
  commands: string[];
}

/** impdp's periodic STATUS block (STATUS=n): the fields the progress line needs. */
export interface ImpdpStatusBlock {
  state?: string;
  bytesProcessed?: number;
  percentDone?: number;
  completedRows?: number;
  errorCount?: number;
  degree?: number;
  objectSchema?: string;
  objectName?: string;
  objectType?: string;
}

const STATUS_FIELDS: Record<string, keyof ImpdpStatusBlock> = {
  State: 'state',
  'Bytes Processed': 'bytesProcessed',
  'Percent Done': 'percentDone',
  'Completed Rows': 'completedRows',
  'Job Error Count': 'errorCount',
  'Current Parallelism': 'degree',
  'Object Schema': 'objectSchema',
  'Object Name': 'objectName',
  'Object Type': 'objectType',
};

/** Folds one stdout line into the status block; false when the line is not a status field. */
export function foldImpdpStatusLine(line: string, block: ImpdpStatusBlock): boolean {
  const m = /^\s+([A-Za-z ]+?):\s*(.*)$/.exec(line);
  const key = m ? STATUS_FIELDS[m[1]!] : undefined;
  if (!m || !key) return false;
  const value = m[2]!.trim();
  if (key === 'state' || key === 'objectSchema' || key === 'objectName' || key === 'objectType') {
    // The job's State comes first in a block; a worker's State must not override it.
    if (key === 'state' && block.state !== undefined) return true;
    block[key] = value;
  } else {
    block[key] = Number(value);
  }
  return true;
}

export function statusFromBlock(block: ImpdpStatusBlock): DataPumpStatus {
  const percentDone = block.percentDone ?? 0;
  const bytesProcessed = block.bytesProcessed ?? 0;
  const object = [block.objectType, [block.objectSchema, block.objectName].filter(Boolean).join('.')]
    .filter(Boolean)
    .join(' ');
  return {
    state: block.state ?? 'EXECUTING',
    percentDone,
    bytesProcessed,
    totalBytes: percentDone > 0 ? Math.round((bytesProcessed * 100) / percentDone) : 0,
    errorCount: block.errorCount ?? 0,
    phase: 0,
    degree: block.degree ?? 0,
    completedRows: block.completedRows ?? 0,
    ...(object ? { currentObject: object } : {}),
    logLines: [],
  };
}

/**
 * USERID=user@connect for the generated parfile (the password is answered on stdin). A TNS
 * descriptor or anything with spaces, parentheses or `#` is double-quoted; a quote or a control
 * character cannot be written safely and is refused. impdp is run without a shell, so `$(...)`
 * stays literal text.
 */
export function useridLine(username: string, connectString: string): string {
  const target = `${username}@${connectString}`;
  // eslint-disable-next-line no-control-regex
  if (/["'\u0000-\u001f\u007f]/.test(target)) {
    throw new DataPumpStartError(
      `the database user or connect string holds a quote or a control character, which cannot be written into impdp's parameter file; fix spec.database (connect string) or the credentials Secret (username)`,
    );
  }
  return `USERID=${/[\s()=,#]/.test(target) ? `"${target}"` : target}`;
}

const LOGTIME_PREFIX = /^\d{2}-[A-Z]{3}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?: (?:W-\d+ )?/;

export class ImpdpEngine implements ImportEngine {
  readonly name = 'impdp' as const;

  constructor(private readonly options: ImpdpEngineOptions) {}

  async run(plan: ImportPlan, run: EngineRunOptions): Promise<EngineRunResult> {
    const event = run.onEvent ?? (() => undefined);
    const credentials = await this.options.credentials();
    const userid = useridLine(credentials.username, this.options.connectString);
    const status = `STATUS=${Math.max(1, Math.round(run.intervalMs / 1000))}`;
    let killedExisting = false;
    let existing = await this.options.findJob(plan.jobName);

    if (existing && (run.fresh || existing.state === 'DEFINING')) {
      event(
        `${run.fresh ? '--fresh: killing' : 'killing half-defined'} job ${existing.owner}.${existing.name} (state ${existing.state})`,
      );
      const kill = await this.invoke(
        credentials,
        { parfileLines: [userid, `ATTACH=${plan.jobName}`], commands: ['KILL_JOB', 'yes'] },
        run,
      );
      if (kill.exitCode !== 0) {
        throw new DataPumpStartError(
          `impdp could not kill job ${plan.jobName} (exit ${kill.exitCode}): ${kill.lastLines}`,
        );
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
    if (!existing && run.resumeOnly && !run.fresh) {
      event(`job ${plan.jobName} was started by an earlier run and no longer exists: its log decides`);
      return { start: 'none', killedExisting, finalState: JOB_GONE, collectedLog: [] };
    }

    let start: StartKind;
    let invocation: Invocation;
    if (existing) {
      // impdp's START_JOB on a job that is only passing through NOT RUNNING is refused
      // (ORA-39004) and the client then carries on watching it, as CONTINUE_CLIENT does.
      const stopped = RESTARTABLE_STATES.has(existing.state);
      start = stopped ? 'restarted' : 'attached';
      event(
        `job ${existing.name} is ${existing.state}: attaching${stopped ? ' and restarting it' : ' to watch it'}`,
      );
      invocation = {
        parfileLines: [userid, `ATTACH=${plan.jobName}`],
        commands: [...(stopped ? ['START_JOB'] : []), status, 'CONTINUE_CLIENT'],
      };
    } else {
      start = 'opened';
      invocation = { parfileLines: [userid, ...planAsParfileLines(plan), status], commands: [] };
      // impdp defines and starts the job in one go: the record of the start comes first.
      await run.beforeStart?.();
    }
    const result = await this.invoke(credentials, invocation, run);
    if (start !== 'opened' && result.exitCode !== 0 && /\bORA-31626\b/.test(result.lines.join('\n'))) {
      // ATTACH= to a job that completed (master table dropped) in between: its log decides.
      event(`job ${plan.jobName} ended before impdp could attach: its log decides`);
      return { start, killedExisting, finalState: JOB_GONE, collectedLog: [] };
    }
    if (start === 'opened' && result.sawJob) await run.afterStart?.();
    if (result.exitCode === 1 && start === 'opened' && !result.sawJob) {
      throw new DataPumpStartError(
        `impdp refused to start job ${plan.jobName} (exit 1): ${result.lastLines}`,
      );
    }
    return {
      start,
      killedExisting,
      finalState: result.exitCode === 0 || result.exitCode === 5 ? 'COMPLETED' : 'STOPPED',
      collectedLog: result.lines,
      exitCode: result.exitCode,
    };
  }

  private async invoke(
    credentials: DatabaseCredentials,
    invocation: Invocation,
    run: EngineRunOptions,
  ): Promise<{ exitCode: number; lines: string[]; lastLines: string; sawJob: boolean }> {
    const dir = this.options.workDir ?? (await mkdtemp(path.join(os.tmpdir(), 'alma-impdp-')));
    const parfile = path.join(dir, `impdp-${process.pid}-${Date.now()}.par`);
    await writeFile(parfile, invocation.parfileLines.join('\n') + '\n', { mode: 0o600 });
    try {
      const child = spawn(this.options.binary, [`parfile=${parfile}`], {
        env: this.options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      // The prompt's answer first, then any interactive commands; then end of input.
      child.stdin.on('error', () => undefined);
      child.stdin.end([credentials.password, ...invocation.commands].join('\n') + '\n');
      const lines: string[] = [];
      let block: ImpdpStatusBlock | undefined;
      let sawJob = false;
      const consume = (raw: string): void => {
        const line = scrub(raw, credentials.password);
        if (/^(?:Starting|Restarting|Master table|Job ")/.test(line.replace(LOGTIME_PREFIX, '')))
          sawJob = true;
        // A status block starts with "Job: NAME" and ends with the next non-field line.
        if (/^Job: \S+$/.test(line.trim())) {
          block = {};
          return;
        }
        // Inside a block: indented "Key: value" lines (known ones folded), blank lines and
        // "Worker N Status:" headings; anything else ends it.
        if (
          block &&
          (line.trim() === '' || /^\s*Worker \d+ Status:\s*$/.test(line) || /^\s+\S[^:]*:/.test(line))
        ) {
          foldImpdpStatusLine(line, block);
          return;
        }
        if (block) {
          run.onStatus?.(statusFromBlock(block));
          block = undefined;
        }
        lines.push(line);
      };
      const out = createInterface({ input: child.stdout });
      out.on('line', consume);
      const err = createInterface({ input: child.stderr });
      err.on('line', consume);
      const exitCode = await new Promise<number>((resolve, reject) => {
        child.on('error', (e) =>
          reject(
            new DataPumpStartError(
              `cannot run ${this.options.binary}: ${e.message} (the impdp engine needs an image with impdp)`,
            ),
          ),
        );
        child.on('close', (code) => resolve(code ?? 1));
      });
      if (block) run.onStatus?.(statusFromBlock(block));
      const lastLines = lines
        .filter((l) => l.trim() !== '')
        .slice(-3)
        .join(' | ');
      return { exitCode, lines, lastLines, sawJob };
    } finally {
      await rm(parfile, { force: true });
      if (!this.options.workDir) await rm(dir, { recursive: true, force: true });
    }
  }
}
