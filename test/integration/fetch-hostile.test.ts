// Hostile and broken deliveries and staging volumes against the fetch step, with the real
// OpenSSH server and real files: each is refused with its own reason, nothing is written outside
// the staging directory, and nothing half-written is left looking complete.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildDelivery,
  buildZip,
  makeReadable,
  rawTar,
  scriptsZip,
  vendorParfile,
  writeTarGzParts,
  type RawTarEntry,
  type ZipEntrySpec,
} from '../support/delivery.js';
import { FETCH_EXIT } from '../../src/contract/exit-codes.js';
import type { FetchReport } from '../../src/steps/fetch/run.js';
import { fetchEnv, runFetchCommand, type FetchEnv } from './fetch-env.js';

const C = '3975';
const I = '3978';
const FOLDER = `local_${C}_${I}`;
const dump = (n: number) => `${FOLDER}/local_backup_final_${C}_${I}_0${n}.dmp`;

let env: FetchEnv;
before(async () => {
  env = await fetchEnv();
});
after(async () => {
  await env?.server.stop();
  if (env) rmSync(env.root, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function flags(drop: string, staging: string, extra: Record<string, string> = {}) {
  return {
    host: env.server.host,
    port: String(env.server.port),
    directory: drop,
    customer: C,
    institution: [I],
    credentialsDir: env.credentials('password'),
    dest: staging,
    reserve: '0',
    ...extra,
  };
}

/** A delivery whose tarball is exactly `entries`, with the vendor's scripts zip (or `zip`). */
function craftedDrop(entries: RawTarEntry[], zip?: Buffer): string {
  const drop = env.dir('drop');
  writeTarGzParts(drop, `${C}_${I}`, rawTar(entries), 4096);
  writeFileSync(
    path.join(drop, 'alma_localbackup_customer.zip'),
    zip ?? scriptsZip(C, [{ institutionId: I, dumpFiles: 2 }]),
  );
  makeReadable(drop);
  return drop;
}

/** Every file below `dir`, recursively (names relative to it). */
function listAll(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** No temporary file, and every file the state records is on disk with that sha256. */
function assertNothingHalfWritten(staging: string): void {
  const dir = path.join(staging, FOLDER);
  assert.deepEqual(
    listAll(dir).filter((n) => n.endsWith('.alma-partial')),
    [],
    'no temporary file left',
  );
  const stateFile = path.join(dir, '.alma-fetch-state.json');
  if (!existsSync(stateFile)) return;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
    files: Record<string, { sha256: string }>;
    scripts: Record<string, { sha256: string }>;
  };
  for (const [name, rec] of Object.entries(state.files))
    assert.equal(
      sha256(readFileSync(path.join(dir, name))),
      rec.sha256,
      `${name}: the record is of this copy`,
    );
  for (const [name, rec] of Object.entries(state.scripts))
    assert.equal(sha256(readFileSync(path.join(dir, 'scripts', name))), rec.sha256, `scripts/${name}`);
}

describe('colliding tar members are refused, each with its own reason', () => {
  const cases: [string, RawTarEntry[], string][] = [
    [
      'the same dump twice, same size',
      [
        { name: `${FOLDER}/`, type: '5' },
        { name: dump(1), data: Buffer.alloc(20_000, 1) },
        { name: dump(2), data: Buffer.alloc(20_000, 2) },
        { name: dump(1), data: Buffer.alloc(20_000, 3) },
      ],
      'DuplicateTarMember',
    ],
    [
      'the same dump twice, different sizes',
      [
        { name: dump(1), data: Buffer.alloc(30_000, 1) },
        { name: dump(1), data: Buffer.alloc(10_000, 2) },
        { name: dump(2), data: Buffer.alloc(1000, 2) },
      ],
      'DuplicateTarMember',
    ],
    [
      'two non-UTF-8 names that decode to the same text',
      [
        {
          name: 'x',
          nameBytes: Buffer.concat([Buffer.from(`${FOLDER}/dump`), Buffer.from([0xff]), Buffer.from('.dmp')]),
          data: Buffer.alloc(100, 1),
        },
        {
          name: 'y',
          nameBytes: Buffer.concat([Buffer.from(`${FOLDER}/dump`), Buffer.from([0xfe]), Buffer.from('.dmp')]),
          data: Buffer.alloc(100, 2),
        },
      ],
      'TarMemberNameUndecodable',
    ],
    [
      'a file, then a directory of the same name',
      [
        { name: `${FOLDER}/extra`, data: Buffer.alloc(100, 1) },
        { name: `${FOLDER}/extra/`, type: '5' },
        { name: `${FOLDER}/extra/inner.txt`, data: Buffer.alloc(100, 1) },
      ],
      'TarMemberConflict',
    ],
    [
      'a directory, then a file of the same name',
      [
        { name: `${FOLDER}/extra/`, type: '5' },
        { name: `${FOLDER}/extra`, data: Buffer.alloc(100, 1) },
      ],
      'TarMemberConflict',
    ],
    [
      'a 300-character name component',
      [{ name: `${FOLDER}/${'n'.repeat(300)}.dmp`, data: Buffer.alloc(100, 1) }],
      'TarMemberNameTooLong',
    ],
    [
      'a member that would replace the parfile of the scripts zip',
      [
        { name: dump(1), data: Buffer.alloc(100, 1) },
        { name: `${FOLDER}/scripts/final_script_par.${C}_${I}`, data: Buffer.from('NETWORK_LINK=evil\n') },
      ],
      'TarMemberInScriptsFolder',
    ],
  ];
  for (const [label, entries, reason] of cases) {
    test(`${label}: ${reason} (exit 11), nothing half-written`, async () => {
      const staging = env.dir('staging');
      const before = listAll(env.root).filter((n) => !n.startsWith(path.basename(staging)));
      const run = await runFetchCommand(flags(craftedDrop(entries), staging));
      assert.equal(run.result.reason, reason, run.result.message);
      assert.equal(run.code, FETCH_EXIT.badDelivery, run.result.message);
      assert.match(run.result.message, /refusing tar member .*nothing was written for it/);
      assertNothingHalfWritten(staging);
      const parfile = path.join(staging, FOLDER, 'scripts', `final_script_par.${C}_${I}`);
      assert.equal(readFileSync(parfile, 'utf8'), vendorParfile(C, I), "the zip's parfile is on disk");
      const report = run.report?.report as FetchReport;
      const rec = report.institutions[0]?.scripts.find((s) => s.name === `final_script_par.${C}_${I}`);
      assert.equal(rec?.sha256, sha256(readFileSync(parfile)), "the report's checksum is the file on disk");
      const now = listAll(env.root).filter((n) => !n.startsWith(path.basename(staging)));
      assert.deepEqual(
        now.filter((n) => !before.includes(n) && !/^(creds|drop)-/.test(n)),
        [],
      );
    });
  }
});

describe('the scripts zip is bounded', () => {
  const zipCases: [string, () => ZipEntrySpec[], string, RegExp][] = [
    [
      'a script that inflates to 100 MiB (a zip bomb)',
      () => [{ name: 'scripts/IMPORT.sh', data: Buffer.alloc(100 << 20), deflate: true }],
      'ScriptsZipTooLarge',
      /100\.0 MiB uncompressed/,
    ],
    [
      'a script whose header lies about its size',
      () => [{ name: 'scripts/IMPORT.sh', data: Buffer.alloc(50 << 20), deflate: true, declaredSize: 1024 }],
      'BadScriptsZip',
      /too many bytes in the stream\. expected 1024/,
    ],
    [
      '1001 entries',
      () => Array.from({ length: 1001 }, (_v, n) => ({ name: `scripts/f${n}.sql`, data: Buffer.from('x') })),
      'ScriptsZipTooLarge',
      /1001 entries/,
    ],
    [
      'the same entry twice',
      () => [
        { name: `scripts/final_script_par.${C}_${I}`, data: Buffer.from(vendorParfile(C, I)) },
        { name: `scripts/final_script_par.${C}_${I}`, data: Buffer.from('SQLFILE=x.sql\n') },
      ],
      'BadScriptsZip',
      /appears twice/,
    ],
  ];
  for (const [label, entries, reason, message] of zipCases) {
    test(`${label}: ${reason} (exit 11), no temporary file`, async () => {
      const staging = env.dir('staging');
      const drop = craftedDrop([{ name: dump(1), data: Buffer.alloc(100, 1) }], buildZip(entries()));
      const rssBefore = process.memoryUsage().rss;
      const run = await runFetchCommand(flags(drop, staging));
      assert.equal(run.result.reason, reason, run.result.message);
      assert.equal(run.code, FETCH_EXIT.badDelivery);
      assert.match(run.result.message, message);
      assert.ok(process.memoryUsage().rss - rssBefore < 64 << 20, 'the entry was not inflated into memory');
      assertNothingHalfWritten(staging);
    });
  }
});

describe('links planted on the staging volume', () => {
  function goodDrop(): string {
    const drop = env.dir('drop');
    buildDelivery({
      dir: drop,
      customerId: C,
      institutions: [{ institutionId: I, dumpFiles: 1, dumpBytes: 64 * 1024 }],
      partBytes: 1 << 20,
    });
    return drop;
  }
  const plants: [string, (staging: string, outside: string) => void, 'refused' | 'harmless'][] = [
    ['the institution folder', (s, o) => symlinkSync(o, path.join(s, FOLDER)), 'refused'],
    [
      'its scripts folder',
      (s, o) => {
        mkdirSync(path.join(s, FOLDER));
        symlinkSync(o, path.join(s, FOLDER, 'scripts'));
      },
      'refused',
    ],
    [
      "the state file's temporary name",
      (s, o) => {
        mkdirSync(path.join(s, FOLDER));
        writeFileSync(path.join(o, 'victim'), 'keep me');
        symlinkSync(path.join(o, 'victim'), path.join(s, FOLDER, '.alma-fetch-state.json.alma-partial'));
      },
      'harmless',
    ],
    [
      "a dump file's temporary name",
      (s, o) => {
        mkdirSync(path.join(s, FOLDER));
        writeFileSync(path.join(o, 'victim'), 'keep me');
        symlinkSync(
          path.join(o, 'victim'),
          path.join(s, FOLDER, `local_backup_final_${C}_${I}_01.dmp.alma-partial`),
        );
      },
      'harmless',
    ],
  ];
  for (const [label, plant, verdict] of plants) {
    test(`a symbolic link at ${label} does not redirect a write (${verdict})`, async () => {
      const staging = env.dir('staging');
      const outside = env.dir('outside');
      plant(staging, outside);
      const before = listAll(outside).map((n) => [n, readFileSync(path.join(outside, n), 'utf8')]);
      const run = await runFetchCommand(flags(goodDrop(), staging));
      if (verdict === 'refused') {
        assert.equal(run.result.reason, 'UnsafeStagingPath', run.result.message);
        assert.equal(run.code, FETCH_EXIT.unsafeStaging);
        assert.match(run.result.message, /refusing to write through the symbolic link/);
      } else {
        assert.equal(run.code, FETCH_EXIT.ok, run.result.message);
      }
      const now = listAll(outside).map((n) => [n, readFileSync(path.join(outside, n), 'utf8')]);
      assert.deepEqual(now, before, 'nothing written outside the staging directory');
    });
  }

  test('a symbolic link at the reports folder: no report written through it, the result still is', async () => {
    const staging = env.dir('staging');
    const outside = env.dir('outside');
    symlinkSync(outside, path.join(staging, 'reports'));
    const run = await runFetchCommand(flags(goodDrop(), staging));
    assert.equal(run.result.outcome, 'Succeeded');
    assert.equal(run.result.reportPath, undefined);
    assert.match(run.result.message, /the full report could not be written.*symbolic link/);
    assert.deepEqual(listAll(outside), []);
  });
});

describe('a short staging volume', () => {
  const mnt = '/tmp/alma-fetch-tests/tmpfs-hostile';
  before(() => {
    execFileSync('mkdir', ['-p', mnt]);
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    if (r.status !== 0) throw new Error(`cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): ${r.stderr}`);
  });
  after(() => {
    spawnSync('umount', [mnt]);
  });

  test('a scripts zip that does not fit is refused before it is written, and the result is written', async () => {
    const staging = path.join(mnt, 'staging');
    const zip = buildZip([
      { name: `scripts/final_script_par.${C}_${I}`, data: Buffer.from(vendorParfile(C, I)) },
      { name: 'scripts/big.sql', data: Buffer.alloc(3 << 20, 0x41), deflate: true },
    ]);
    const drop = craftedDrop([{ name: dump(1), data: Buffer.alloc(100, 1) }], zip);
    const run = await runFetchCommand(flags(drop, staging, { reserve: '2Mi' }));
    assert.equal(run.result.reason, 'InsufficientSpace', run.result.message);
    assert.equal(run.code, FETCH_EXIT.noSpace);
    assert.match(run.result.message, /big\.sql/);
    assert.ok(!existsSync(path.join(staging, FOLDER, 'scripts', 'big.sql')));
    assertNothingHalfWritten(staging);
    assert.ok(run.result.reportPath, 'the reserve kept room for the report');
  });

  test('a volume with no room left at all: the result is still written, saying the report is not', async () => {
    const staging = path.join(mnt, 'full');
    mkdirSync(staging, { recursive: true });
    // Fill the volume completely.
    spawnSync('dd', ['if=/dev/zero', `of=${path.join(staging, 'filler')}`, 'bs=64k']);
    const drop = craftedDrop([{ name: dump(1), data: Buffer.alloc(100, 1) }]);
    const run = await runFetchCommand(flags(drop, staging));
    assert.equal(run.result.outcome, 'Failed');
    assert.equal(run.result.reason, 'InsufficientSpace', run.result.message);
    rmSync(path.join(staging, 'filler'));
  });
});
