// scripts/build-image.sh without building: what each image is keyed on (a changed input gives
// that image a new ref, anything else changes nothing), and that a missing tool fails naming the
// Debian package to install, before any work.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, run } from '../support/chart-tools.js';
import { parseImageLines, runBuildImageScript } from '../support/images.js';

describe('scripts/build-image.sh: keys and prerequisites (no build)', () => {
  let copy: string;
  before(async () => {
    // A copy of the repo's image inputs, so a test can change one without touching the worktree.
    copy = await mkdtemp(path.join(os.tmpdir(), 'alma-image-keys-'));
    for (const f of [
      'scripts',
      'test/images',
      'test/support/fake-impdp',
      'test/fixtures/datapump',
      'test/fixtures/oracle/datapump',
      'Dockerfile',
      '.dockerignore',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src',
      'crds',
    ])
      await cp(path.join(REPO_ROOT, f), path.join(copy, f), { recursive: true });
  });
  after(async () => {
    if (copy) await rm(copy, { recursive: true, force: true });
  });
  const refs = async () => {
    const r = await run('bash', [path.join(copy, 'scripts/build-image.sh'), '--print-refs', 'all']);
    assert.equal(r.code, 0, r.stderr);
    return Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t').slice(1)),
    );
  };

  it('keys the app image on exactly what .dockerignore lets into the build context', async () => {
    const r = await runBuildImageScript(['--print-inputs']);
    const inputs = r.stdout.trim().split('\n');
    for (const f of [
      'Dockerfile',
      '.dockerignore',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src/cli.ts',
      'crds/almarestore.io_almarestores.yaml',
    ])
      assert.ok(inputs.includes(f), `${f} is not an input`);
    assert.ok(
      !inputs.some((f) => f.startsWith('test/') || f === 'README.md' || f.startsWith('charts/')),
      inputs.join(' '),
    );
  });

  it('a changed input gives a new ref for its image only; a file outside the inputs changes nothing', async () => {
    const first = await refs();
    await writeFile(path.join(copy, 'README.md'), 'not an input\n');
    assert.deepEqual(await refs(), first);
    await writeFile(path.join(copy, 'src', 'cli.ts'), '\n// changed\n', { flag: 'a' });
    const second = await refs();
    assert.notEqual(second.app, first.app, 'src/cli.ts changed but the app ref did not');
    assert.equal(second.oracle, first.oracle);
    await writeFile(path.join(copy, 'test/support/fake-impdp/fake-impdp.mjs'), '\n// changed\n', {
      flag: 'a',
    });
    const third = await refs();
    assert.notEqual(
      third.oracle,
      second.oracle,
      'the fake impdp changed but the oracle stand-in ref did not',
    );
    assert.equal(third.pause, second.pause);
  });

  for (const [variable, pkg] of [
    ['ALMA_BUILDAH', 'buildah'],
    ['ALMA_DEBOOTSTRAP', 'debootstrap'],
    ['ALMA_GCC', 'gcc libc6-dev'],
  ] as const) {
    it(`without ${pkg.split(' ')[0]} it fails saying what to install`, async () => {
      const r = await runBuildImageScript(['all'], { ...process.env, [variable]: '/nonexistent/tool' });
      assert.equal(r.code, 3);
      assert.match(r.stderr, new RegExp(`install it with 'apt-get install ${pkg}'`));
      assert.equal(parseImageLines(r.stdout).length, 0);
    });
  }
});
