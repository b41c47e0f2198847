// Builds vendor-like Alma Local Backup deliveries for tests and the benchmark: dump files of
// dump-like data (part random, part repetitive, so gzip compresses them a few times), packed the
// vendor's way (`tar czf - local_<C>_<I> | split -b`), plus alma_localbackup_customer.zip with
// scripts/final_script_par.<C>_<I>, IMPORT.sh, POST_IMPORT.sh. Also crafts hostile tarballs
// (raw ustar headers) that real tools would refuse to produce.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

export interface InstitutionDelivery {
  institutionId: string;
  /** Number of dump files (local_backup_final_<C>_<I>_NN.dmp). */
  dumpFiles: number;
  /** Bytes per dump file. */
  dumpBytes: number;
}

export interface DeliveryOptions {
  /** The SFTP directory to fill (made world-readable for the sftp account). */
  dir: string;
  customerId: string;
  institutions: InstitutionDelivery[];
  /** Split size of the tar.gz parts. */
  partBytes: number;
  /** `alpha` = split's .aa .ab ...; `numeric` = .00 .01 ... */
  suffix?: 'alpha' | 'numeric';
  /** Parfile text per institution (default: the vendor's sample with this tag). */
  parfile?: (customerId: string, institutionId: string, dumpFiles: number) => string;
  /** gzip level for the tarball (the benchmark uses a fast one). */
  gzipLevel?: number;
  /**
   * Share of random (incompressible) 16 KiB blocks in the dump files, in quarters (default 1 of 4).
   * Vendor dumps are Data Pump-compressed: their tarball is about as big as the dump files
   * ("70G/M bib records" both downloaded and untarred, per the runbook), so the benchmark uses 4.
   */
  randomQuarters?: number;
}

export interface BuiltInstitution {
  institutionId: string;
  /** Remote part names in order. */
  parts: string[];
  /** Dump file name -> sha256 hex. */
  checksums: Map<string, string>;
  extractedBytes: number;
  compressedBytes: number;
}

export function vendorParfile(c: string, i: string): string {
  return [
    `dumpfile=local_backup_final_${c}_${i}_%U.dmp`,
    `LOGFILE=import_${c}_${i}.log`,
    'REMAP_SCHEMA=EXL_ADMIN:EXL_ADMIN',
    'REMAP_TABLESPACE=USERS:USERS',
    '',
  ].join('\n');
}

/** Dump-like bytes: `randomQuarters`/4 random, the rest repeated record-ish text (1/4: compresses ~3-4x). */
export function writeDumpFile(file: string, bytes: number, randomQuarters = 1): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  const chunk = 1 << 20;
  const text = Buffer.from('EXL_ADMIN.BIB_RECORD|000123|Title of a book|Author, An|2021|'.repeat(400));
  try {
    let written = 0;
    while (written < bytes) {
      const n = Math.min(chunk, bytes - written);
      const buf = Buffer.allocUnsafe(n);
      for (let off = 0; off < n; off += 16384) {
        const len = Math.min(16384, n - off);
        if ((off / 16384) % 4 < randomQuarters) randomBytes(len).copy(buf, off);
        else text.copy(buf, off, (off + written) % 4096, ((off + written) % 4096) + len);
      }
      writeSync(fd, buf);
      hash.update(buf);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Makes `dir` and its ancestors up to `/tmp` traversable by the sftp account. */
export function makeReadable(dir: string): void {
  let d = path.resolve(dir);
  while (d !== '/' && d !== '/tmp') {
    chmodSync(d, 0o755);
    d = path.dirname(d);
  }
}

export interface ZipEntrySpec {
  name: string;
  data: Buffer;
  mode?: number;
  /** Store deflated (method 8) instead of stored. */
  deflate?: boolean;
  /** Uncompressed size written in the headers (a lying zip), default the real one. */
  declaredSize?: number;
}

/** A minimal zip writer (stored or deflated entries): enough for the scripts package and bombs. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const crc = crc32(e.data);
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const size = e.declaredSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix: external attrs hold the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export function scriptsZip(
  customerId: string,
  institutions: { institutionId: string; dumpFiles: number }[],
  parfile: (c: string, i: string, n: number) => string = vendorParfile,
): Buffer {
  const entries = [
    { name: 'scripts/', data: Buffer.alloc(0), mode: 0o40755 },
    ...institutions.map((inst) => ({
      name: `scripts/final_script_par.${customerId}_${inst.institutionId}`,
      data: Buffer.from(parfile(customerId, inst.institutionId, inst.dumpFiles)),
    })),
    {
      name: 'scripts/IMPORT.sh',
      data: Buffer.from('#!/bin/bash\nTAG=3975_3978\nimpdp EXL_ADMIN/EXL_ADMIN parfile=$PARFILE\n'),
      mode: 0o100750,
    },
    { name: 'scripts/POST_IMPORT.sh', data: Buffer.from('#!/bin/bash\necho post import\n'), mode: 0o100750 },
    { name: 'scripts/check_tbs.sql', data: Buffer.from('select * from dba_tablespace_usage_metrics;\n') },
  ];
  return buildZip(entries);
}

/** Splits `input` into `<prefix>aa, ab, ...` (or 00, 01, ...) with GNU split; returns the names. */
function splitFile(
  input: string,
  dir: string,
  prefix: string,
  partBytes: number,
  suffix: 'alpha' | 'numeric',
): string[] {
  const args = [
    '-b',
    String(partBytes),
    ...(suffix === 'numeric' ? ['-d'] : []),
    input,
    path.join(dir, prefix),
  ];
  execFileSync('split', args);
  return readdirSync(dir)
    .filter((n) => n.startsWith(prefix) && n.length === prefix.length + 2)
    .sort();
}

export function buildDelivery(options: DeliveryOptions): BuiltInstitution[] {
  const { dir, customerId } = options;
  mkdirSync(dir, { recursive: true });
  const work = path.join(dir, '..', `.build-${path.basename(dir)}`);
  const built: BuiltInstitution[] = [];
  for (const inst of options.institutions) {
    const tag = `${customerId}_${inst.institutionId}`;
    const folder = path.join(work, `local_${tag}`);
    mkdirSync(folder, { recursive: true });
    const checksums = new Map<string, string>();
    for (let n = 1; n <= inst.dumpFiles; n++) {
      const name = `local_backup_final_${tag}_${String(n).padStart(2, '0')}.dmp`;
      checksums.set(name, writeDumpFile(path.join(folder, name), inst.dumpBytes, options.randomQuarters));
    }
    const tgz = path.join(work, `local_backup_final_${tag}.tar.gz`);
    const level = String(options.gzipLevel ?? 6);
    const r = spawnSync('bash', [
      '-c',
      `tar -C "$1" -cf - "$2" | gzip -${level} > "$3"`,
      'sh',
      work,
      `local_${tag}`,
      tgz,
    ]);
    if (r.status !== 0) throw new Error(`tar|gzip failed: ${r.stderr}`);
    const compressedBytes = statSync(tgz).size;
    const parts = splitFile(
      tgz,
      dir,
      `local_backup_final_${tag}_tar.gz.`,
      options.partBytes,
      options.suffix ?? 'alpha',
    );
    built.push({
      institutionId: inst.institutionId,
      parts,
      checksums,
      extractedBytes: inst.dumpFiles * inst.dumpBytes,
      compressedBytes,
    });
  }
  writeFileSync(
    path.join(dir, 'alma_localbackup_customer.zip'),
    scriptsZip(customerId, options.institutions, options.parfile),
  );
  rmSync(work, { recursive: true, force: true });
  makeReadable(dir);
  for (const name of readdirSync(dir)) chmodSync(path.join(dir, name), 0o644);
  return built;
}

// ---- hostile tarballs -------------------------------------------------------------------

export interface RawTarEntry {
  name: string;
  /** Raw header name bytes (e.g. not UTF-8), used instead of `name` when given. */
  nameBytes?: Buffer;
  /** ustar typeflag: '0' file, '5' dir, '2' symlink, '1' hardlink, '3' char device. */
  type?: '0' | '5' | '2' | '1' | '3';
  data?: Buffer;
  linkname?: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** A pax extended header record (`<len> path=<value>\n`, the length counting itself). */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return Buffer.from(`${len}${body}`);
}

/** A tar stream written header by header, so it can hold what GNU tar would not produce. */
export function rawTar(entries: RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  const expanded = entries.flatMap((e): RawTarEntry[] =>
    Buffer.byteLength(e.name) > 100 && !e.nameBytes
      ? // A name longer than the ustar field travels in a pax header (POSIX.1-2001), as GNU tar writes it.
        [
          { name: 'PaxHeader', type: 'x' as unknown as '0', data: paxRecord('path', e.name) },
          { ...e, name: e.name.slice(0, 99) },
        ]
      : [e],
  );
  for (const e of expanded) {
    const data = e.data ?? Buffer.alloc(0);
    const h = Buffer.alloc(512);
    if (e.nameBytes) e.nameBytes.copy(h, 0, 0, 100);
    else h.write(e.name, 0, 100);
    h.write(octal(e.type === '5' ? 0o755 : 0o644, 8), 100);
    h.write(octal(0, 8), 108);
    h.write(octal(0, 8), 116);
    const hasData = !e.type || e.type === '0' || (e.type as string) === 'x';
    h.write(octal(hasData ? data.length : 0, 12), 124);
    h.write(octal(Math.floor(Date.now() / 1000), 12), 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    if (e.linkname) h.write(e.linkname, 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(octal(sum, 7) + ' ', 148);
    blocks.push(h);
    if (hasData) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Writes a gzip'd tar as split parts into `dir`; returns the part names. */
export function writeTarGzParts(dir: string, tag: string, tar: Buffer, partBytes: number): string[] {
  const gz = gzipSync(tar);
  const names: string[] = [];
  for (let i = 0, n = 0; i < gz.length; i += partBytes, n++) {
    const name = `local_backup_final_${tag}_tar.gz.${String.fromCharCode(97 + Math.floor(n / 26))}${String.fromCharCode(97 + (n % 26))}`;
    writeFileSync(path.join(dir, name), gz.subarray(i, i + partBytes), { mode: 0o644 });
    names.push(name);
  }
  return names;
}
