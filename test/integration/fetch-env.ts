// Shared set-up for the fetch tests: a real sshd, a credentials directory, and a runner that calls
// the fetch command in-process with a captured log and a fast retry policy.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging.js';
import { fetchCommand } from '../../src/steps/fetch/command.js';
import type { FetchFlags } from '../../src/steps/fetch/options.js';
import type { FetchDeps } from '../../src/steps/fetch/run.js';
import type { StepResult } from '../../src/contract/result.js';
import { SFTP_TEST_PASSWORD, startSshd, type SshdServer } from '../support/sshd.js';

export const PASSWORD = SFTP_TEST_PASSWORD;

export interface FetchEnv {
  root: string;
  server: SshdServer;
  /** A fresh directory under root. */
  dir(name: string): string;
  credentials(kind: 'password' | 'key', pin?: string, overrides?: Record<string, string>): string;
}

export async function fetchEnv(): Promise<FetchEnv> {
  mkdirSync('/tmp/alma-fetch-tests', { recursive: true });
  const root = mkdtempSync('/tmp/alma-fetch-tests/run-');
  const server = await startSshd({ dir: path.join(root, 'sshd'), passwordLogin: true });
  let n = 0;
  return {
    root,
    server,
    dir: (name) => {
      const d = path.join(root, `${name}-${n++}`);
      mkdirSync(d, { recursive: true });
      return d;
    },
    credentials(kind, pin, overrides = {}) {
      const d = path.join(root, `creds-${n++}`);
      mkdirSync(d);
      writeFileSync(path.join(d, 'username'), server.user + '\n');
      if (kind === 'password') writeFileSync(path.join(d, 'password'), PASSWORD + '\n');
      else writeFileSync(path.join(d, 'privateKey'), server.clientPrivateKey);
      writeFileSync(path.join(d, 'knownHosts'), (pin ?? server.knownHostsLine) + '\n');
      for (const [k, v] of Object.entries(overrides)) writeFileSync(path.join(d, k), v);
      return d;
    },
  };
}

let terminations = 0;

export interface FetchRun {
  code: number;
  result: StepResult;
  logs: Record<string, unknown>[];
  report: { result: StepResult; report: unknown } | undefined;
}

/** Runs `alma-restore fetch` in-process; the log is captured, the result read back from disk. */
export async function runFetchCommand(
  flags: FetchFlags,
  deps: Partial<FetchDeps> = {},
  onLog?: (line: Record<string, unknown>) => void,
): Promise<FetchRun> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const obj = JSON.parse(line) as Record<string, unknown>;
        logs.push(obj);
        onLog?.(obj);
      }
      cb();
    },
  });
  const terminationLog = `/tmp/alma-fetch-tests/termination-${process.pid}-${terminations++}`;
  const code = await fetchCommand(
    { progressInterval: '0', stableFor: '0', terminationLog, ...flags },
    {
      log: createLogger({ step: 'fetch' }, sink),
      retry: { retries: 3, minTimeoutMs: 50, maxTimeoutMs: 400 },
      pollMs: 50,
      print: () => undefined,
      ...deps,
    },
  );
  const result = JSON.parse(readFileSync(terminationLog, 'utf8')) as StepResult;
  rmSync(terminationLog);
  let report: FetchRun['report'];
  if (result.reportPath) report = JSON.parse(readFileSync(result.reportPath, 'utf8')) as FetchRun['report'];
  return { code, result, logs, report };
}
