// The harness and the build script fail fast, with one actionable line, when a prerequisite is
// missing or a port is taken: never a hang, never a silently skipped suite.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findBinDir } from '../support/control-plane.js';
import { startManagedProcess } from '../support/processes.js';

const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/build-test-binaries.sh');

function runScript(env: NodeJS.ProcessEnv, args: string[] = []) {
  return spawnSync('bash', [SCRIPT, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('harness prerequisites and failures', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  after(() => {
    // The hung readiness probe's connection would keep this test process alive.
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  it('says which Go is missing and exits non-zero', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'alma-nogo-'));
    const r = runScript({ ALMA_GO: '/nonexistent/go', ALMA_TEST_BIN_CACHE: cache });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(r.stderr, /no Go toolchain \(\/nonexistent\/go\) on PATH: install Go/);
  });

  it('names the Go module proxy when a module download fails', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'alma-noproxy-'));
    const modcache = await mkdtemp(path.join(os.tmpdir(), 'alma-nomod-'));
    const r = runScript({
      GOPROXY: 'off',
      GOMODCACHE: modcache,
      GOFLAGS: '-modcacherw',
      ALMA_TEST_BIN_CACHE: cache,
    });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr.trim().split('\n').pop()!,
      /^build-test-binaries: go get etcd v3\.6\.16 failed: is the Go module proxy reachable\? GOPROXY=off$/,
    );
  });

  it('says how to build the binaries when the cache lacks them', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'alma-empty-'));
    const r = runScript({ ALMA_TEST_BIN_CACHE: cache }, ['--print-dir']);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /missing .*\/etcd: run 'bash scripts\/build-test-binaries.sh' once/);
  });

  it('reports a port clash with the process name and its own message, at once', async () => {
    // Someone else's server on the port: accepts, never answers (so the probe also hangs).
    const taken = createServer((socket) => sockets.push(socket));
    servers.push(taken);
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alma-clash-'));
    const bin = await findBinDir();
    await assert.rejects(
      startManagedProcess({
        name: 'etcd',
        command: path.join(bin, 'etcd'),
        args: [
          `--data-dir=${path.join(dir, 'etcd')}`,
          `--listen-client-urls=http://127.0.0.1:${port}`,
          `--advertise-client-urls=http://127.0.0.1:${port}`,
          '--listen-peer-urls=http://127.0.0.1:0',
        ],
        logFile: path.join(dir, 'etcd.log'),
        ready: async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
        readyTimeoutMs: 30_000,
      }),
      /etcd exited with code \d+ before it was ready:[\s\S]*address already in use/,
    );
  });
});
