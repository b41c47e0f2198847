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
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
