// Benchmark of the fetch step against the runbook's way, on one loopback OpenSSH server:
//   (a) runbook: OpenSSH `sftp` downloads the parts, then `cat parts | tar xzf -`
//   (b) `alma-restore fetch` (stream mode), the compiled CLI (`npm run build`) as the image runs it
//   (c) the machine's limit for the same data: `cat parts | gzip -dc > /dev/null`
//   (d) for reference, Node's own gunzip of the local parts (faster than GNU gzip, so a lower floor)
//   (e) `alma-restore fetch --mode stage` (download the parts, then extract; no target)
// Prints wall time and peak disk for each and the ratios b/a and b/c. All figures of one run are
// measured in that run. Size: BENCH_FETCH_GIB (extracted GiB, default 2); work dir BENCH_DIR;
// BENCH_FETCH_RANDOM_QUARTERS (0-4, default 4 = incompressible: the runbook expects ~70 GiB per
// million bibs both downloaded and untarred, so the vendor's parts are as big as the dumps;
// 1 = a quarter random, the rest record-like text that gzip shrinks ~4x).
//   node --import tsx bench/fetch/run.ts
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildDelivery } from '../../test/support/delivery.js';
import { startSshd } from '../../test/support/sshd.js';

const GIB = Number(process.env.BENCH_FETCH_GIB ?? '2');
const ROOT = process.env.BENCH_DIR ?? '/tmp/alma-fetch-bench';
const C = '3975';
const I = '3978';

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    try {
      n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
    } catch {
      // renamed or removed while we looked
    }
  }
  return n;
}

/** Runs `fn`, sampling the size of `dirs` every 200 ms; returns wall seconds and peak bytes. */
async function measure(dirs: string[], fn: () => Promise<void>): Promise<{ seconds: number; peak: number }> {
  let peak = 0;
  const sample = () => {
    peak = Math.max(
      peak,
      dirs.reduce((n, d) => n + dirBytes(d), 0),
    );
  };
  const timer = setInterval(sample, 200);
  const t0 = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  sample();
  return { seconds, peak };
}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

const gib = (n: number) => (n / 1024 ** 3).toFixed(2);

async function main() {
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(ROOT, { recursive: true });
  const drop = path.join(ROOT, 'drop');
  const dumpBytes = 256 * 1024 * 1024;
  const dumpFiles = Math.max(1, Math.round((GIB * 1024 ** 3) / dumpBytes));
  console.log(`building a delivery of ${dumpFiles} x 256 MiB dump files (gzip -1, 256 MiB parts) ...`);
  const tb = Date.now();
  const [built] = buildDelivery({
    dir: drop,
    customerId: C,
    institutions: [{ institutionId: I, dumpFiles, dumpBytes }],
    partBytes: 256 * 1024 * 1024,
    gzipLevel: 1,
    randomQuarters: Number(process.env.BENCH_FETCH_RANDOM_QUARTERS ?? '4'),
  });
  if (!built) throw new Error('no delivery built');
  console.log(
    `built in ${((Date.now() - tb) / 1000).toFixed(0)} s: ${gib(built.extractedBytes)} GiB extracted, ` +
      `${gib(built.compressedBytes)} GiB compressed in ${built.parts.length} parts`,
  );
  const server = await startSshd({ dir: path.join(ROOT, 'sshd') });
  const keyFile = path.join(ROOT, 'sshd', 'client_ed25519');
  const knownHosts = path.join(ROOT, 'known_hosts');
  writeFileSync(knownHosts, server.knownHostsLine + '\n');
  const partPaths = built.parts.map((p) => path.join(drop, p));
  try {
    // Warm the page cache the same way for everyone.
    execFileSync('bash', ['-c', 'cat "$@" > /dev/null', 'sh', ...partPaths]);

    const limit = await measure([], () =>
      run('bash', ['-c', 'cat "$@" | gzip -dc > /dev/null', 'sh', ...partPaths]),
    );

    // Node's zlib (which the fetch step uses) inflates faster than GNU gzip, so (c) is not a floor
    // for (b); this line shows how close (b) gets to reading and inflating locally in Node.
    const nodeGunzip = await measure([], () =>
      run(process.execPath, [
        '-e',
        `const fs = require('node:fs'), zlib = require('node:zlib');
         const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
         gunzip.resume();
         (async () => {
           for (const p of process.argv.slice(1))
             for await (const c of fs.createReadStream(p, { highWaterMark: 1 << 20 }))
               if (!gunzip.write(c)) await new Promise((r) => gunzip.once('drain', r));
           gunzip.end();
         })();`,
        ...partPaths,
      ]),
    );

    const dirA = path.join(ROOT, 'a');
    mkdirSync(dirA);
    const batch = path.join(ROOT, 'sftp-batch');
    writeFileSync(batch, built.parts.map((p) => `get ${path.join(drop, p)} ${dirA}/\n`).join(''));
    const a = await measure([dirA], async () => {
      await run('sftp', [
        '-q',
        '-b',
        batch,
        '-P',
        String(server.port),
        '-i',
        keyFile,
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        `${server.user}@${server.host}`,
      ]);
      await run('bash', ['-c', 'cat local_backup_final_*_tar.gz.* | tar xzf -'], { cwd: dirA });
    });
    rmSync(dirA, { recursive: true, force: true });

    const dirB = path.join(ROOT, 'b');
    mkdirSync(dirB);
    const creds = path.join(ROOT, 'creds');
    mkdirSync(creds);
    writeFileSync(path.join(creds, 'username'), server.user);
    writeFileSync(path.join(creds, 'privateKey'), server.clientPrivateKey);
    writeFileSync(path.join(creds, 'knownHosts'), server.knownHostsLine + '\n');
    // Time what the image runs: the compiled CLI (through tsx, start-up alone costs about 0.6 s more).
    const repo = path.resolve(import.meta.dirname, '../..');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
    const cli = path.join(repo, 'dist', 'cli.js');
    const fetchInto = (dest: string, mode: 'stream' | 'stage') =>
      measure([dest], () =>
        run(process.execPath, [
          cli,
          'fetch',
          '--host',
          server.host,
          '--port',
          String(server.port),
          '--directory',
          drop,
          '--customer',
          C,
          '--institution',
          I,
          '--credentials-dir',
          creds,
          '--dest',
          dest,
          '--mode',
          mode,
          '--stable-for',
          '0',
          '--progress-interval',
          '30',
          '--termination-log',
          '/dev/null',
        ]),
      );
    const b = await fetchInto(dirB, 'stream');
    rmSync(dirB, { recursive: true, force: true });
    // Stage mode keeps the parts on disk while it extracts (then deletes them): no target, shown
    // for users choosing between the modes.
    const dirE = path.join(ROOT, 'e');
    mkdirSync(dirE);
    const staged = await fetchInto(dirE, 'stage');
    rmSync(dirE, { recursive: true, force: true });

    const row = (label: string, r: { seconds: number; peak: number }) =>
      console.log(
        `${label.padEnd(44)} ${r.seconds.toFixed(1).padStart(7)} s  ${gib(r.peak).padStart(6)} GiB peak disk`,
      );
    console.log(
      `\nextracted ${gib(built.extractedBytes)} GiB, compressed ${gib(built.compressedBytes)} GiB, ${built.parts.length} parts`,
    );
    row('(a) runbook: sftp get parts; cat | tar xzf', a);
    row('(b) alma-restore fetch (stream)', b);
    row('(c) limit: cat parts | gzip -dc > /dev/null', limit);
    row('(d) for reference: Node gunzip of local parts', nodeGunzip);
    row('(e) alma-restore fetch --mode stage', staged);
    console.log(`\nb/a time ${(b.seconds / a.seconds).toFixed(2)} (target <= 0.7)`);
    console.log(`b/a peak disk ${(b.peak / a.peak).toFixed(2)} (target <= 0.55)`);
    console.log(`b/c time ${(b.seconds / limit.seconds).toFixed(2)} (target <= 1.5)`);
    console.log(
      `b/d time ${(b.seconds / nodeGunzip.seconds).toFixed(2)} (no target: the cost of SFTP, tar and writing)`,
    );
  } finally {
    await server.stop();
    if (!process.env.BENCH_KEEP) rmSync(ROOT, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
