// `alma-restore controller` as a user starts it: clear, one-line refusals for bad flags and a
// taken port, with distinct exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { sharedControlPlane, type ControlPlane } from '../support/control-plane.js';

const CLI = path.resolve(import.meta.dirname, '../../src/cli.ts');

describe('alma-restore controller (CLI)', () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await sharedControlPlane();
  });

  function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, RUNNER_IMAGE: '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('lists every command in --help', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    for (const cmd of ['controller', 'plan', 'fetch', 'prepare', 'import', 'verify'])
      assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
  });

  it('refuses to start without a runner image (exit 2)', () => {
    const r = run(['controller', '--metrics-bind-address=127.0.0.1:0']);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr.trim(),
      'alma-restore: set the step runner image with --runner-image or $RUNNER_IMAGE',
    );
  });

  it('refuses a malformed duration flag (exit 2)', () => {
    const r = run(['controller', '--pvc-bind-timeout=soon', '--runner-image=x']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--pvc-bind-timeout must be a duration like 15m or 1h30m, got "soon"/);
  });

  it('says which port is taken (exit 1), instead of a stack trace', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const r = run(['controller', `--metrics-bind-address=127.0.0.1:${port}`, '--runner-image=x']);
      assert.equal(r.status, 1);
      assert.match(
        r.stderr.trim().split('\n').pop()!,
        new RegExp(
          `^alma-restore: cannot serve metrics and probes on 127\\.0\\.0\\.1:${port}: the port is in use`,
        ),
      );
    } finally {
      taken.close();
    }
  });
});
