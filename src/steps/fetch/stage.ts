// Stage mode: the parts are first copied to the staging volume (resumable across runs: a part is
// appended to `<name>.alma-partial` from the byte it stopped at, and renamed when its size matches
// the server's), then read back in order as one stream. Costs the compressed size in extra disk;
// buys a restart that re-reads nothing over the network.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { SftpSession } from '../../sftp/connection.js';
import { concatParts, type ConcatHooks, type ReadTuning, type RemotePart } from '../../sftp/range-reader.js';
import type { Progress } from './progress.js';
import { ensureSpace } from './space.js';
import { PARTIAL_SUFFIX } from './state.js';
import {
  ensureDirInside,
  fileSink,
  openInside,
  removeInside,
  renameInside,
  type SafeRoot,
} from '../safe-fs.js';

export interface StageOptions {
  parts: RemotePart[];
  /** The staging directory, and the parts folder below it (all writes through safe-fs). */
  root: SafeRoot;
  partsRel: string;
  partsDir: string;
  session: (forceNew: boolean) => Promise<SftpSession>;
  progress: Progress;
  reserveBytes: number;
  tuning?: ReadTuning;
  hooks?: ConcatHooks;
  signal?: AbortSignal;
}

/** Bytes of each part already on disk (complete or partial). */
export async function stagedBytes(parts: RemotePart[], partsDir: string): Promise<number[]> {
  return Promise.all(
    parts.map(async (p) => {
      const whole = await stat(path.join(partsDir, p.name)).catch(() => undefined);
      if (whole?.size === p.size) return p.size;
      const partial = await stat(path.join(partsDir, p.name + PARTIAL_SUFFIX)).catch(() => undefined);
      return partial && partial.size <= p.size ? partial.size : 0;
    }),
  );
}

/** Downloads what is missing; returns the bytes transferred now. */
export async function stageParts(opts: StageOptions): Promise<number> {
  await ensureDirInside(opts.root, opts.partsRel);
  const have = await stagedBytes(opts.parts, opts.partsDir);
  const missing = opts.parts.reduce((n, p, i) => n + p.size - (have[i] ?? 0), 0);
  await ensureSpace(opts.partsDir, missing, opts.reserveBytes, `the ${opts.parts.length} parts (stage mode)`);
  let transferred = 0;
  for (const [i, part] of opts.parts.entries()) {
    const final = path.join(opts.partsDir, part.name);
    const finalRel = path.posix.join(opts.partsRel, part.name);
    const partialRel = finalRel + PARTIAL_SUFFIX;
    const offset = have[i] ?? 0;
    if (offset === part.size && (await stat(final).catch(() => undefined))?.size === part.size) continue;
    if (offset === 0) await removeInside(opts.root, partialRel);
    opts.progress.currentPart = part.name;
    opts.progress.currentFile = `${part.name} (from byte ${offset})`;
    const tap = async function* (src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        transferred += chunk.length;
        opts.progress.transferred += chunk.length;
        yield chunk;
      }
    };
    const fh = await openInside(opts.root, partialRel, { append: true });
    try {
      await pipeline(
        Readable.from(
          concatParts({
            parts: [part],
            start: { part: 0, offset },
            session: opts.session,
            ...(opts.tuning ? { tuning: opts.tuning } : {}),
            ...(opts.hooks ? { hooks: opts.hooks } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
          }),
        ),
        tap,
        fileSink(fh),
      );
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameInside(opts.root, partialRel, finalRel);
  }
  return transferred;
}

/** The staged parts, in order, as one byte stream. */
export async function* readStagedParts(
  parts: RemotePart[],
  partsDir: string,
  progress: Progress,
): AsyncGenerator<Buffer> {
  for (const part of parts) {
    progress.currentPart = part.name;
    for await (const chunk of createReadStream(path.join(partsDir, part.name), { highWaterMark: 1 << 20 })) {
      progress.transferred += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
}
