// TEMPORARY bridge to the image helper's test/support/images.ts (branch `image`, not yet
// committed when this was written): the same names, so switching is an import change.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ORACLE_STAGING_PATH } from '../../src/api/stepConfig.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export type ImageTarget = 'app' | 'pause' | 'oracle';
export interface BuiltImage {
  target: ImageTarget;
  ref: string;
  archive: string;
}

export const ORACLE_STANDIN = {
  uid: 54321,
  checkReadableCommand: ['/usr/local/bin/alma-standin-oracle', 'check-readable', ORACLE_STAGING_PATH],
} as const;

export interface ReadableReport {
  uid: number;
  entries: { kind: 'file' | 'directory'; path: string; readable: boolean; error?: string }[];
  files: number;
  unreadable: number;
}

export function parseReadableReport(stdout: string): ReadableReport {
  return JSON.parse(stdout) as ReadableReport;
}

export async function buildImages(
  targets: readonly ImageTarget[] = ['app', 'pause', 'oracle'],
): Promise<Record<ImageTarget, BuiltImage>> {
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [path.join(REPO_ROOT, 'scripts/build-image.sh'), ...targets], {
      maxBuffer: 64 << 20,
    }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `scripts/build-image.sh failed:\n${(e.stderr ?? e.message).trim().split('\n').slice(-15).join('\n')}`,
      {
        cause: err,
      },
    );
  }
  const out: Partial<Record<ImageTarget, BuiltImage>> = {};
  for (const line of stdout.split('\n')) {
    const [tag, target, ref, archive] = line.split('\t');
    if (tag === 'IMAGE' && ref && archive)
      out[target as ImageTarget] = { target: target as ImageTarget, ref, archive };
  }
  for (const t of targets)
    if (!out[t]) throw new Error(`scripts/build-image.sh printed no IMAGE line for ${t}`);
  return out as Record<ImageTarget, BuiltImage>;
}
