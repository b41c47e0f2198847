// Pure parts of the fetch step: host key pins, delivery discovery, the wait policy, tar member
// checks, zip targets, parfile checks and flag merging.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkHostKey, parseHostKeyPins, sha256Fingerprint } from '../../src/sftp/hostkey.js';
import { discoverDelivery } from '../../src/sftp/discovery.js';
import { waitForDelivery, type WaitClock } from '../../src/sftp/wait.js';
import type { RemoteEntry } from '../../src/sftp/connection.js';
import { checkMember } from '../../src/steps/fetch/extract.js';
import { zipTarget } from '../../src/steps/fetch/scripts-zip.js';
import { checkParfile } from '../../src/steps/fetch/parfile-check.js';
import { mergeFetchSettings, parseSize } from '../../src/steps/fetch/options.js';
import { UserFacingError } from '../../src/errors.js';

const f = (name: string, size = 100, mtimeMs = 1): RemoteEntry => ({ name, size, mtimeMs, isFile: true });
const P = 'local_backup_final_3975_3978_tar.gz.';

test('host key pins: fingerprint matches ssh-keygen; known_hosts, bare key and fingerprint forms', () => {
  const dir = mkdtempSync('/tmp/fetch-unit-');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
  const pub = readFileSync(path.join(dir, 'k.pub'), 'utf8').trim().split(/\s+/);
  const blob = Buffer.from(pub[1] ?? '', 'base64');
  const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'k.pub')], {
    encoding: 'utf8',
  }).split(/\s+/)[1];
  assert.equal(sha256Fingerprint(blob), expected);
  for (const text of [
    `[sftp.example.edu]:2222 ${pub[0]} ${pub[1]}`,
    `${pub[0]} ${pub[1]} comment`,
    `# pinned\n${expected}\n`,
  ]) {
    assert.equal(checkHostKey(parseHostKeyPins(text), blob).ok, true, text);
  }
  const other = checkHostKey(parseHostKeyPins('SHA256:' + 'A'.repeat(43)), blob);
  assert.deepEqual(other, { ok: false, fingerprint: expected, why: 'is not the pinned key' });
  const revoked = checkHostKey(parseHostKeyPins(`${pub[0]} ${pub[1]}\n@revoked * ${pub[0]} ${pub[1]}`), blob);
  assert.equal(revoked.ok, false);
  assert.throws(() => parseHostKeyPins('not a key'), /neither a known_hosts line nor a SHA256/);
  assert.throws(() => parseHostKeyPins('# only a comment'), /pins no host key/);
  assert.throws(() => parseHostKeyPins(`@cert-authority * ${pub[0]} ${pub[1]}`), /not supported/);
});

test('discovery: split parts in byte order, gaps, numeric suffixes, single tarball', () => {
  const d = discoverDelivery(
    [
      f(`${P}ab`),
      f(`${P}aa`),
      f(`${P}ac`, 40),
      f('alma_localbackup_customer.zip'),
      f('local_backup_final_3975_9999_tar.gz.aa'),
      f('notes.txt'),
    ],
    '3975',
    '3978',
  );
  assert.deepEqual(
    d.parts.map((p) => p.name.slice(-2)),
    ['aa', 'ab', 'ac'],
  );
  assert.equal(d.zip?.name, 'alma_localbackup_customer.zip');
  assert.deepEqual(d.missingParts, []);
  assert.deepEqual(d.warnings, []);
  const gap = discoverDelivery([f(`${P}aa`), f(`${P}ad`)], '3975', '3978');
  assert.deepEqual(gap.missingParts, [`${P}ab`, `${P}ac`]);
  const numeric = discoverDelivery([f(`${P}01`), f(`${P}03`), f(`${P}02`)], '3975', '3978');
  assert.deepEqual(
    numeric.parts.map((p) => p.name.slice(-2)),
    ['01', '02', '03'],
  );
  assert.deepEqual(numeric.missingParts, []);
  assert.deepEqual(discoverDelivery([f(`${P}00`), f(`${P}02`)], '3975', '3978').missingParts, [`${P}01`]);
  const short = discoverDelivery([f(`${P}aa`, 100), f(`${P}ab`, 60), f(`${P}ac`, 10)], '3975', '3978');
  assert.match(short.warnings[0] ?? '', /ab is 60 bytes, not 100/);
  const whole = discoverDelivery([f('local_backup_final_3975_3978_tar.gz')], '3975', '3978');
  assert.deepEqual(
    whole.parts.map((p) => p.name),
    ['local_backup_final_3975_3978_tar.gz'],
  );
  // GNU split widens after yz: zaaa sorts after yz.
  const wide = discoverDelivery([f(`${P}zaaa`), f(`${P}yz`), f(`${P}aa`)], '3975', '3978');
  assert.deepEqual(
    wide.parts.map((p) => p.name.slice(P.length)),
    ['aa', 'yz', 'zaaa'],
  );
});

function fakeClock(): WaitClock & { t: number } {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

test('wait: a growing part is waited for until stable, then ready', async () => {
  const clock = fakeClock();
  let size = 10;
  const said: string[] = [];
  const out = await waitForDelivery(
    async () => {
      if (clock.t < 5000) size += 10; // still uploading for 5 s
      return [f('alma_localbackup_customer.zip'), f(`${P}aa`, 100), f(`${P}ab`, size)];
    },
    { customerId: '3975', institutionId: '3978', deadlineMs: 60_000, stableForMs: 2000, pollMs: 1000 },
    clock,
    (w) => said.push(w),
  );
  assert.equal(out.kind, 'ready');
  // Last growth seen at t=4000 (the poll before 5 s), stable 2 s later.
  assert.equal(clock.t, 6000);
  assert.ok(
    said.some((w) => w.includes(`${P}ab to stop changing`)),
    said.join('|'),
  );
});

test('wait: absent, incomplete and gap outcomes', async () => {
  const opts = {
    customerId: '3975',
    institutionId: '3978',
    deadlineMs: 3000,
    stableForMs: 1000,
    pollMs: 1000,
  };
  assert.equal((await waitForDelivery(async () => [], opts, fakeClock())).kind, 'absent');
  const inc = await waitForDelivery(async () => [f(`${P}aa`)], opts, fakeClock());
  assert.equal(inc.kind, 'incomplete');
  assert.match(inc.kind === 'incomplete' ? inc.waitingFor : '', /alma_localbackup_customer\.zip/);
  const gap = await waitForDelivery(
    async () => [f('alma_localbackup_customer.zip'), f(`${P}aa`), f(`${P}ac`)],
    opts,
    fakeClock(),
  );
  assert.equal(gap.kind, 'gap');
});

test('tar members: only regular files and directories under the folder', () => {
  const F = 'local_3975_3978';
  assert.deepEqual(checkMember(`${F}/a.dmp`, 'File', F), { ok: true, kind: 'file', rel: 'a.dmp' });
  assert.deepEqual(checkMember(`./${F}/sub/b.dmp`, 'OldFile', F), {
    ok: true,
    kind: 'file',
    rel: 'sub/b.dmp',
  });
  assert.deepEqual(checkMember(`${F}/`, 'Directory', F), { ok: true, kind: 'dir', rel: '' });
  const refused: [string, string, RegExp][] = [
    ['/etc/passwd', 'File', /absolute/],
    [`${F}/../x`, 'File', /\.\./],
    [`${F}/l`, 'SymbolicLink', /symbolic link/],
    [`${F}/h`, 'Link', /hard link/],
    [`${F}/d`, 'CharacterDevice', /CharacterDevice/],
    [`${F}/p`, 'FIFO', /FIFO/],
    ['local_3975_9999/a.dmp', 'File', /outside local_3975_3978/],
    [`${F}/.alma-fetch-state.json`, 'File', /reserved/],
    [`${F}/a.dmp.alma-partial`, 'File', /reserved/],
    [F, 'File', /replaces the folder/],
  ];
  for (const [name, type, why] of refused) {
    const v = checkMember(name, type, F);
    assert.equal(v.ok, false, name);
    assert.match(v.ok ? '' : v.why, why, name);
  }
});

test('zip targets: scripts/ dropped, links and escapes refused', () => {
  assert.deepEqual(zipTarget('scripts/IMPORT.sh', 0o100755), { ok: true, rel: 'IMPORT.sh', dir: false });
  assert.deepEqual(zipTarget('scripts/', 0o40755), { ok: true, rel: '', dir: true });
  assert.equal(zipTarget('../x', 0o100644).ok, false);
  assert.equal(zipTarget('/x', 0o100644).ok, false);
  assert.equal(zipTarget('scripts/l', 0o120777).ok, false);
});

test('parfile check: dump files, gaps, remaps and logfile', () => {
  const text =
    'dumpfile=local_backup_final_3975_3978_%U.dmp\nLOGFILE=import_3975_3978.log\nREMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN\nREMAP_TABLESPACE=USERS:USERS\n';
  const expect = { customerId: '3975', institutionId: '3978', schema: 'EXL_ADMIN', tablespace: 'USERS' };
  const names = (n: number[]) => n.map((i) => `local_backup_final_3975_3978_0${i}.dmp`);
  const ok = checkParfile(text, 'par', names([1, 2, 3]), expect);
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.warnings, []);
  assert.equal(ok.dumpFiles.length, 3);
  assert.equal(ok.logfile, 'import_3975_3978.log');
  const gap = checkParfile(text, 'par', names([1, 3]), expect);
  assert.match(gap.errors.join(), /_03\.dmp follow a gap/);
  const none = checkParfile(text, 'par', [], expect);
  assert.match(none.errors.join(), /not delivered: local_backup_final_3975_3978_01\.dmp/);
  const other = checkParfile(text, 'par', names([1]), {
    ...expect,
    schema: 'EXL_ADMIN_2',
    tablespace: 'USERS2',
  });
  assert.deepEqual(other.errors, []);
  assert.equal(other.warnings.length, 2);
  const bare = checkParfile('dumpfile=x_%U.dmp\n', 'par', ['x_01.dmp'], expect);
  assert.deepEqual(bare.errors, []);
  assert.equal(bare.warnings.length, 3);
  assert.match(
    checkParfile('dumpfile=x_%U.dmp\n', 'par', ['x_01.dmp', 'y.dmp'], expect).errors.join(),
    /y\.dmp do not match/,
  );
  assert.match(checkParfile('dumpfile="unterminated\n', 'par', [], expect).errors.join(), /unterminated/);
});

test('settings: flags over config, defaults for a consortium, clear usage errors', () => {
  const s = mergeFetchSettings(undefined, {
    host: 'sftp.example.edu',
    port: '2222',
    customer: '3975',
    institution: ['3978', '4001'],
    dest: '/staging',
    mode: 'stage',
    wait: '3600',
    reserve: '1Gi',
  });
  assert.equal(s.config.sftp.port, 2222);
  assert.equal(s.config.sftp.mode, 'stage');
  assert.equal(s.config.sftp.waitForDeliverySeconds, 3600);
  assert.deepEqual(
    s.config.institutions.map((i) => [i.schema, i.tablespace]),
    [
      ['EXL_ADMIN', 'USERS'],
      ['EXL_ADMIN_2', 'USERS2'],
    ],
  );
  assert.equal(s.reportDir, '/staging/reports');
  assert.equal(s.reserveBytes, 1024 ** 3);
  assert.equal(parseSize('512M', 'x'), 512 * 1024 ** 2);
  assert.equal(parseSize('1048576', 'x'), 1048576);
  const usage = (flags: Parameters<typeof mergeFetchSettings>[1], re: RegExp) =>
    assert.throws(
      () => mergeFetchSettings(undefined, flags),
      (e: unknown) => e instanceof UserFacingError && e.exitCode === 2 && re.test(e.message),
    );
  usage({}, /needs sftp.host \(--host\), customerId/);
  usage({ host: 'h', customer: '1', institution: ['2'], dest: '/s', port: '99999' }, /not a TCP port/);
  usage({ host: 'h', customer: '1', institution: ['2'], dest: '/s', mode: 'fast' }, /stream or stage/);
  usage({ host: 'h', customer: '../1', institution: ['2'], dest: '/s' }, /letters and digits/);
  usage({ host: 'h', customer: '1', institution: ['2'], dest: '/s', reserve: 'lots' }, /not a size/);
});
