// Runs `alma-restore controller` as a real child process against the test control plane, so
// tests can kill it (SIGKILL: a crash) or stop it (SIGTERM) at any instant.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { freePort, waitFor } from './control-plane.js';
import { cliArgs } from './cli-entry.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const RUNNER_IMAGE = 'registry.example.test/alma-restore-operator:test';

// Controllers still running when the test process exits are killed with it (one listener for all).
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ControllerProcess {
  port: number;
  child: ChildProcess;
  logFile: string;
  metrics(): Promise<string>;
  kill(): Promise<void>;
  stop(): Promise<number | null>;
}

export async function startController(opts: {
  kubeconfigPath: string;
  namespace: string;
  args?: string[];
  logDir: string;
  name?: string;
  /** node's arguments that run the CLI: by default dist/cli.js (see cli-entry.ts); `BENCH_CONTROLLER=tsx` passes the sources. */
  cli?: string[];
  /** Extra environment (the bench: the chart's NODE_OPTIONS and MALLOC_ARENA_MAX). */
  env?: Record<string, string>;
}): Promise<ControllerProcess> {
  const port = await freePort();
  const logFile = path.join(opts.logDir, `controller-${opts.name ?? 'a'}-${port}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [
      ...(opts.cli ?? cliArgs()),
      'controller',
      `--watch-namespace=${opts.namespace}`,
      `--metrics-bind-address=127.0.0.1:${port}`,
      `--runner-image=${RUNNER_IMAGE}`,
      ...(opts.args ?? []),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG: opts.kubeconfigPath, LOG_LEVEL: 'debug', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  running.add(child);
  void exited.then(() => running.delete(child));
  await waitFor(`controller to serve /readyz on ${port} (log: ${logFile})`, async () => {
    if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}; see ${logFile}`);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return res.ok;
  });
  return {
    port,
    child,
    logFile,
    metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
