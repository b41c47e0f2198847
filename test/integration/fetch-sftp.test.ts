// The fetch step against a real OpenSSH server on a loopback port, with real vendor-like
// deliveries (tar | gzip | split). Each failure must end with its own reason and exit code.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildDelivery,
  makeReadable,
  rawTar,
  scriptsZip,
  writeTarGzParts,
  type BuiltInstitution,
} from '../support/delivery.js';
import { createLogger } from '../../src/logging.js';
import { connectSftp } from '../../src/sftp/connection.js';
import { readSftpCredentials } from '../../src/sftp/credentials.js';
import { FETCH_EXIT } from '../../src/contract/exit-codes.js';
import type { FetchReport } from '../../src/steps/fetch/run.js';
import { PASSWORD, fetchEnvForFile, runFetchCommand } from './fetch-env.js';
import { freePort } from '../support/control-plane.js';
import { cliArgs } from '../support/cli-entry.js';

const C = '3975';
const consortiumParfile = (c: string, i: string) =>
  [
    `dumpfile=local_backup_final_${c}_${i}_%U.dmp`,
    `LOGFILE=import_${c}_${i}.log`,
    `REMAP_SCHEMA=EXL_ADMIN:${i === '3978' ? 'EXL_ADMIN' : 'EXL_ADMIN_2'}`,
    `REMAP_TABLESPACE=USERS:${i === '3978' ? 'USERS' : 'USERS2'}`,
    '',
  ].join('\n');

const env = fetchEnvForFile();

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function assertDelivered(staging: string, built: BuiltInstitution[]): void {
  for (const b of built) {
    const dir = path.join(staging, `local_${C}_${b.institutionId}`);
    for (const [name, sum] of b.checksums) assert.equal(sha256(path.join(dir, name)), sum, `${name} content`);
    assert.ok(
      existsSync(path.join(dir, 'scripts', `final_script_par.${C}_${b.institutionId}`)),
      'parfile unpacked',
    );
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.alma-partial')),
      [],
      'no temporary file left',
    );
  }
}

function flags(drop: string, staging: string, creds: string, institutions: string[]) {
  return {
    host: env.server.host,
    port: String(env.server.port),
    directory: drop,
    customer: C,
    institution: institutions,
    credentialsDir: creds,
    dest: staging,
    reserve: '0',
  };
}

function twoInstitutions(partBytes = 256 * 1024): { drop: string; built: BuiltInstitution[] } {
  const drop = env.dir('drop');
  const built = buildDelivery({
    dir: drop,
    customerId: C,
    institutions: [
      { institutionId: '3978', dumpFiles: 3, dumpBytes: 1 << 20 },
      { institutionId: '4001', dumpFiles: 2, dumpBytes: 512 * 1024 },
    ],
    partBytes,
    parfile: consortiumParfile,
  });
  return { drop, built };
}

describe('fetch from a real sshd', () => {
  test('happy path: two institutions, several parts, password auth, report and checksums', async () => {
    const { drop, built } = twoInstitutions();
    assert.ok((built[0]?.parts.length ?? 0) >= 3, 'the first institution has several parts');
    const staging = env.dir('staging');
    const run = await runFetchCommand(flags(drop, staging, env.credentials('password'), ['3978', '4001']));
    assert.equal(run.code, FETCH_EXIT.ok, run.result.message);
    assert.equal(run.result.outcome, 'Succeeded', run.result.message);
    assertDelivered(staging, built);
    const report = run.report?.report as FetchReport;
    assert.equal(report.institutions.length, 2);
    for (const [i, b] of built.entries()) {
      const r = report.institutions[i];
      assert.ok(r);
      assert.equal(r.files.length, b.checksums.size);
      for (const f of r.files) assert.equal(f.sha256, b.checksums.get(f.name), `${f.name} sha256 in report`);
      assert.equal(r.compressedBytes, b.compressedBytes);
      assert.deepEqual(r.parfile?.dumpFiles, [...b.checksums.keys()]);
      assert.ok(r.scripts.some((s) => s.name === 'IMPORT.sh'));
    }
    assert.equal(run.result.reportPath, path.join(staging, 'reports', 'fetch-report.json'));
    assert.ok(Buffer.byteLength(JSON.stringify(run.result)) < 4096);
  });

  test('the SSH socket has Nagle off (TCP_NODELAY): with it on, reads run at a third of the speed', async () => {
    const session = await connectSftp(
      {
        host: env.server.host,
        port: env.server.port,
        credentials: await readSftpCredentials(env.credentials('key')),
        insecureSkipHostKeyVerification: false,
      },
      createLogger({ test: 'nodelay' }, { write: () => true }),
    );
    try {
      // node's net.Socket keeps the setting under this symbol; there is no public getter.
      const socket = (session as unknown as { client: { client: { _sock: object } } }).client.client._sock;
      const noDelay = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
      assert.ok(noDelay, 'this Node version records setNoDelay under Symbol(kSetNoDelay)');
      assert.equal((socket as Record<symbol, unknown>)[noDelay], true);
    } finally {
      await session.end();
    }
  });

  test('key auth with a pinned SHA256 fingerprint, numeric part suffixes, stage mode', async () => {
    const drop = env.dir('drop');
    const built = buildDelivery({
      dir: drop,
      customerId: C,
      institutions: [{ institutionId: '3978', dumpFiles: 2, dumpBytes: 1 << 20 }],
      partBytes: 200 * 1024,
      suffix: 'numeric',
    });
    assert.match(built[0]?.parts[0] ?? '', /\.00$/);
    const staging = env.dir('staging');
    const run = await runFetchCommand({
      ...flags(drop, staging, env.credentials('key', env.server.fingerprint), ['3978']),
      mode: 'stage',
    });
    assert.equal(run.code, FETCH_EXIT.ok, run.result.message);
    assertDelivered(staging, built);
    assert.equal(
      existsSync(path.join(staging, `local_${C}_3978`, '.alma-fetch-parts')),
      false,
      'parts removed after success',
    );
  });

  test('resume after the server is killed mid-part: reconnects and continues at the byte, nothing re-read', async () => {
    const { drop, built } = twoInstitutions(512 * 1024);
    const staging = env.dir('staging');
    let killed = false;
    const run = await runFetchCommand(flags(drop, staging, env.credentials('password'), ['3978']), {
      tuning: { chunkBytes: 32 * 1024, window: 2 },
      hooks: {
        afterChunk: async (pos) => {
          if (!killed && pos.part === 1 && pos.offset >= 128 * 1024) {
            killed = true;
            await env.server.kill();
            await env.server.start();
          }
        },
      },
    });
    assert.ok(killed, 'the server was killed during part 2');
    assert.equal(run.code, FETCH_EXIT.ok, run.result.message);
    assertDelivered(staging, built.slice(0, 1));
    const r = (run.report?.report as FetchReport).institutions[0];
    assert.ok((r?.reconnects ?? 0) >= 1, 'reconnected');
    const zipBytes = readFileSync(path.join(drop, 'alma_localbackup_customer.zip')).length;
    assert.equal(
      r?.bytesTransferred,
      (built[0]?.compressedBytes ?? 0) + zipBytes,
      'every byte read exactly once',
    );
    assert.ok(run.logs.some((l) => /connection lost; reconnecting/.test(String(l.msg))));
  });

  test('stream mode re-run after a crash keeps the files already complete', async () => {
    const { drop, built } = twoInstitutions();
    const staging = env.dir('staging');
    const creds = env.credentials('password');
    // The crash comes after the first file; every later file waits for it and then dies with
    // the process. (Without that order, on a busy machine all three files were written before
    // the crash took effect: the test then showed nothing about resuming.)
    const completedBeforeCrash = new Set<string>();
    let firstFile: string | undefined;
    let crash!: () => void;
    const crashed = new Promise<void>((resolve) => (crash = resolve));
    const first = await runFetchCommand(flags(drop, staging, creds, ['3978']), {
      hooks: {
        onFileStart: async (rel) => {
          firstFile ??= rel;
          if (rel === firstFile) return;
          await crashed;
          throw new Error('simulated crash: the process is gone');
        },
        onFileComplete: (f) => {
          completedBeforeCrash.add(f.name);
          crash();
          throw new Error('simulated crash after the first file');
        },
      },
    });
    assert.equal(first.code, FETCH_EXIT.internal);
    assert.equal(completedBeforeCrash.size, 1, 'the first run completed exactly the first file');
    const second = await runFetchCommand(flags(drop, staging, creds, ['3978']));
    assert.equal(second.code, FETCH_EXIT.ok, second.result.message);
    assertDelivered(staging, built.slice(0, 1));
    const files = (second.report?.report as FetchReport).institutions[0]?.files ?? [];
    assert.equal(files.length, 3);
    assert.ok(
      files.some((f) => f.status === 'written'),
      'the crash left at least one file to write',
    );
    for (const f of files)
      assert.equal(f.status, completedBeforeCrash.has(f.name) ? 'kept' : 'written', f.name);
    const third = await runFetchCommand(flags(drop, staging, creds, ['3978']));
    assert.equal(third.code, FETCH_EXIT.ok);
    const r3 = (third.report?.report as FetchReport).institutions[0];
    assert.equal(r3?.alreadyComplete, true);
    assert.equal(r3?.bytesTransferred, 0, 'a complete delivery is not read again');
  });

  test('stage mode resumes a part by byte offset after a crash', async () => {
    const { drop, built } = twoInstitutions(512 * 1024);
    const staging = env.dir('staging');
    const creds = env.credentials('password');
    let chunks = 0;
    const first = await runFetchCommand(
      { ...flags(drop, staging, creds, ['3978']), mode: 'stage' },
      {
        tuning: { chunkBytes: 32 * 1024, window: 1 },
        hooks: {
          // One 32 KiB chunk per call: crash half-way through the second part.
          afterChunk: () => {
            if (++chunks === 24) throw new Error('simulated crash in part 2');
          },
        },
      },
    );
    assert.equal(first.code, FETCH_EXIT.internal);
    const partsDir = path.join(staging, `local_${C}_3978`, '.alma-fetch-parts');
    const staged = readdirSync(partsDir)
      .map((n) => readFileSync(path.join(partsDir, n)).length)
      .reduce((a, b) => a + b, 0);
    assert.ok(staged >= 512 * 1024 + 256 * 1024, `first run left ${staged} bytes staged`);
    const second = await runFetchCommand({ ...flags(drop, staging, creds, ['3978']), mode: 'stage' });
    assert.equal(second.code, FETCH_EXIT.ok, second.result.message);
    assertDelivered(staging, built.slice(0, 1));
    const zipBytes = readFileSync(path.join(drop, 'alma_localbackup_customer.zip')).length;
    const r = (second.report?.report as FetchReport).institutions[0];
    assert.equal(
      r?.bytesTransferred,
      (built[0]?.compressedBytes ?? 0) - staged + zipBytes,
      'only the missing bytes',
    );
  });

  test('a wrong host key is refused with the fingerprint seen (exit 14)', async () => {
    const { drop } = twoInstitutions();
    const other = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    const run = await runFetchCommand(
      flags(drop, env.dir('staging'), env.credentials('password', other), ['3978']),
    );
    assert.equal(run.code, FETCH_EXIT.hostKey);
    assert.equal(run.result.reason, 'HostKeyRejected');
    assert.ok(run.result.message.includes(env.server.fingerprint), run.result.message);
  });

  test('bad credentials: wrong password and unknown key (exit 15)', async () => {
    const { drop } = twoInstitutions();
    const wrongPw = env.credentials('password', undefined, { password: WRONG_PASSWORD });
    const run = await runFetchCommand(flags(drop, env.dir('staging'), wrongPw, ['3978']));
    assert.equal(run.code, FETCH_EXIT.auth, run.result.message);
    assert.equal(run.result.reason, 'AuthenticationFailed');
    assert.ok(!JSON.stringify(run).includes(WRONG_PASSWORD), 'password not in the result or the log');
    const keyDir = env.dir('otherkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keyDir, 'k')]);
    const wrongKey = env.credentials('key', undefined, {
      privateKey: readFileSync(path.join(keyDir, 'k'), 'utf8'),
    });
    const run2 = await runFetchCommand(flags(drop, env.dir('staging'), wrongKey, ['3978']));
    assert.equal(run2.code, FETCH_EXIT.auth, run2.result.message);
  });

  test('a missing part in the middle (exit 11) and a missing last part (exit 11, truncated)', async () => {
    const { drop, built } = twoInstitutions();
    const parts = built[0]?.parts ?? [];
    rmSync(path.join(drop, parts[1] ?? ''));
    const run = await runFetchCommand(flags(drop, env.dir('staging'), env.credentials('password'), ['3978']));
    assert.equal(run.code, FETCH_EXIT.badDelivery);
    assert.equal(run.result.reason, 'DeliveryPartMissing');
    assert.ok(run.result.message.includes(parts[1] ?? '?'), run.result.message);

    const again = twoInstitutions();
    const last = again.built[0]?.parts.at(-1) ?? '';
    rmSync(path.join(again.drop, last));
    const run2 = await runFetchCommand(
      flags(again.drop, env.dir('staging'), env.credentials('password'), ['3978']),
    );
    assert.equal(run2.code, FETCH_EXIT.badDelivery);
    assert.equal(run2.result.reason, 'DeliveryTruncated', run2.result.message);
  });

  test('a missing first part is a missing part, not a corrupt gzip (exit 11)', async () => {
    const { drop, built } = twoInstitutions();
    const parts = built[0]?.parts ?? [];
    rmSync(path.join(drop, parts[0] ?? ''));
    const run = await runFetchCommand(flags(drop, env.dir('staging'), env.credentials('password'), ['3978']));
    assert.equal(run.code, FETCH_EXIT.badDelivery);
    assert.equal(run.result.reason, 'DeliveryPartMissing', run.result.message);
    assert.ok(run.result.message.includes(`lacks ${parts[0]}`), run.result.message);
  });

  test('a corrupt gzip is refused (exit 11)', async () => {
    const { drop, built } = twoInstitutions();
    const second = path.join(drop, built[0]?.parts[1] ?? '');
    const bytes = readFileSync(second);
    for (let i = 1000; i < 1100; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
    writeFileSync(second, bytes);
    const staging = env.dir('staging');
    const run = await runFetchCommand(flags(drop, staging, env.credentials('password'), ['3978']));
    assert.equal(run.code, FETCH_EXIT.badDelivery);
    assert.equal(run.result.reason, 'DeliveryCorrupt', run.result.message);
    assert.deepEqual(
      readdirSync(path.join(staging, `local_${C}_3978`)).filter((n) => n.endsWith('.alma-partial')),
      [],
    );
  });

  for (const [label, entry] of [
    ['a ../ path', { name: `local_${C}_3978/../../escaped-dotdot`, data: Buffer.from('x') }],
    [
      'an absolute path',
      { name: `/tmp/alma-fetch-tests/escaped-absolute-${process.pid}`, data: Buffer.from('x') },
    ],
    ['a symlink', { name: `local_${C}_3978/link`, type: '2' as const, linkname: '/etc' }],
    ['a hard link', { name: `local_${C}_3978/hard`, type: '1' as const, linkname: '/etc/passwd' }],
    ['a device', { name: `local_${C}_3978/dev`, type: '3' as const }],
  ] as const) {
    test(`a tar with ${label} is refused, nothing written outside (exit 11)`, async () => {
      const drop = env.dir('drop');
      const tar = rawTar([
        { name: `local_${C}_3978/`, type: '5' },
        { name: `local_${C}_3978/local_backup_final_${C}_3978_01.dmp`, data: Buffer.alloc(2048, 1) },
        entry,
        { name: `local_${C}_3978/local_backup_final_${C}_3978_02.dmp`, data: Buffer.alloc(2048, 2) },
      ]);
      writeTarGzParts(drop, `${C}_3978`, tar, 700);
      writeFileSync(
        path.join(drop, 'alma_localbackup_customer.zip'),
        scriptsZip(C, [{ institutionId: '3978', dumpFiles: 2 }]),
      );
      makeReadable(drop);
      const staging = env.dir('staging');
      const creds = env.credentials('password');
      const before = readdirSync(env.root).sort();
      const run = await runFetchCommand(flags(drop, staging, creds, ['3978']));
      assert.equal(run.code, FETCH_EXIT.badDelivery, run.result.message);
      assert.equal(run.result.reason, 'UnsafeTarMember');
      assert.ok(run.result.message.includes(entry.name), run.result.message);
      const dir = path.join(staging, `local_${C}_3978`);
      assert.deepEqual(readdirSync(env.root).sort(), before, 'nothing new beside the staging directory');
      assert.deepEqual(readdirSync(staging).sort(), [`local_${C}_3978`, 'reports']);
      assert.ok(
        !existsSync(path.join(dir, 'link')) &&
          !existsSync(path.join(dir, 'hard')) &&
          !existsSync(path.join(dir, 'dev')),
      );
      assert.ok(!existsSync(`/tmp/alma-fetch-tests/escaped-absolute-${process.pid}`));
      assert.ok(!existsSync(path.join(staging, '..', 'escaped-dotdot')));
      assert.ok(
        !existsSync(path.join(dir, `local_backup_final_${C}_3978_02.dmp`)),
        'stopped at the bad member',
      );
    });
  }

  test('a parfile naming more dump files than delivered (exit 11)', async () => {
    const drop = env.dir('drop');
    buildDelivery({
      dir: drop,
      customerId: C,
      institutions: [{ institutionId: '3978', dumpFiles: 2, dumpBytes: 256 * 1024 }],
      partBytes: 256 * 1024,
      parfile: (c, i) =>
        `dumpfile=local_backup_final_${c}_${i}_01.dmp,local_backup_final_${c}_${i}_02.dmp,local_backup_final_${c}_${i}_03.dmp\n` +
        `LOGFILE=import_${c}_${i}.log\nREMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\nREMAP_TABLESPACE=USERS:USERS\n`,
    });
    const run = await runFetchCommand(flags(drop, env.dir('staging'), env.credentials('password'), ['3978']));
    assert.equal(run.code, FETCH_EXIT.badDelivery);
    assert.equal(run.result.reason, 'ParfileMismatch');
    assert.match(run.result.message, /_03\.dmp/);
  });

  test('a delivery still growing: waits, says what for, then proceeds', async () => {
    const { drop, built } = twoInstitutions();
    const last = path.join(drop, built[0]?.parts.at(-1) ?? '');
    const whole = readFileSync(last);
    truncateSync(last, Math.floor(whole.length / 2));
    let grown = false;
    const run = await runFetchCommand(
      {
        ...flags(drop, env.dir('staging'), env.credentials('password'), ['3978']),
        wait: '60',
        stableFor: '1',
      },
      {},
      (line) => {
        if (!grown && /waiting for/.test(String(line.msg))) {
          grown = true;
          appendFileSync(last, whole.subarray(Math.floor(whole.length / 2)));
        }
      },
    );
    assert.ok(grown, 'it said it was waiting');
    assert.equal(run.code, FETCH_EXIT.ok, run.result.message);
    assert.ok(run.logs.some((l) => String(l.waitingFor ?? '').includes('to stop changing')));
  });

  test('nothing delivered yet: exit 10 after the wait', async () => {
    const drop = env.dir('drop');
    makeReadable(drop);
    const run = await runFetchCommand({
      ...flags(drop, env.dir('staging'), env.credentials('password'), ['3978']),
      wait: '1',
    });
    assert.equal(run.code, FETCH_EXIT.notReady);
    assert.equal(run.result.reason, 'DeliveryNotFound');
    assert.match(run.result.message, /alma_localbackup_customer\.zip/);
  });
});

const WRONG_PASSWORD = 'Wr0ng-Secret-4711';

describe('fetch on a small volume', () => {
  const mnt = '/tmp/alma-fetch-tests/tmpfs';
  before(() => {
    execFileSync('mkdir', ['-p', mnt]);
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
    if (r.status !== 0)
      throw new Error(`cannot mount a tmpfs for the space test (needs root and CAP_SYS_ADMIN): ${r.stderr}`);
  });
  after(() => {
    spawnSync('umount', [mnt]);
  });

  test('not enough space: refused before transfer, or at the file that does not fit (exit 13)', async () => {
    const drop = env.dir('drop');
    buildDelivery({
      dir: drop,
      customerId: C,
      institutions: [{ institutionId: '3978', dumpFiles: 4, dumpBytes: 1 << 20 }],
      partBytes: 512 * 1024,
    });
    // Compressed ~1.3 MiB fits the pre-check; 4 MiB of dump files do not fit in 3 MiB.
    const staging = path.join(mnt, 'staging');
    const run = await runFetchCommand(flags(drop, staging, env.credentials('password'), ['3978']));
    assert.equal(run.code, FETCH_EXIT.noSpace, run.result.message);
    assert.equal(run.result.reason, 'InsufficientSpace');
    assert.match(run.result.message, /_0[234]\.dmp/);
    const dir = path.join(staging, `local_${C}_3978`);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.alma-partial')),
      [],
    );

    // Keep 2 MiB free: the pre-check now refuses before any part is read.
    rmSync(staging, { recursive: true });
    const run2 = await runFetchCommand({
      ...flags(drop, staging, env.credentials('password'), ['3978']),
      reserve: '2Mi',
    });
    assert.equal(run2.code, FETCH_EXIT.noSpace, run2.result.message);
    assert.equal(run2.result.summary.bytesTransferred, 0);
  });
});

describe('the CLI', () => {
  test('alma-restore fetch runs as a process and exits with the documented code', () => {
    const drop = env.dir('drop');
    buildDelivery({
      dir: drop,
      customerId: C,
      institutions: [{ institutionId: '3978', dumpFiles: 1, dumpBytes: 64 * 1024 }],
      partBytes: 1 << 20,
    });
    const staging = env.dir('staging');
    const args = [...cliArgs(), 'fetch', '--host', env.server.host, '--port', String(env.server.port)];
    args.push(
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
    );
    args.push(
      '--credentials-dir',
      env.credentials('password'),
      '--termination-log',
      path.join(staging, 'term'),
    );
    const ok = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    const last = JSON.parse(ok.stdout.trim().split('\n').at(-1) ?? '{}') as { outcome?: string };
    assert.equal(last.outcome, 'Succeeded');
    assert.ok(!ok.stdout.includes(PASSWORD) && !ok.stderr.includes(PASSWORD), 'no secret in the output');
    const bad = spawnSync(process.execPath, [...args.slice(0, 2), '--mode', 'fast'], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
  });

  test('alma-restore fetch --wait 2s stops retrying an unreachable server when the wait ends', async () => {
    const port = await freePort();
    const staging = env.dir('staging-refused');
    const r = spawnSync(
      process.execPath,
      [...cliArgs(), 'fetch', '--host', '127.0.0.1', '--port', String(port)]
        .concat(['--customer', C, '--institution', '3978', '--dest', staging, '--wait', '2s'])
        .concat(['--stable-for', '0', '--credentials-dir', env.credentials('password')])
        .concat(['--termination-log', path.join(staging, 'term')]),
      { encoding: 'utf8' },
    );
    assert.equal(r.status, FETCH_EXIT.transport, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { message?: string };
    const m =
      /^cannot reach the SFTP server 127\.0\.0\.1:\d+ after (\d+) attempt\(s\) in \d+ s \(the delivery wait ended\): .*ECONNREFUSED/.exec(
        result.message ?? '',
      );
    assert.ok(m, `message: ${result.message}`);
    // The default policy makes 7 attempts over about a minute; a 3 s budget has room for 2 or 3.
    assert.ok(Number(m[1]) < 7, `attempts: ${m[1]}`);
  });
});
