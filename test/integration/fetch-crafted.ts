// Crafted deliveries for the fetch tests that feed it hostile or broken input: a tarball of exactly
// the given members and a scripts zip (the vendor's, or one given), the flags of a fetch of one
// institution, and the checks that nothing half-written is left looking complete.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeReadable, rawTar, scriptsZip, writeTarGzParts, type RawTarEntry } from '../support/delivery.js';
import type { FetchEnv } from './fetch-env.js';

export const C = '3975';
export const I = '3978';
export const FOLDER = `local_${C}_${I}`;
export const dump = (n: number) => `${FOLDER}/local_backup_final_${C}_${I}_0${n}.dmp`;

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The flags of a fetch of institution I from `drop` into `staging`. */
export function craftedFlags(
  env: FetchEnv,
  drop: string,
  staging: string,
  extra: Record<string, string> = {},
) {
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
export function craftedDrop(env: FetchEnv, entries: RawTarEntry[], zip?: Buffer): string {
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
export function listAll(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** No temporary file, and every file the state records is on disk with that sha256. */
export function assertNothingHalfWritten(staging: string): void {
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
