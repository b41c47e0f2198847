// How a step hands its result over: the full report on the staging volume (for people) and the
// termination message (for the controller, the codec in contract/result.ts). I/O at the edge of
// every step command.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, errorMessage } from '../errors.js';
import { DEFAULT_TERMINATION_LOG, encodeTerminationMessage, type StepResult } from '../contract/result.js';
import { writeFileInFolder } from './safe-fs.js';

export interface ResultSinks {
  /** Termination-message file; default DEFAULT_TERMINATION_LOG when it exists (the kubelet makes it in a pod). */
  terminationLogPath?: string;
  /** Directory for the full JSON report; `<step>-report.json` is written there atomically. */
  reportDir?: string;
}

/**
 * Writes the full report (atomically, never through a link planted on the volume) and the
 * termination message. The termination message is always written: when the report cannot be
 * (a full volume, a planted link), the message says so instead of the result being lost.
 */
export async function publishStepResult(
  result: StepResult,
  fullReport: unknown,
  sinks: ResultSinks,
): Promise<StepResult> {
  let published = result;
  if (sinks.reportDir) {
    const reportPath = path.join(sinks.reportDir, `${result.step}-report.json`);
    try {
      await writeFileInFolder(
        reportPath,
        JSON.stringify({ result, report: fullReport }, null, 2),
        EXIT.internal,
      );
      published = { ...result, reportPath };
    } catch (err) {
      published = {
        ...result,
        message: `${result.message} (the full report could not be written to ${reportPath}: ${errorMessage(err)})`,
      };
    }
  }
  // Outside a pod there is no termination log (and root must not create one in /dev): the
  // report file and the log still have the result.
  const termination =
    sinks.terminationLogPath ?? (existsSync(DEFAULT_TERMINATION_LOG) ? DEFAULT_TERMINATION_LOG : undefined);
  if (termination) await writeFile(termination, encodeTerminationMessage(published));
  return published;
}
