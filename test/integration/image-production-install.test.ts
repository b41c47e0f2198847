// The container image, tested without a Docker engine: the Dockerfile is linted (dockerfile-utils,
// the linter of the VS Code Docker extension) and checked against the image policy, and its two
// build steps are replayed in clean folders: `npm run build` on exactly the build context that
// .dockerignore lets through, then `npm ci --omit=dev` and the CLI run with an empty environment
// (no PATH, no shell), as in the distroless runtime stage, for `--help` and for
// `alma-restore controller` against the test control plane.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { validate } from 'dockerfile-utils';
import { REPO_ROOT, run } from '../support/chart-tools.js';
import { freePort, sharedControlPlane, waitFor } from '../support/control-plane.js';

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** A small Dockerfile reader: joins continuation lines, drops comments, splits stages. */
function stages(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line.startsWith('#') || line === '')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const out: Stage[] = [];
  for (const l of logical) {
    const [keyword = '', ...rest] = l.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      out.push({ from: m?.[1] ?? args, name: m?.[2], instructions: [] });
    } else if (out.length > 0) {
      out[out.length - 1]!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return out;
}

/** The files the Docker build context holds, by .dockerignore ("**" then "!pattern" re-includes). */
async function buildContext(): Promise<string[]> {
  const rules = (await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(rules[0], '**', '.dockerignore starts by excluding everything');
  return rules.slice(1).map((r) => {
    assert.ok(r.startsWith('!'), `unexpected .dockerignore rule ${r}`);
    return r.slice(1).replace(/\/\*\*$/, '');
  });
}

describe('container image (Dockerfile, production install)', () => {
  let dockerfile: string;
  let work: string;
  let app: string;

  before(async () => {
    dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    work = await mkdtemp(path.join(os.tmpdir(), 'alma-image-'));
    app = path.join(work, 'app');
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('passes the Dockerfile linter (dockerfile-utils) with no diagnostics', () => {
    const problems = validate(dockerfile);
    assert.deepEqual(
      problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`),
      [],
    );
    // The linter does catch mistakes: an instruction with a missing argument is reported.
    assert.ok(
      validate('FROM node:20-bookworm-slim\nEXPOSE\n').length > 0,
      'the linter reports nothing at all',
    );
  });

  it('follows the image policy: multi-stage, Node 20, prod deps only, non-root, no shell at run time, the CLI as entry point', () => {
    const all = stages(dockerfile);
    assert.ok(all.length >= 2, 'multi-stage');
    const argDefaults = Object.fromEntries(
      [...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const image = (s: Stage) => s.from.replace(/^\$\{(\w+)\}$/, (_, n: string) => argDefaults[n] ?? '');
    for (const s of all)
      assert.match(image(s), /node(js)?[:-]?20/, `stage ${s.name ?? s.from} is not Node 20`);
    const runtime = all[all.length - 1]!;
    assert.match(image(runtime), /distroless\/nodejs20/, 'runtime base is distroless (no shell)');
    const kw = (k: string) => runtime.instructions.filter((i) => i.keyword === k);
    assert.equal(kw('RUN').length, 0, 'the runtime stage runs nothing: it has no shell');
    const user = kw('USER').at(-1)?.args ?? '';
    assert.match(user, /^[1-9][0-9]*(:[0-9]+)?$/, `numeric non-root USER, got "${user}"`);
    assert.match(kw('ENTRYPOINT').at(-1)?.args ?? '', /^\["\/nodejs\/bin\/node", "\/app\/dist\/cli\.js"\]$/);
    const fromBuild = kw('COPY').map((c) => c.args);
    assert.ok(
      fromBuild.some((a) => /--from=prod-deps \/app\/node_modules/.test(a)),
      'node_modules from prod-deps',
    );
    assert.ok(
      fromBuild.some((a) => /--from=build \/src\/dist/.test(a)),
      'dist from the build stage',
    );
    const prodDeps = all.find((s) => s.name === 'prod-deps');
    assert.ok(prodDeps?.instructions.some((i) => i.keyword === 'RUN' && /npm ci --omit=dev/.test(i.args)));
    const build = all.find((s) => s.name === 'build');
    assert.ok(build?.instructions.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args)));
  });

  it('npm run build succeeds on exactly the build context that .dockerignore lets through', async () => {
    const src = path.join(work, 'src');
    await mkdir(src, { recursive: true });
    for (const entry of await buildContext()) {
      assert.ok(existsSync(path.join(REPO_ROOT, entry)), `.dockerignore re-includes missing ${entry}`);
      await cp(path.join(REPO_ROOT, entry), path.join(src, entry), { recursive: true });
    }
    // The build stage's `npm ci` (with dev dependencies) is what the repo's node_modules is.
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
    const r = await run('npm', ['run', 'build'], { cwd: src });
    assert.equal(r.code, 0, `npm run build failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(path.join(src, 'dist', 'cli.js')), 'dist/cli.js');

    // The prod-deps stage and the runtime stage's COPY lines.
    await mkdir(app, { recursive: true });
    for (const f of ['package.json', 'package-lock.json'])
      await cp(path.join(REPO_ROOT, f), path.join(app, f));
    const ci = await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
      cwd: app,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    assert.equal(ci.code, 0, `npm ci --omit=dev failed:\n${ci.stdout}\n${ci.stderr}`);
    await cp(path.join(src, 'dist'), path.join(app, 'dist'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'crds'), path.join(app, 'crds'), { recursive: true });
  });

  it('the production install holds the runtime dependencies and none of the dev dependencies', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const installed = new Set<string>();
    for (const e of await readdir(path.join(app, 'node_modules'))) {
      if (e.startsWith('@'))
        for (const s of await readdir(path.join(app, 'node_modules', e))) installed.add(`${e}/${s}`);
      else installed.add(e);
    }
    for (const dep of Object.keys(pkg.dependencies))
      assert.ok(installed.has(dep), `missing runtime dependency ${dep}`);
    for (const dev of ['typescript', 'tsx', 'eslint', 'prettier', 'c8', 'dockerfile-utils'])
      assert.ok(!installed.has(dev), `dev dependency ${dev} is in the production install`);
  });

  it('`alma-restore --help` runs from the production install with an empty environment (no PATH, no shell)', async () => {
    const r = await run(process.execPath, [path.join(app, 'dist', 'cli.js'), '--help'], {
      cwd: app,
      env: {},
    });
    assert.equal(r.code, 0, `alma-restore --help failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^Usage: alma-restore/m);
    for (const cmd of ['controller', 'plan', 'fetch', 'prepare', 'import', 'verify'])
      assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\b`, 'm'), `command ${cmd} in --help`);
  });
  it('`alma-restore controller` from the production install starts against the test control plane', async () => {
    const cp = await sharedControlPlane();
    const ns = await cp.newNamespace('image');
    const port = await freePort();
    // Only KUBECONFIG: no PATH, no HOME, no shell.
    const child = spawn(
      process.execPath,
      [
        path.join(app, 'dist', 'cli.js'),
        'controller',
        `--watch-namespace=${ns}`,
        `--metrics-bind-address=127.0.0.1:${port}`,
        '--runner-image=registry.example.test/alma-restore-operator:test',
      ],
      { cwd: app, env: { KUBECONFIG: cp.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(`the controller to serve /readyz on ${port}`, async () => {
        if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}:\n${output}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^alma_restore_workqueue_depth /m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `the controller did not stop cleanly on SIGTERM:\n${output}`);
  });
});
