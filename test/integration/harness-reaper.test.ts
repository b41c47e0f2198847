// The reaper every harness process runs under (support/processes.ts): it must stop its process
// when the test process dies without cleaning up (SIGKILL), and cost nothing while it waits (no
// polling loop forking a `sleep` every half second, as it once did for every sshd, etcd and API
// server of the run).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../support/control-plane.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the harness reaper', () => {
  it('stops its process when the test process is SIGKILLed, and forks nothing while it waits', async () => {
    const owner = spawn(process.execPath, ['--import', 'tsx', 'test/support/managed-sleeper.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    owner.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('managed-sleeper to print its reaper', async () => /reaper \d+/.test(out), 60_000, 100);
      const reaper = Number(/reaper (\d+)/.exec(out)![1]);
      // Over two seconds the reaper's children are the same two: the process and the watcher.
      const seen = new Set<number>();
      for (let i = 0; i < 10; i++) {
        for (const pid of childrenOf(reaper)) seen.add(pid);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(seen.size, 2, `the reaper's children over 2 s: ${[...seen].join(', ')}`);
      const sleeper = [...seen].find((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/usr/bin/sleep'),
      );
      assert.ok(sleeper, 'the managed process runs');
      owner.kill('SIGKILL');
      await waitFor(`the managed process ${sleeper} to be stopped`, async () => !alive(sleeper), 10_000, 100);
      await waitFor(`the reaper ${reaper} to exit`, async () => !alive(reaper), 10_000, 100);
    } finally {
      owner.kill('SIGKILL');
    }
  });
});
