// The texts the Oracle doubles replay: error messages and log lines, from
// test/fixtures/oracle/datapump/messages.json. The file ships derived from Oracle's documentation;
// scripts/record-oracle-fixtures.ts rewrites it with what a real 19c says, and the doubles then
// replay that. One place, so a recorded fixture changes every double at once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DATAPUMP_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/oracle/datapump/', import.meta.url));

interface MessagesFile {
  source: string;
  recorded: boolean;
  errors: Record<string, string>;
  log: Record<string, string>;
}

let cache: MessagesFile | undefined;

export function dataPumpMessages(): MessagesFile {
  cache ??= JSON.parse(readFileSync(`${DATAPUMP_FIXTURE_DIR}messages.json`, 'utf8')) as MessagesFile;
  return cache;
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_m, k: string) => String(values[k] ?? `{${k}}`));
}

/** Oracle's error text for a code, e.g. oracleError('ORA-31623'); extra lines follow it. */
export function oracleError(
  code: string,
  values: Record<string, string | number> = {},
  ...more: string[]
): Error {
  const text = dataPumpMessages().errors[code];
  if (!text) throw new Error(`no fixture text for ${code} in messages.json`);
  return new Error([fill(text, values), ...more].join('\n'));
}

/** A log line by its fixture key, e.g. logLine('tableExistsSkip', { owner, table }). */
export function logLine(key: string, values: Record<string, string | number>): string {
  const text = dataPumpMessages().log[key];
  if (!text) throw new Error(`no fixture log line "${key}" in messages.json`);
  return fill(text, values);
}
