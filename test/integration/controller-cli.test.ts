// `alma-restore controller` as a user starts it: clear, one-line refusals for bad flags and a
// taken port, with distinct exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import YAML from 'yaml';
import { freePort, sharedControlPlane, type ControlPlane } from '../support/control-plane.js';
import { startController } from '../support/controller-process.js';
import { cliArgs } from '../support/cli-entry.js';

describe('alma-restore controller (CLI)', () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await sharedControlPlane();
  });

  function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    return spawnSync(process.execPath, [...cliArgs(), ...args], {
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

  it('shows durations in --help, not milliseconds', () => {
    const r = run(['controller', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--pvc-bind-timeout <duration>[^]*?\(default: 15m\)/);
    assert.match(r.stdout, /--database-ready-timeout <duration>[^]*?\(default: 90m\)/);
    assert.doesNotMatch(r.stdout, /900000|5400000/);
  });

  it('with no kubeconfig at all, says where it looked (exit 2) instead of trying localhost:8080', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'alma-nohome-'));
    const r = run(['controller', '--runner-image=x', '--metrics-bind-address=127.0.0.1:0'], {
      KUBECONFIG: '',
      HOME: home,
      KUBERNETES_SERVICE_HOST: '',
    });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `alma-restore: no kubeconfig: pass --kubeconfig <file>, set $KUBECONFIG, create ${home}/.kube/config, or run in a cluster`,
    );
    assert.doesNotMatch(r.stdout, /controller started/);
  });

  it('with an unreachable API server, exits at once (exit 1) saying so, without logging "started"', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alma-kc-'));
    const kubeconfig = YAML.parse(readFileSync(cp.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string } }[];
    };
    kubeconfig.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`;
    const file = path.join(dir, 'kubeconfig');
    writeFileSync(file, YAML.stringify(kubeconfig));
    const r = run(
      ['controller', '--runner-image=x', '--metrics-bind-address=127.0.0.1:0', '--kubeconfig', file],
      {
        KUBECONFIG: '',
      },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr.trim().split('\n').pop()!,
      new RegExp(
        `^alma-restore: cannot reach the API server https://127\\.0\\.0\\.1:${port} \\(--kubeconfig ${file}\\): ECONNREFUSED; is the cluster running, and is this the right kubeconfig\\?$`,
      ),
    );
    assert.doesNotMatch(r.stdout, /controller started/);
  });

  it('without RBAC to list AlmaRestores, says which permission is missing (exit 1)', async () => {
    const kubeconfig = await cp.mintUser('no-rbac-controller');
    const r = run(['controller', '--runner-image=x', '--metrics-bind-address=127.0.0.1:0'], {
      KUBECONFIG: kubeconfig,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /alma-restore: the API server https:\/\/127\.0\.0\.1:\d+ forbids listing almarestores in all namespaces to this identity \(403 Forbidden\): grant the controller's RBAC/,
    );
  });

  it('uses --kubeconfig over $KUBECONFIG', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'alma-kcflag-'));
    const ns = await cp.newNamespace('kcflag');
    const controller = await startController({
      kubeconfigPath: '/nonexistent/kubeconfig',
      namespace: ns,
      logDir,
      args: ['--kubeconfig', cp.kubeconfigPath],
    });
    try {
      assert.match(await controller.metrics(), /alma_restore_workqueue_depth/);
    } finally {
      await controller.stop();
    }
  });
});
