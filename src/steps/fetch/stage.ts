// Stage mode: the parts are first copied to the staging volume (resumable across runs: a part is
// appended to `<name>.alma-partial` from the byte it stopped at, and renamed when its size matches
// the server's), then read back in order as one stream. Costs the compressed size in extra disk;
// buys a restart that re-reads nothing over the network.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { SftpSession } from '../../sftp/connection.js';
import { concatParts, type ConcatHooks, type ReadTuning, type RemotePart } from '../../sftp/range-reader.js';
import type { Progress } from './progress.js';
import { ensureSpace } from './space.js';
import { PARTIAL_SUFFIX } from './state.js';

export interface StageOptions {
  parts: RemotePart[];
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
  await mkdir(opts.partsDir, { recursive: true });
  const have = await stagedBytes(opts.parts, opts.partsDir);
  const missing = opts.parts.reduce((n, p, i) => n + p.size - (have[i] ?? 0), 0);
  await ensureSpace(opts.partsDir, missing, opts.reserveBytes, `the ${opts.parts.length} parts (stage mode)`);
  let transferred = 0;
  for (const [i, part] of opts.parts.entries()) {
    const final = path.join(opts.partsDir, part.name);
    const partial = final + PARTIAL_SUFFIX;
    const offset = have[i] ?? 0;
    if (offset === part.size && (await stat(final).catch(() => undefined))?.size === part.size) continue;
    if (offset === 0) await truncate(partial, 0).catch(() => undefined);
    opts.progress.currentPart = part.name;
    opts.progress.currentFile = `${part.name} (from byte ${offset})`;
    const tap = async function* (src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        transferred += chunk.length;
        opts.progress.transferred += chunk.length;
        yield chunk;
      }
    };
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
      createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w', flush: true }),
    );
    await rename(partial, final);
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
