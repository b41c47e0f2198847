// One SFTP session: connect (with p-retry backoff for transient failures, none for a refused
// host key or refused credentials), list a directory, read byte ranges. Errors are classified
// into the fetch exit codes so that a person can tell "wrong key" from "server down".
import SftpClient from 'ssh2-sftp-client';
import pRetry, { AbortError } from 'p-retry';
import type { Client, SFTPWrapper } from 'ssh2';
import { UserFacingError, errorMessage } from '../errors.js';
import type { Logger } from '../logging.js';
import { FETCH_EXIT } from '../contract/exit-codes.js';
import type { SftpCredentials } from './credentials.js';
import { hostKeyObserver, parseHostKeyPins, type HostKeyPins } from './hostkey.js';

export interface SftpEndpoint {
  host: string;
  port: number;
  credentials: SftpCredentials;
  insecureSkipHostKeyVerification: boolean;
}

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, minTimeoutMs: 1000, maxTimeoutMs: 30_000 };

export interface RemoteEntry {
  name: string;
  size: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
  isFile: boolean;
}

export class SftpSession {
  private closed = false;
  /** Rejecters of requests in flight: a dead connection must fail them, not leave them hanging. */
  private readonly inflight = new Set<(err: Error) => void>();
  constructor(
    private readonly client: SftpClient,
    readonly sftp: SFTPWrapper,
    readonly hostFingerprint: string,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  markClosed(): void {
    this.closed = true;
    const err = Object.assign(new Error('SFTP connection closed'), { code: 'ECONNRESET' });
    for (const reject of this.inflight) reject(err);
    this.inflight.clear();
  }

  /** Runs one SFTP request so that it fails when the connection closes. */
  private track<T>(start: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
    if (this.closed)
      return Promise.reject(Object.assign(new Error('SFTP connection closed'), { code: 'ECONNRESET' }));
    return new Promise<T>((resolve, reject) => {
      const fail = (e: unknown) => reject(e);
      this.inflight.add(fail);
      start(
        (v) => {
          this.inflight.delete(fail);
          resolve(v);
        },
        (e) => {
          this.inflight.delete(fail);
          reject(e);
        },
      );
    });
  }

  async list(dir: string): Promise<RemoteEntry[]> {
    const items = await this.track<SftpClient.FileInfo[]>((resolve, reject) => {
      this.client.list(dir).then(resolve, reject);
    });
    return items.map((i) => ({ name: i.name, size: i.size, mtimeMs: i.modifyTime, isFile: i.type === '-' }));
  }

  open(file: string): Promise<Buffer> {
    return this.track((resolve, reject) =>
      this.sftp.open(file, 'r', (err, handle) => (err ? reject(err) : resolve(handle))),
    );
  }

  closeHandle(handle: Buffer): Promise<void> {
    return new Promise((resolve) => this.sftp.close(handle, () => resolve()));
  }

  /** One read; may return fewer bytes than asked (0 at end of file). */
  read(handle: Buffer, position: number, length: number): Promise<Buffer> {
    return this.track((resolve, reject) => {
      const buf = Buffer.allocUnsafe(length);
      this.sftp.read(handle, buf, 0, length, position, (err, n) =>
        err ? reject(err) : resolve(n === length ? buf : buf.subarray(0, n)),
      );
    });
  }

  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.client.end();
    } catch {
      // Already gone.
    }
  }
}

/** True for errors that a new connection may cure (as opposed to auth, host key, bad input). */
export function isTransportError(err: unknown): boolean {
  if (err instanceof UserFacingError) return err.exitCode === FETCH_EXIT.transport;
  const e = err as { code?: unknown; level?: unknown; message?: unknown };
  if (e?.level === 'client-authentication') return false;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^E(CONNRESET|CONNREFUSED|CONNABORTED|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code))
    return true;
  if (code === 'ERR_NOT_CONNECTED' || code === 'ERR_GENERIC_CLIENT' || code === 'ERR_BAD_AUTH') {
    return !/authenticat/i.test(String(e?.message));
  }
  return /no response from server|not connected|connection (lost|closed|reset)|timed out|ECONNRESET|socket|channel/i.test(
    errorMessage(err),
  );
}

function describeEndpoint(ep: SftpEndpoint): string {
  return `${ep.host}:${ep.port}`;
}

async function connectOnce(
  ep: SftpEndpoint,
  pins: HostKeyPins | undefined,
  log: Logger,
): Promise<SftpSession> {
  const observer = hostKeyObserver(pins);
  let session: SftpSession | undefined;
  const client = new SftpClient('alma-fetch', {
    error: (err: unknown) => {
      session?.markClosed();
      log.debug({ err: errorMessage(err) }, 'sftp connection error');
    },
    end: () => session?.markClosed(),
    close: () => session?.markClosed(),
  });
  const c = ep.credentials;
  try {
    const sftp = await client.connect({
      host: ep.host,
      port: ep.port,
      username: c.username,
      ...(c.password ? { password: c.password } : {}),
      ...(c.privateKey ? { privateKey: c.privateKey } : {}),
      ...(c.passphrase ? { passphrase: c.passphrase } : {}),
      hostVerifier: observer.verifier,
      readyTimeout: 20_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      // Password users often also have keyboard-interactive only; try it with the same password.
      tryKeyboard: Boolean(c.password),
    });
    const s = new SftpSession(client, sftp, observer.seen?.fingerprint ?? '');
    session = s;
    // Listen on ssh2 itself too: ssh2-sftp-client's global listeners may swallow a second event.
    const raw = (client as unknown as { client: Client }).client;
    // Without TCP_NODELAY, our small read requests and window adjustments wait on Nagle's
    // algorithm and the server's delayed ACKs: the transfer runs at a third of its speed.
    raw.setNoDelay(true);
    raw.on('close', () => s.markClosed());
    raw.on('end', () => s.markClosed());
    sftp.on('close', () => s.markClosed());
    return s;
  } catch (err) {
    await client.end().catch(() => undefined);
    if (observer.seen && !observer.seen.ok) {
      throw new AbortError(
        new UserFacingError(
          `SFTP host key for ${describeEndpoint(ep)} ${observer.seen.why}: the server presented ${observer.seen.fingerprint}. ` +
            `If the server's key really changed, update knownHosts in the credentials Secret.`,
          'HostKeyRejected',
          FETCH_EXIT.hostKey,
        ),
      );
    }
    const msg = errorMessage(err);
    if ((err as { level?: string }).level === 'client-authentication' || /authentication/i.test(msg)) {
      throw new AbortError(
        new UserFacingError(
          `SFTP server ${describeEndpoint(ep)} refused the credentials of user ${JSON.stringify(c.username)} ` +
            `(${c.privateKey ? 'private key' : 'password'}): check the credentials Secret`,
          'AuthenticationFailed',
          FETCH_EXIT.auth,
        ),
      );
    }
    throw err;
  }
}

/** Why a connection failed, in words that say what to check. Pure. */
export function describeConnectFailure(
  ep: SftpEndpoint,
  attempts: number,
  err: unknown,
  waitedMs?: number,
): string {
  const code = (err as { code?: unknown }).code;
  const gaveUp =
    waitedMs !== undefined
      ? `after ${attempts} attempt(s) in ${Math.round(waitedMs / 1000)} s (the delivery wait ended)`
      : `after ${attempts} attempts`;
  if (code === 'ENOTFOUND')
    return `cannot reach the SFTP server ${describeEndpoint(ep)} ${gaveUp}: the host name ${JSON.stringify(ep.host)} does not resolve (DNS ENOTFOUND): check spec.source.sftp.host`;
  return `cannot reach the SFTP server ${describeEndpoint(ep)} ${gaveUp}: ${errorMessage(err)}`;
}

/**
 * Connects with retries and exponential backoff; throws a classified UserFacingError. With
 * `deadlineMs` (ms since the epoch: the end of the delivery wait) retries stop there too.
 */
export async function connectSftp(
  ep: SftpEndpoint,
  log: Logger,
  retry: RetryPolicy = DEFAULT_RETRY,
  deadlineMs?: number,
): Promise<SftpSession> {
  let pins: HostKeyPins | undefined;
  if (!ep.insecureSkipHostKeyVerification) {
    if (!ep.credentials.knownHosts) {
      throw new UserFacingError(
        `no pinned host key for ${describeEndpoint(ep)}: put a known_hosts line (ssh-keyscan -p ${ep.port} ${ep.host}) ` +
          `or a SHA256:... fingerprint in knownHosts, or (unsafe) set source.sftp.insecureSkipHostKeyVerification`,
        'HostKeyPinMissing',
      );
    }
    pins = parseHostKeyPins(ep.credentials.knownHosts);
  }
  const started = Date.now();
  let attempts = 0;
  try {
    const session = await pRetry(() => (attempts++, connectOnce(ep, pins, log)), {
      retries: retry.retries,
      ...(deadlineMs !== undefined ? { maxRetryTime: Math.max(0, deadlineMs - started) } : {}),
      minTimeout: retry.minTimeoutMs,
      maxTimeout: retry.maxTimeoutMs,
      factor: 2,
      randomize: true,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        log.warn(
          { attempt: attemptNumber, retriesLeft, err: error.message },
          `SFTP connect to ${describeEndpoint(ep)} failed`,
        );
      },
    });
    if (ep.insecureSkipHostKeyVerification) {
      log.warn(
        { fingerprint: session.hostFingerprint },
        'host key NOT verified (insecureSkipHostKeyVerification)',
      );
    }
    return session;
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    const stoppedByDeadline = attempts < retry.retries + 1 && deadlineMs !== undefined;
    throw new UserFacingError(
      describeConnectFailure(ep, attempts, err, stoppedByDeadline ? Date.now() - started : undefined),
      'TransportFailed',
      FETCH_EXIT.transport,
    );
  }
}
