// The frame of a step command that reads its StepConfig (prepare, verify): load the config, run
// the step, publish its result. Whatever the step throws (no config, the database unreachable, a
// bug) still ends as a Failed StepResult in the termination message, so the controller shows that
// reason and message instead of "the step's result is not JSON".
import { UserFacingError, EXIT } from '../errors.js';
import { createLogger, type Logger } from '../logging.js';
import { loadStepConfig, stepReportDir, type StepConfig } from '../contract/step-config.js';
import { failedStepResult, type StepName, type StepResult } from '../contract/result.js';
import { publishStepResult } from './publish.js';

/** The step ran and its result is Failed (the result says why). */
const STEP_FAILED_EXIT = 1;

export interface StepCommandOptions {
  config: string;
  terminationLog?: string;
}

export type StepBody = (config: StepConfig, log: Logger) => Promise<{ result: StepResult; report: unknown }>;

/** Runs `body` and publishes its result; returns the exit code (0, 1 for Failed, or the thrown error's). */
export async function runStepCommand(
  step: StepName,
  opts: StepCommandOptions,
  body: StepBody,
  baseLog: Logger = createLogger({ step }),
): Promise<number> {
  let config: StepConfig | undefined;
  let log = baseLog;
  let run: { result: StepResult; report: unknown };
  let exitCode: number;
  try {
    config = await loadStepConfig(opts.config);
    log = baseLog.child({ restore: config.restore.name });
    run = await body(config, log);
    exitCode = run.result.outcome === 'Failed' ? STEP_FAILED_EXIT : EXIT.ok;
  } catch (err) {
    run = { result: failedStepResult(step, err), report: null };
    exitCode = err instanceof UserFacingError ? err.exitCode : EXIT.internal;
  }
  const published = await publishStepResult(run.result, run.report, {
    ...(config ? { reportDir: stepReportDir(config) } : {}),
    ...(opts.terminationLog ? { terminationLogPath: opts.terminationLog } : {}),
  });
  const line = { outcome: published.outcome, reason: published.reason };
  if (published.outcome === 'Failed') log.error(line, published.message);
  else log.info(line, published.message);
  return exitCode;
}
