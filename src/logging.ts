// One pino logger for every command. Secrets never reach a log line: the redact paths cover
// every field name we use for credentials, at any of the first two nesting levels.
import { pino, type Logger } from 'pino';

const SECRET_KEYS = [
  'password',
  'passphrase',
  'privateKey',
  'private_key',
  'token',
  'authorization',
  'connectString',
  'webhookUrl',
  'adminPassword',
  'schemaPassword',
];

export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(
  bindings: Record<string, unknown> = {},
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { ...bindings },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  // Synchronous writes to stdout: a line is out before the next statement runs, so a step's
  // result (printed after its last log line) is the last line of stdout, and process.exit()
  // loses nothing. Our commands log a few lines a second at most.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

export type { Logger };
