// The one frame of the four step commands (fetch, prepare, import, verify): load what the step
// needs (its StepConfig, flags), run it, map whatever it throws to a Failed StepResult and an
// exit code, publish the result (termination message + report file) and log how it ended. So a
// step that never got going (no config, the database unreachable, a bug) still ends with a result
// the controller reads, instead of "the step's result is not JSON", and all four end alike.
// Exit codes: the step's own (contract/exit-codes.ts) when it returns one, else 0, or 1 for a
// Failed result; a thrown UserFacingError keeps its exit code, anything else is 1 (internal).
import { UserFacingError, EXIT, errorMessage } from '../errors.js';
import type { Logger } from '../logging.js';
import { STEP_EXIT } from '../contract/exit-codes.js';
import { failedStepResult, type StepName, type StepResult } from '../contract/result.js';
import { publishStepResult, type ResultSinks } from './publish.js';

/** What a step run hands to the frame. */
export interface StepRun {
  result: StepResult;
  /** The full report (the report file's `report`). */
  report: unknown;
  /** The step's own exit code; default: 1 for a Failed result, else 0. */
  exitCode?: number;
}

export interface StepFrame<S> {
  step: StepName;
  log: Logger;
  /** Reads the config and flags; what it throws ends the step like a failed run. */
  load: () => Promise<S>;
  run: (loaded: S, log: Logger) => Promise<StepRun>;
  /** Names the restore in every log line once the config is read. */
  restoreName?: (loaded: S) => string | undefined;
  /** Where the result goes; `loaded` is undefined when loading failed. */
  sinks: (loaded: S | undefined) => ResultSinks;
  /** After a throw: the Failed result's summary and the report written beside it (default: {} and none). */
  onThrow?: (
    exitCode: number,
    loaded: S | undefined,
  ) => { summary: Record<string, unknown>; report?: unknown };
  /** Also prints the published result as one JSON line (fetch, import: for people running them by hand). */
  print?: (line: string) => void;
}

/** Runs one step command from start to end; returns its exit code. Never throws. */
export async function runStep<S>(frame: StepFrame<S>): Promise<number> {
  let log = frame.log;
  let loaded: S | undefined;
  let run: StepRun;
  let exitCode: number;
  try {
    loaded = await frame.load();
    const restore = frame.restoreName?.(loaded);
    if (restore) log = log.child({ restore });
    run = await frame.run(loaded, log);
    exitCode = run.exitCode ?? (run.result.outcome === 'Failed' ? STEP_EXIT.failed : STEP_EXIT.ok);
  } catch (err) {
    const known = err instanceof UserFacingError;
    exitCode = known ? err.exitCode : EXIT.internal;
    const failure = frame.onThrow?.(exitCode, loaded) ?? { summary: {} };
    run = { result: failedStepResult(frame.step, err, failure.summary), report: failure.report ?? null };
    if (!known && err instanceof Error) log.debug({ stack: err.stack }, 'stack');
  }
  let published = run.result;
  try {
    published = await publishStepResult(run.result, run.report, frame.sinks(loaded));
  } catch (err) {
    log.error({ err: errorMessage(err) }, `could not write the ${frame.step} result`);
  }
  const line = { outcome: published.outcome, reason: published.reason, exitCode };
  if (published.outcome === 'Failed') log.error(line, published.message);
  else log.info(line, published.message);
  frame.print?.(JSON.stringify(published) + '\n');
  return exitCode;
}

/** The -c/--config and --termination-log options of the steps that read a StepConfig. */
export interface StepCommandOptions {
  config: string;
  terminationLog?: string;
}

/** Where the termination message goes: the flag, or (unset) the kubelet's file when it exists. */
export function terminationSink(file: string | undefined): ResultSinks {
  return file ? { terminationLogPath: file } : {};
}
