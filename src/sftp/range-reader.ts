// Reading remote files fast and without a gap: `readRange` keeps `window` read requests in
// flight (like OpenSSH's sftp client and ssh2's fastGet, which would otherwise be bound by one
// round trip per 32 KiB) and yields the data strictly in order; `concatParts` reads several files
// as one byte stream and, when the connection drops, reconnects (p-retry with backoff inside
// `reconnect`) and carries on from the exact byte where it stopped, so the consumer (gunzip, tar,
// a local part file) never notices.
import { UserFacingError, errorMessage } from '../errors.js';
import { FETCH_EXIT } from '../contract/exit-codes.js';
import { isTransportError, type SftpSession } from './connection.js';

export interface ReadTuning {
  /** Bytes per read request (OpenSSH's sftp-server serves up to 255 KiB per read). */
  chunkBytes: number;
  /** Read requests in flight. */
  window: number;
}

export const DEFAULT_TUNING: ReadTuning = { chunkBytes: 255 * 1024, window: 16 };

async function readExactly(
  session: SftpSession,
  handle: Buffer,
  pos: number,
  len: number,
  file: string,
): Promise<Buffer> {
  const first = await session.read(handle, pos, len);
  if (first.length === len) return first;
  // Short read: ask for the rest (servers may cap a reply below what was asked).
  const pieces = [first];
  let got = first.length;
  while (got < len) {
    const more = await session.read(handle, pos + got, len - got);
    if (more.length === 0) {
      throw new UserFacingError(
        `${file} ended at byte ${pos + got}, before the ${pos + len} bytes listed: it shrank or was replaced during the fetch`,
        'DeliveryChanged',
        FETCH_EXIT.badDelivery,
      );
    }
    pieces.push(more);
    got += more.length;
  }
  return Buffer.concat(pieces, len);
}

/** Yields bytes [start, end) of an open remote file, in order, with `window` reads in flight. */
export async function* readRange(
  session: SftpSession,
  handle: Buffer,
  start: number,
  end: number,
  file: string,
  tuning: ReadTuning = DEFAULT_TUNING,
): AsyncGenerator<Buffer> {
  const inflight: Promise<Buffer>[] = [];
  let next = start;
  const issue = () => {
    const len = Math.min(tuning.chunkBytes, end - next);
    const p = readExactly(session, handle, next, len, file);
    p.catch(() => undefined); // awaited below in order; avoid unhandled rejections when abandoned
    inflight.push(p);
    next += len;
  };
  while (inflight.length < tuning.window && next < end) issue();
  while (inflight.length > 0) {
    const buf = await (inflight.shift() as Promise<Buffer>);
    if (next < end) issue();
    yield buf;
  }
}

export interface RemotePart {
  /** Full remote path. */
  path: string;
  name: string;
  size: number;
}

export interface ConcatPosition {
  part: number;
  offset: number;
}

export interface ConcatHooks {
  /** Called (and awaited) after each chunk is handed on; tests use it to cut the connection. */
  afterChunk?: (pos: ConcatPosition) => void | Promise<void>;
  onReconnect?: (pos: ConcatPosition, err: unknown) => void;
  onPart?: (part: RemotePart, index: number) => void;
}

export interface ConcatOptions {
  parts: RemotePart[];
  start?: ConcatPosition;
  /** Returns a live session (reconnecting with backoff if the last one died). */
  session: (forceNew: boolean) => Promise<SftpSession>;
  tuning?: ReadTuning;
  /** Consecutive failures without a byte of progress before giving up. */
  maxStalls?: number;
  hooks?: ConcatHooks;
  /**
   * Aborted when the consumer has given up (the fetch failed or ended): a read that fails after
   * that is the session being closed on purpose, never a reason to reconnect.
   */
  signal?: AbortSignal;
}

/** The error a reader ends with once its consumer aborted it. */
export class ReadAborted extends Error {
  constructor(reason: unknown) {
    super(`SFTP read abandoned: ${errorMessage(reason)}`);
    this.name = 'ReadAborted';
  }
}

/** The parts as one byte stream, resuming after connection loss at the exact byte. */
export async function* concatParts(opts: ConcatOptions): AsyncGenerator<Buffer> {
  const maxStalls = opts.maxStalls ?? 5;
  let forceNew = false;
  let stalls = 0;
  for (let i = opts.start?.part ?? 0; i < opts.parts.length; i++) {
    const part = opts.parts[i] as RemotePart;
    let offset = i === opts.start?.part ? opts.start.offset : 0;
    opts.hooks?.onPart?.(part, i);
    while (offset < part.size) {
      let handle: Buffer | undefined;
      let session: SftpSession | undefined;
      if (opts.signal?.aborted) throw new ReadAborted(opts.signal.reason);
      try {
        session = await opts.session(forceNew);
        forceNew = false;
        handle = await session.open(part.path);
        for await (const buf of readRange(session, handle, offset, part.size, part.name, opts.tuning)) {
          offset += buf.length;
          stalls = 0;
          yield buf;
          await opts.hooks?.afterChunk?.({ part: i, offset });
        }
      } catch (err) {
        // The consumer gave up and the session was closed on purpose: do not reconnect.
        if (opts.signal?.aborted) throw new ReadAborted(opts.signal.reason);
        // Already classified (e.g. reconnecting failed after all retries): final.
        if (err instanceof UserFacingError) throw err;
        if (!isTransportError(err) && !session?.isClosed) throw err;
        stalls++;
        if (stalls > maxStalls) {
          throw new UserFacingError(
            `the SFTP transfer of ${part.name} failed ${stalls} times in a row at byte ${offset}: ${errorMessage(err)}`,
            'TransportFailed',
            FETCH_EXIT.transport,
          );
        }
        opts.hooks?.onReconnect?.({ part: i, offset }, err);
        forceNew = true;
        continue;
      }
      if (handle && session && !session.isClosed) await session.closeHandle(handle);
    }
  }
}
