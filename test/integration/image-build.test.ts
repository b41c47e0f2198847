// The image, built for real from the Dockerfile as it is (scripts/build-image.sh: buildah, no
// Docker), and the two stand-in images the real-node tests use. Each OCI archive is unpacked as a
// runtime would unpack it and checked: the config against the Dockerfile, the runtime's shape
// (Node where the Dockerfile expects it, no shell), and the programs run under chroot with the
// image's own loader and libraries, as the image's user. Also: unchanged inputs rebuild nothing
// (image-build-keys.test.ts: what the images are keyed on, and the missing-tool errors).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planSizing } from '../../src/api/sizing.js';
import { ORACLE_STAGING_PATH } from '../../src/resources/step-config-builder.js';
import { UserFacingError } from '../../src/errors.js';
import { openConnection } from '../../src/oracle/connection.js';
import { buildDatabaseStatefulSet } from '../../src/resources/database.js';
import { RUNNER_APP, RUNNER_COPY_DIR, RUNNER_NODE } from '../../src/resources/job.js';
import { REPO_ROOT, run } from '../support/chart-tools.js';
import { freePort, waitFor } from '../support/control-plane.js';
import { startManagedProcess } from '../support/processes.js';
import { testStepConfig } from '../support/dictionary-double.js';
import {
  ORACLE_STANDIN,
  buildImages,
  parseImageLines,
  parseReadableReport,
  runBuildImageScript,
  type BuiltImage,
  type ImageTarget,
} from '../support/images.js';
import { addRuntimeDevices, imageEnv, unpackOciArchive, type UnpackedImage } from '../support/oci-archive.js';
import { minimalSpec, resolved } from '../unit/api-fixtures.js';

/** Runs `argv` inside `image`'s root filesystem as uid:gid, with the image's Env. */
function inImage(
  image: UnpackedImage,
  user: string,
  argv: readonly string[],
  options: { groups?: string } = {},
) {
  const spec = ['--userspec', user, ...(options.groups ? ['--groups', options.groups] : [])];
  return run('chroot', [...spec, image.rootfs, ...argv], { env: imageEnv(image.config) });
}

/** The startup probe's exec command from the StatefulSet builder (the readiness probe's is the same). */
function buildProbeCommand(): string[] {
  const restore = resolved(minimalSpec());
  const sts = buildDatabaseStatefulSet(restore, planSizing(restore.spec))!;
  const container = sts.spec!.template.spec!.containers[0]!;
  assert.deepEqual(container.readinessProbe?.exec?.command, container.startupProbe?.exec?.command);
  return container.startupProbe!.exec!.command!;
}

/** The last value of a Dockerfile instruction in the final stage (JSON form for ENTRYPOINT/CMD). */
function finalStage(dockerfile: string, keyword: string): string | undefined {
  const stage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return [...stage.matchAll(new RegExp(`^${keyword}\\s+(.+)$`, 'gm'))].at(-1)?.[1]?.trim();
}

describe('scripts/build-image.sh: the image from the Dockerfile, and the stand-ins', () => {
  let work: string;
  let built: Record<ImageTarget, BuiltImage>;
  let firstRunSeconds: number;
  let app: UnpackedImage;
  let oracle: UnpackedImage;
  let pause: UnpackedImage;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'alma-image-build-'));
    const started = Date.now();
    built = await buildImages(['app', 'pause', 'oracle']);
    firstRunSeconds = (Date.now() - started) / 1000;
    app = await unpackOciArchive(built.app.archive, path.join(work, 'app'));
    oracle = await unpackOciArchive(built.oracle.archive, path.join(work, 'oracle'));
    pause = await unpackOciArchive(built.pause.archive, path.join(work, 'pause'));
    for (const image of [app, oracle, pause]) await addRuntimeDevices(image.rootfs);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a second run with unchanged inputs rebuilds nothing and gives the same refs and archives', async (t) => {
    const mtimes = await Promise.all(Object.values(built).map(async (b) => (await stat(b.archive)).mtimeMs));
    const again = await runBuildImageScript(['all']);
    assert.equal(again.code, 0, again.stderr);
    t.diagnostic(
      `first run (this test): ${firstRunSeconds.toFixed(1)} s; second run: ${again.seconds.toFixed(1)} s`,
    );
    assert.doesNotMatch(again.stderr, /buildah bud|debootstrap|building /, 'the second run built something');
    for (const target of ['app', 'pause', 'oracle'] as const)
      assert.match(again.stderr, new RegExp(`${target}: \\S+ is up to date`));
    assert.deepEqual(
      parseImageLines(again.stdout).map((b) => b.ref),
      Object.values(built).map((b) => b.ref),
    );
    const after = await Promise.all(Object.values(built).map(async (b) => (await stat(b.archive)).mtimeMs));
    assert.deepEqual(after, mtimes, 'an archive was rewritten');
  });

  it('each archive names its image ref, so `ctr images import` can name the image', () => {
    assert.equal(app.refName, built.app.ref);
    assert.equal(oracle.refName, built.oracle.ref);
    assert.equal(pause.refName, built.pause.ref);
    assert.match(built.app.ref, /^localhost\/alma-restore-operator:test-[0-9a-f]{16}$/);
    assert.match(built.pause.ref, /^localhost\/alma-standin-pause:/);
    assert.match(built.oracle.ref, /^localhost\/alma-standin-oracle-database:/);
  });

  it('containerd (`ctr images import`) names each image by its ref, and runs the app image with runc as its user', async () => {
    const containerd = '/usr/bin/containerd';
    assert.ok(
      existsSync(containerd),
      "containerd not found: install it with 'apt-get install containerd runc'",
    );
    const dir = path.join(work, 'containerd');
    await mkdir(dir, { recursive: true });
    const sock = path.join(dir, 'containerd.sock');
    // A containerd of its own (root, state, socket in the test's folder), not the system's.
    await writeFile(
      path.join(dir, 'config.toml'),
      `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\n[grpc]\n  address = "${sock}"\n` +
        `[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true\n`,
    );
    const ctr = (...args: string[]) => run('ctr', ['--address', sock, '-n', 'k8s.io', ...args]);
    const daemon = await startManagedProcess({
      name: 'containerd',
      command: containerd,
      args: ['--config', path.join(dir, 'config.toml')],
      logFile: path.join(dir, 'containerd.log'),
      ready: async () => existsSync(sock) && (await ctr('version')).code === 0,
    });
    try {
      for (const image of Object.values(built)) {
        const imported = await ctr('images', 'import', image.archive);
        assert.equal(imported.code, 0, `ctr images import ${image.archive}:\n${imported.stderr}`);
      }
      const names = (await ctr('images', 'ls', '-q')).stdout.split('\n');
      for (const image of Object.values(built))
        assert.ok(names.includes(image.ref), `${image.ref} not in ${names.join(' ')}`);
      const id = `alma-image-test-${process.pid}`;
      const help = await ctr('run', '--rm', built.app.ref, id);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^Usage: alma-restore/m, 'the image runs its CMD (--help) by default');
      const who = await ctr(
        'run',
        '--rm',
        built.app.ref,
        `${id}-id`,
        '/nodejs/bin/node',
        '-p',
        'process.getuid()',
      );
      assert.equal(who.stdout.trim(), '65532');
    } finally {
      await daemon.stop();
    }
  });

  it("the app image's config is what the Dockerfile says: user 65532, entry point, command, workdir, port", async () => {
    const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const c = app.config.config;
    assert.equal(c.User, finalStage(dockerfile, 'USER'));
    assert.match(c.User ?? '', /^65532(:65532)?$/);
    assert.deepEqual(c.Entrypoint, JSON.parse(finalStage(dockerfile, 'ENTRYPOINT')!));
    assert.deepEqual(c.Entrypoint, ['/nodejs/bin/node', '/app/dist/cli.js']);
    assert.deepEqual(c.Cmd, JSON.parse(finalStage(dockerfile, 'CMD')!));
    assert.equal(c.WorkingDir, finalStage(dockerfile, 'WORKDIR'));
    assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), [`${finalStage(dockerfile, 'EXPOSE')}/tcp`]);
    assert.ok(c.Env?.includes('NODE_ENV=production'), `Env: ${c.Env?.join(' ')}`);
    assert.equal(c.Labels?.['org.opencontainers.image.title'], 'alma-restore-operator');
    assert.equal(app.config.architecture, 'amd64');
  });

  it('the runtime is distroless-shaped: Node at /nodejs/bin/node, no shell, no package manager, no CA of the build machine', async (t) => {
    const r = app.rootfs;
    assert.ok(existsSync(path.join(r, 'nodejs/bin/node')), '/nodejs/bin/node');
    for (const absent of [
      'bin/sh',
      'usr/bin/sh',
      'bin/bash',
      'bin/dash',
      'usr/bin/apt',
      'usr/bin/dpkg',
      'usr/local/bin/npm',
    ])
      assert.ok(!existsSync(path.join(r, absent)), `/${absent} must not be in the runtime image`);
    assert.ok(
      existsSync(path.join(r, 'app/dist/cli.js')) && existsSync(path.join(r, 'app/node_modules/oracledb')),
    );
    // The production install is what package-lock.json says `npm ci --omit=dev` installs: every
    // package not marked dev-only, and none that is (a dev dependency that a runtime one also
    // needs, like @types/node, is not marked dev and is rightly there).
    const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const topLevel = Object.entries(lock.packages).filter(([p]) =>
      /^node_modules\/(@[^/]+\/)?[^/]+$/.test(p),
    );
    const devOnly = topLevel.filter(([, m]) => m.dev).map(([p]) => p);
    const runtime = topLevel.filter(([, m]) => !m.dev && !m.optional).map(([p]) => p);
    assert.ok(devOnly.includes('node_modules/typescript'), 'the lock marks typescript dev-only');
    for (const p of runtime)
      assert.ok(existsSync(path.join(r, 'app', p)), `runtime package ${p} not in the image`);
    for (const p of devOnly)
      assert.ok(!existsSync(path.join(r, 'app', p)), `dev-only package ${p} is in the image`);
    assert.match(await readFile(path.join(r, 'etc/passwd'), 'utf8'), /^nonroot:x:65532:65532:/m);
    assert.match(await readFile(path.join(r, 'etc/group'), 'utf8'), /^nonroot:x:65532:/m);
    assert.equal(((await stat(path.join(r, 'tmp'))).mode & 0o7777).toString(8), '1777');
    const bundle = await readFile(path.join(r, 'etc/ssl/certs/ca-certificates.crt'), 'utf8');
    const mozilla = (await run('sh', ['-c', 'cat /usr/share/ca-certificates/mozilla/*.crt'])).stdout;
    assert.equal(
      bundle,
      mozilla,
      "the runtime's CA bundle is Debian's, not this machine's (test-only) bundle",
    );
    t.diagnostic(
      `app image: ${(app.layerBytes / 2 ** 20).toFixed(1)} MiB compressed layers, ` +
        `${(await run('du', ['-sm', r])).stdout.split('\t')[0]} MiB unpacked`,
    );
  });

  it('`alma-restore --help` runs in the image as uid 65532, with its own glibc (chroot), and there is no shell to run', async () => {
    const [node, cli] = app.config.config.Entrypoint!;
    const help = await run(
      'chroot',
      ['--userspec', app.config.config.User!, app.rootfs, node!, cli!, '--help'],
      {
        env: imageEnv(app.config),
      },
    );
    assert.equal(help.code, 0, `alma-restore --help failed in the image:\n${help.stdout}\n${help.stderr}`);
    assert.match(help.stdout, /^Usage: alma-restore/m);
    for (const cmd of ['controller', 'plan', 'fetch', 'prepare', 'import', 'verify'])
      assert.match(help.stdout, new RegExp(`^\\s+${cmd}\\b`, 'm'));
    const who = await run('chroot', [
      '--userspec',
      '65532:65532',
      app.rootfs,
      node!,
      '-p',
      'process.getuid() + ":" + process.getgid()',
    ]);
    assert.equal(who.stdout.trim(), '65532:65532');
    const shell = await run('chroot', [app.rootfs, '/bin/sh', '-c', 'true']);
    assert.notEqual(shell.code, 0, 'a shell ran in the runtime image');
    assert.match(shell.stderr, /No such file or directory/);
  });

  it('pause stand-in: one static binary that waits, and exits 0 on SIGTERM', async () => {
    assert.deepEqual(pause.config.config.Entrypoint, ['/pause']);
    const child = spawn('chroot', ['--userspec', '65535:65535', pause.rootfs, '/pause'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const state = () => readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => '');
    // Waiting for the chroot'ed process to be /pause in its sleep (not still exec'ing).
    await waitFor(
      '/pause to be sleeping in pause(2)',
      async () => /\(pause\) S /.test(await state()),
      10_000,
      20,
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  describe('Oracle database stand-in', () => {
    it("has the Oracle image's user, environment, probes script and entry point", () => {
      const c = oracle.config.config;
      assert.equal(c.User, '54321:54321');
      const env = imageEnv(oracle.config);
      assert.equal(env.ORACLE_BASE, '/opt/oracle');
      assert.match(env.PATH ?? '', /^\/opt\/oracle\/product\/19c\/dbhome_1\/bin:/);
      assert.ok(existsSync(path.join(oracle.rootfs, 'opt/oracle/checkDBStatus.sh')));
      assert.ok(existsSync(path.join(oracle.rootfs, ORACLE_STAGING_PATH)), 'the directory objects path');
      assert.deepEqual(
        [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])],
        ['/usr/local/bin/alma-standin-oracle', 'serve'],
      );
      assert.ok(
        !existsSync(path.join(oracle.rootfs, 'usr/local/bin/node')) &&
          !existsSync(path.join(oracle.rootfs, 'usr/bin/node')),
        'no Node of its own',
      );
    });

    it('answers the probes as the StatefulSet runs them: 1 (not open) until it listens on 1521, then 0', async () => {
      // The probe command, verbatim from the StatefulSet builder.
      const probe = buildProbeCommand();
      const quoted = probe.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      await writeFile(
        path.join(oracle.rootfs, 'tmp', 'probes.sh'),
        [
          `${quoted}; echo before=$?`,
          '/usr/local/bin/alma-standin-oracle serve & n=0',
          // Waits for the listener (the condition), not for a time.
          `until ${quoted} >/dev/null; do n=$((n+1)); [ $n -lt 400 ] || exit 9; sleep 0.05; done`,
          `${quoted}; echo after=$?`,
          'kill $!',
        ].join('\n') + '\n',
      );
      // In a network namespace of its own, as in a pod: only loopback, nothing else on 1521.
      const r = await run(
        'unshare',
        [
          '--net',
          'sh',
          '-c',
          'ip link set lo up && exec "$@"',
          'sh',
          'chroot',
          '--userspec',
          '54321:54321',
          oracle.rootfs,
          '/bin/sh',
          '/tmp/probes.sh',
        ],
        { env: imageEnv(oracle.config) },
      );
      assert.equal(r.code, 0, `probe run failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /PDB is not open[^\n]*\nbefore=1\n/);
      assert.match(r.stdout, /listening on 0\.0\.0\.0:1521 as uid 54321/);
      assert.match(r.stdout, /\nafter=0\n/);
    });

    it('is not Oracle: a connection is closed at once, and the steps report DatabaseUnreachable', async () => {
      const port = await freePort();
      const child = spawn(
        'chroot',
        [
          '--userspec',
          '54321:54321',
          oracle.rootfs,
          '/usr/local/bin/alma-standin-oracle',
          'serve',
          String(port),
          '127.0.0.1',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      try {
        await waitFor(
          `the stand-in listening on 127.0.0.1:${port}`,
          async () => output.includes('listening'),
          10_000,
          50,
        );
        const config = testStepConfig('/staging', {
          database: { connectString: `127.0.0.1:${port}/ORCLPDB1` },
        });
        const err = await openConnection(config, {
          credentials: { username: 'system', password: 'not-a-secret' },
          connectTimeoutSeconds: 10,
        }).then(
          () => assert.fail('connected to the stand-in'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof UserFacingError, String(err));
        assert.equal(err.reason, 'DatabaseUnreachable');
        assert.match(err.message, /NJS-5\d\d/);
      } finally {
        child.kill('SIGTERM');
      }
    });

    it('check-readable, as uid 54321: reports every dump file and the parfile, and fails on one it cannot read', async () => {
      const staging = path.join(oracle.rootfs, ORACLE_STAGING_PATH, 'local_3975_3978');
      await mkdir(path.join(staging, 'scripts'), { recursive: true });
      const dump = path.join(staging, 'local_backup_final_3975_3978_01.dmp');
      const parfile = path.join(staging, 'scripts', 'final_script_par.3975_3978');
      await writeFile(dump, 'dump');
      await writeFile(parfile, 'DIRECTORY=EXP_DIR_3978\n');
      // As the fetch step leaves them under fsGroup 54321: group-readable, group 54321.
      for (const f of [dump, parfile, staging, path.join(staging, 'scripts')]) await chown(f, 65532, 54321);
      await chmod(dump, 0o640);
      await chmod(parfile, 0o600); // broken on purpose: owner-only
      const check = () =>
        inImage(oracle, '54321:54321', ORACLE_STANDIN.checkReadableCommand, { groups: '54321' });

      const bad = await check();
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      const report = parseReadableReport(bad.stdout);
      assert.equal(report.uid, 54321);
      assert.equal(report.files, 2);
      assert.deepEqual(
        report.entries.filter((e) => !e.readable).map((e) => [path.basename(e.path), e.error]),
        [['final_script_par.3975_3978', 'Permission denied']],
      );

      await chmod(parfile, 0o640);
      const good = await check();
      assert.equal(good.code, 0, good.stdout + good.stderr);
      assert.equal(parseReadableReport(good.stdout).unreadable, 0);
    });

    it("impdp on its PATH is the test's fake impdp, run by the Node the init container copies in", async () => {
      const impdpArgs = ['sh', '-c', 'echo not-a-secret | impdp parfile=/tmp/test.par'];
      const before = await inImage(oracle, '54321:54321', impdpArgs);
      assert.equal(before.code, 1);
      assert.match(before.stderr, /did not copy Node/);

      // What the install-runner init container does: Node and the app into /opt/alma-runner.
      await cp(path.join(app.rootfs, RUNNER_NODE), path.join(oracle.rootfs, RUNNER_COPY_DIR, 'nodejs'), {
        recursive: true,
      });
      await cp(path.join(app.rootfs, RUNNER_APP), path.join(oracle.rootfs, RUNNER_COPY_DIR, 'app'), {
        recursive: true,
      });
      await mkdir(path.join(oracle.rootfs, 'staging'), { recursive: true });
      await writeFile(
        path.join(oracle.rootfs, 'staging', ORACLE_STANDIN.fakeImpdpEnvFile),
        'FAKE_IMPDP_SCENARIO=vendor\n',
      );
      await writeFile(
        path.join(oracle.rootfs, 'tmp', 'test.par'),
        'DIRECTORY=EXP_DIR_3978\nDUMPFILE=x.dmp\n',
      );
      const r = await inImage(oracle, '54321:54321', impdpArgs);
      assert.equal(
        r.code,
        5,
        `the vendor scenario exits 5 (completed with errors):\n${r.stdout}\n${r.stderr}`,
      );
      assert.match(r.stdout, /Connected to: Oracle Database 19c Enterprise Edition/);
      // And the copied app runs there too (the step's command).
      const cli = await inImage(oracle, '54321:54321', [
        ORACLE_STANDIN.copiedNode,
        `${RUNNER_COPY_DIR}/app/dist/cli.js`,
        '--help',
      ]);
      assert.equal(cli.code, 0, cli.stderr);
    });
  });
});
