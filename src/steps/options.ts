// The options every step command shares, declared once so that `fetch`, `prepare`, `import` and
// `verify` spell and explain them alike (-c/--config, --termination-log, durations like the
// spec's "24h" / "90s"). Pure.
import { Option } from 'commander';
import { isDuration, parseDurationSeconds } from '../api/duration.js';
import { UserFacingError } from '../errors.js';
import { DEFAULT_CONFIG_PATH } from '../contract/step-config.js';
import { DEFAULT_TERMINATION_LOG } from '../contract/result.js';

/** -c/--config; `optional`: fetch, which also runs from flags alone when the file is absent. */
export function configOption(optional = false): Option {
  const o = new Option(
    '-c, --config <file>',
    optional
      ? `step configuration JSON (default ${DEFAULT_CONFIG_PATH} if it exists; flags override it)`
      : 'step configuration JSON',
  );
  return optional ? o : o.default(DEFAULT_CONFIG_PATH);
}

export function terminationLogOption(): Option {
  return new Option(
    '--termination-log <file>',
    `where to write the result (default ${DEFAULT_TERMINATION_LOG} when it exists, as in a pod)`,
  );
}

/** A duration flag: "90s", "30m", "1h30m" as in the spec, or a plain number of seconds. */
export function parseDurationFlag(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  if (isDuration(t)) return parseDurationSeconds(t);
  throw new UserFacingError(
    `${flag} ${JSON.stringify(text)} is not a duration: write it like the spec does (90s, 30m, 24h, 1h30m) or as seconds`,
    'InvalidFlag',
  );
}

export function durationOption(flags: string, description: string, defaultText?: string): Option {
  // Commander prints no default it does not hold: the by-hand default goes into the text.
  return new Option(
    flags,
    `${description} (a duration like 90s, 30m, 24h${defaultText ? `; default ${defaultText}` : ''})`,
  );
}
