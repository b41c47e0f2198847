// Every step process ends once its result is written, whatever is still in flight: the CLI runs
// as a real child process (dist/cli.js), against the real OpenSSH server, and the test watches the process
// itself, not a function's return.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildDelivery } from '../support/delivery.js';
import { startThrottleProxy } from '../support/throttle-proxy.js';
import { fetchEnvForFile } from './fetch-env.js';
import { cliArgs } from '../support/cli-entry.js';

const C = '3975';
const ROOT = path.resolve(import.meta.dirname, '../..');
/** How long a process may live on after writing its result. */
const EXIT_GRACE_MS = 5000;

const env = fetchEnvForFile();

interface Watched {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

function startCli(args: string[], nodeArgs: string[] = []): Watched {
  const child = spawn(process.execPath, [...nodeArgs, ...cliArgs(), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

/** Waits until `file` holds a result, or the process exits; says what it saw last. */
async function waitForResult(w: Watched, file: string, limitMs = 120_000): Promise<number> {
  const deadline = Date.now() + limitMs;
  let ended = false;
  void w.exited.then(() => (ended = true));
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() !== '') return Date.now();
    if (ended) throw new Error(`the process exited without writing ${file}; output:\n${w.output()}`);
    if (Date.now() > deadline) {
      w.child.kill('SIGKILL');
      throw new Error(`no result in ${file} after ${limitMs} ms; output:\n${w.output().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The process must end within EXIT_GRACE_MS of writing its result. */
async function assertExitsSoon(w: Watched, resultAt: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, resultAt + EXIT_GRACE_MS - Date.now()));
  });
  const outcome = await Promise.race([w.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    w.child.kill('SIGKILL');
    assert.fail(
      `${what}: the process was still alive ${EXIT_GRACE_MS} ms after writing its result; last output:\n` +
        w.output().slice(-1500),
    );
  }
  return outcome;
}

describe('step processes end once their result is written', () => {
  test('fetch: a corrupt part while reads are in flight ends the process within seconds', async () => {
    const drop = env.dir('drop');
    // Incompressible dump data and small parts: the corruption is found in part 2 while the
    // reader still has up to 16 reads of parts 2..n in flight.
    const built = buildDelivery({
      dir: drop,
      customerId: C,
      institutions: [{ institutionId: '3978', dumpFiles: 2, dumpBytes: 6 << 20 }],
      partBytes: 1 << 20,
      randomQuarters: 4,
    });
    const parts = built[0]?.parts ?? [];
    assert.ok(parts.length >= 8, `several parts (${parts.length})`);
    const second = path.join(drop, parts[1] ?? '');
    const bytes = readFileSync(second);
    for (let i = 100; i < 4000; i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
    writeFileSync(second, bytes);
    const staging = env.dir('staging');
    const termination = path.join(staging, '..', `term-${path.basename(staging)}`);
    // Through a paced link (4 MiB/s), reads are always in flight when gunzip finds the damage.
    const proxy = await startThrottleProxy(env.server, 4 << 20);
    const knownHosts = env.server.knownHostsLine.replace(/^\S+/, `[127.0.0.1]:${proxy.port}`);
    const w = startCli([
      'fetch',
      '--host',
      '127.0.0.1',
      '--port',
      String(proxy.port),
      '--directory',
      drop,
      '--customer',
      C,
      '--institution',
      '3978',
      '--dest',
      staging,
      '--stable-for',
      '0',
      '--reserve',
      '0',
      '--credentials-dir',
      env.credentials('password', knownHosts),
      '--termination-log',
      termination,
    ]);
    const at = await waitForResult(w, termination);
    const result = JSON.parse(readFileSync(termination, 'utf8')) as { reason: string };
    assert.equal(result.reason, 'DeliveryCorrupt', readFileSync(termination, 'utf8'));
    const code = await assertExitsSoon(w, at, 'fetch with a corrupt part');
    assert.equal(code, 11, w.output().slice(-1500));
    assert.doesNotMatch(w.output(), /connection lost; reconnecting/, 'no reconnect after the failure');
    assert.equal(proxy.connections(), 1, 'one SFTP connection, none opened after the failure');
    await proxy.close();
  });

  // A handle that would keep any Node process alive for ever (a socket, a timer): the frame of
  // every step command must still end the process after publishing the result.
  for (const step of ['fetch', 'prepare', 'import', 'verify'] as const) {
    test(`${step}: ends with its result although a live handle keeps the event loop busy`, async () => {
      const dir = env.dir(`leak-${step}`);
      const termination = path.join(dir, 'termination');
      const keepAlive = path.join(dir, 'keep-alive.mjs');
      writeFileSync(keepAlive, 'setInterval(() => undefined, 1000);\n');
      const args =
        step === 'fetch'
          ? ['fetch', '--config', path.join(dir, 'absent.json'), '--termination-log', termination]
          : [step, '--config', path.join(dir, 'absent.json'), '--termination-log', termination];
      const w = startCli(args, ['--import', keepAlive]);
      const at = await waitForResult(w, termination, 60_000);
      const result = JSON.parse(readFileSync(termination, 'utf8')) as { outcome: string; reason: string };
      assert.equal(result.outcome, 'Failed');
      const code = await assertExitsSoon(w, at, step);
      assert.notEqual(code, 0);
    });
  }
});
