// The images the real node runs, from scripts/build-image.sh (cached by its inputs): the app
// image built from the Dockerfile, the pause image (containerd's sandbox_image) and the Oracle
// database stand-in (managed mode, impdp engine). Each is an OCI archive plus the ref it holds.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface BuiltImage {
  ref: string;
  archive: string;
}

export interface TestImages {
  app: BuiltImage;
  pause: BuiltImage;
  oracle: BuiltImage;
}

let built: Promise<TestImages> | undefined;

/** Builds (or finds cached) every image; fails with the script's own message. */
export function buildTestImages(): Promise<TestImages> {
  built ??= (async () => {
    let stdout: string;
    try {
      ({ stdout } = await run('bash', [path.join(REPO_ROOT, 'scripts/build-image.sh'), 'all'], {
        maxBuffer: 64 << 20,
      }));
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(
        `scripts/build-image.sh all failed:\n${(e.stderr ?? e.message).trim().split('\n').slice(-15).join('\n')}`,
        {
          cause: err,
        },
      );
    }
    const images: Partial<TestImages> = {};
    for (const line of stdout.split('\n')) {
      const [tag, target, ref, archive] = line.split('\t');
      if (
        tag === 'IMAGE' &&
        ref &&
        archive &&
        (target === 'app' || target === 'pause' || target === 'oracle')
      )
        images[target] = { ref, archive };
    }
    for (const t of ['app', 'pause', 'oracle'] as const)
      if (!images[t])
        throw new Error(`scripts/build-image.sh all printed no IMAGE line for ${t}:\n${stdout}`);
    return images as TestImages;
  })();
  return built;
}
