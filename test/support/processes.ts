// Child processes of the test harness (etcd, kube-apiserver, sshd, ...). Each runs under a small
// bash reaper that kills it when the test process disappears, even after SIGKILL or Ctrl-C, so a
// crashed run leaves no orphan process or port behind.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';

// The reaper's stdin is a pipe whose only writer is the test process: the kernel closes it when
// that process ends, however it ends, and the blocked `read` returns. (It used to poll the parent
// with `kill -0` and `sleep 0.5`: a process exec every half second per child, about a minute and
// a half of CPU in a run of the suite.)
const REAPER = `
exec 3<&0
"$@" & child=$!
( read -r _ <&3; kill -TERM $child 2>/dev/null; sleep 3; kill -KILL $child 2>/dev/null ) &
watcher=$!
trap 'kill $watcher 2>/dev/null; kill -TERM $child 2>/dev/null; wait $child; exit $?' TERM INT
wait $child; code=$?
kill $watcher 2>/dev/null
exit $code
`;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGTERM');
});

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves true once the process serves; errors count as "not yet". */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Hard kill (a crash). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | false> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function startManagedProcess(spec: ProcessSpec): Promise<ManagedProcess> {
  if (!existsSync(spec.command)) throw new Error(`${spec.name}: ${spec.command} does not exist`);
  const fd = openSync(spec.logFile, 'a');
  const child = spawn('bash', ['-c', REAPER, 'reaper', spec.command, ...spec.args], {
    stdio: ['pipe', fd, fd],
    env: spec.env ?? process.env,
  });
  closeSync(fd);
  live.add(child);
  // The harness must not keep a finished test process alive: the exit handler above (and the
  // reaper, should that not run) stops the child.
  child.unref();
  (child.stdin as unknown as Socket).unref();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));

  const stop = async (graceMs = 20_000) => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (exitCode !== undefined) return;
    // Kill the real process (the reaper's child) hard, then the reaper.
    spawn('pkill', ['-KILL', '-P', String(child.pid)]);
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await exited;
  };

  const deadline = Date.now() + (spec.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(
        `${spec.name} exited with code ${exitCode} before it was ready:\n${tail(spec.logFile)}`,
      );
    }
    try {
      // A probe that hangs (e.g. someone else's server on the port) must not hang the harness.
      if (await withTimeout(spec.ready(), 2000))
        return { name: spec.name, pid: child.pid ?? -1, stop, kill, exited };
    } catch {
      // not ready yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop(2000);
  throw new Error(
    `${spec.name} was not ready after ${(spec.readyTimeoutMs ?? 60_000) / 1000}s:\n${tail(spec.logFile)}`,
  );
}
