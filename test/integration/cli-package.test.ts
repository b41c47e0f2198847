// The CLI as a user gets it from npm: `npm pack` of a clean copy of the package (its prepack
// builds dist/), `npm install -g` of the tarball into a temporary prefix, then `alma-restore`
// and `kubectl-alma` run through their bin links, and `npx --package <tarball> alma-restore`.
// A main-module check that looks at argv[1]'s name (the link is called `alma-restore`, not
// cli.js) makes every one of these print nothing and exit 0. The kubectl plugin is then run the
// way its users run it: through a real kubectl (plugin discovery on PATH), against the test API
// server.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KUBECTL_VERSION, REPO_ROOT, findKubectl, run } from '../support/chart-tools.js';
import { sharedControlPlane, type ControlPlane } from '../support/control-plane.js';
import { RestoreClient, existingRestore } from '../support/restores.js';
import { hostKeyRejectedStatus } from '../support/restore-status.js';

const PACKAGE_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
  'crds',
];

describe('the npm package (npm pack, npm install -g, npx)', () => {
  let work: string;
  let prefix: string;
  let tarball: string;
  let version: string;
  const env = () => ({
    ...process.env,
    PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_update_notifier: 'false',
  });
  const bin = (name: string) => path.join(prefix, 'bin', name);

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'alma-pack-'));
    prefix = path.join(work, 'prefix');
    const src = path.join(work, 'src');
    await mkdir(src);
    for (const f of PACKAGE_FILES) await cp(path.join(REPO_ROOT, f), path.join(src, f), { recursive: true });
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
    version = (JSON.parse(await readFile(path.join(src, 'package.json'), 'utf8')) as { version: string })
      .version;
    const packed = await run('npm', ['pack', '--pack-destination', work], { cwd: src });
    assert.equal(packed.code, 0, `npm pack failed:\n${packed.stdout}\n${packed.stderr}`);
    const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    assert.ok(tgz, `npm pack left no .tgz in ${work}`);
    tarball = path.join(work, tgz);
    const installed = await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { cwd: work },
    );
    assert.equal(installed.code, 0, `npm install -g failed:\n${installed.stdout}\n${installed.stderr}`);
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('alma-restore --help, through the bin link, lists every command', async () => {
    const r = await run(bin('alma-restore'), ['--help'], { env: env(), cwd: work });
    assert.equal(r.code, 0, r.stderr);
    for (const cmd of ['controller', 'plan', 'status', 'logs', 'fetch', 'prepare', 'import', 'verify'])
      assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`), `--help lists ${cmd}:\n${r.stdout}`);
  });

  it('alma-restore --version prints the package version', async () => {
    const r = await run(bin('alma-restore'), ['--version'], { env: env(), cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  });

  it('alma-restore plan -f prints the plan of a valid manifest (exit 0)', async () => {
    const example = path.join(REPO_ROOT, 'manifests/examples/almarestore-managed.yaml');
    const r = await run(bin('alma-restore'), ['plan', '-f', example], { env: env(), cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# alma-restore plan for library\/alma-2026q3/);
    assert.match(r.stdout, /kind: StatefulSet/);
  });

  it('alma-restore plan -f refuses an invalid manifest (exit 2, the reason on stderr)', async () => {
    const bad = path.join(work, 'bad.yaml');
    await writeFile(
      bad,
      'apiVersion: almarestore.io/v1alpha1\nkind: AlmaRestore\nmetadata: {name: q3}\nspec: {customerId: "3975"}\n',
    );
    const r = await run(bin('alma-restore'), ['plan', '-f', bad], { env: env(), cwd: work });
    assert.equal(r.code, 2, `exit code; stdout:\n${r.stdout}`);
    assert.match(
      r.stderr,
      /^alma-restore: AlmaRestore\.almarestore\.io "q3" is invalid: .*spec\.institutions: Required value/,
    );
  });

  it('kubectl-alma (the kubectl plugin) is installed on PATH and runs', async () => {
    const r = await run(bin('kubectl-alma'), ['--help'], { env: env(), cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: kubectl alma/);
    assert.match(r.stdout, /\n {2}status\b/);
    assert.match(r.stdout, /\n {2}logs\b/);
    const v = await run(bin('kubectl-alma'), ['--version'], { env: env(), cwd: work });
    assert.equal(v.stdout.trim(), version);
  });

  describe(`through a real kubectl (${KUBECTL_VERSION}): kubectl alma`, () => {
    let kubectl: string;
    let cp: ControlPlane;
    let ns: string;
    // What kubectl searches for plugins: the prefix's bin first, then node (the plugin's
    // `#!/usr/bin/env node`) and the system directories; nothing else a developer has on PATH.
    const pluginEnv = () => ({
      ...process.env,
      KUBECONFIG: cp.kubeconfigPath,
      PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(
        path.delimiter,
      ),
      TZ: 'UTC',
    });

    before(async () => {
      kubectl = findKubectl();
      cp = await sharedControlPlane();
      ns = await cp.newNamespace('plugin');
      await new RestoreClient(cp.kubeConfig, ns).createWithStatus(
        existingRestore('q3-plugin'),
        hostKeyRejectedStatus('q3-plugin'),
      );
    });

    it('kubectl plugin list finds kubectl-alma in the install prefix', async () => {
      const r = await run(kubectl, ['plugin', 'list'], { env: pluginEnv(), cwd: work });
      assert.equal(r.code, 0, `kubectl plugin list:\n${r.stdout}\n${r.stderr}`);
      assert.ok(
        r.stdout.split('\n').includes(bin('kubectl-alma')),
        `kubectl plugin list names ${bin('kubectl-alma')}:\n${r.stdout}\n${r.stderr}`,
      );
      assert.doesNotMatch(r.stderr, /kubectl-alma.*(not executable|overshadow)/, r.stderr);
    });

    it('kubectl alma --version prints the package version', async () => {
      const r = await run(kubectl, ['alma', '--version'], { env: pluginEnv(), cwd: work });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), version);
    });

    it('kubectl alma status NAME -n NS reads the restore from the API server', async () => {
      const r = await run(kubectl, ['alma', 'status', 'q3-plugin', '-n', ns], {
        env: pluginEnv(),
        cwd: work,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^AlmaRestore ${ns}/q3-plugin\\nPhase: {5}Failed\\n`));
      assert.match(
        r.stdout,
        /\nFailed: {4}fetch: HostKeyRejected\n {11}SFTP host key for sftp\.example\.edu:22 does not match the pinned SHA256:abc\n/,
      );
      assert.match(
        r.stdout,
        new RegExp(
          `\\n {2}retry: {5}kubectl annotate almarestore q3-plugin -n ${ns} almarestore\\.io/retry=`,
        ),
      );
    });

    it('kubectl alma status of a missing restore: one sentence under the plugin name, exit 1 through kubectl', async () => {
      const r = await run(kubectl, ['alma', 'status', 'nope', '-n', ns], { env: pluginEnv(), cwd: work });
      assert.equal(r.code, 1, `exit code; stdout:\n${r.stdout}`);
      assert.equal(
        r.stderr.trim(),
        `kubectl alma: no AlmaRestore "nope" in namespace ${ns}: kubectl get almarestores -n ${ns} lists them (-A for all namespaces)`,
      );
    });
  });

  it('npx --package <tarball> alma-restore runs the CLI', async () => {
    const empty = path.join(work, 'empty');
    await mkdir(empty);
    const r = await run(
      'npx',
      ['--yes', '--prefer-offline', '--package', tarball, 'alma-restore', '--version'],
      { env: env(), cwd: empty },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').pop(), version);
  });
});
