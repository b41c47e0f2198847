// A real OpenSSH sftp server on a loopback port, for tests and the benchmark. Each server has its
// own host key, authorized_keys and config in a temporary directory; one dedicated local account
// (created once, as root) logs in with a password or a key. The account's password is one constant:
// test files run in parallel, each with its own server, and a per-server password set with chpasswd
// would overwrite the others' (a real CI failure). The server can be killed (with every
// session process it forked, which is what cuts a transfer) and restarted on the same port with
// the same host key.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from './control-plane.js';

export const SFTP_TEST_USER = 'almasftp';
/** The test account's password, the same for every server (see the header). */
export const SFTP_TEST_PASSWORD = 'correct horse battery';
const SSHD = '/usr/sbin/sshd';

export interface SshdOptions {
  /** Working directory for keys, config and logs (created). */
  dir: string;
  /** Turns PasswordAuthentication on; the password is SFTP_TEST_PASSWORD. */
  passwordLogin?: boolean;
  port?: number;
  /** Address to listen on; default 127.0.0.1 (the real node's pods use the bridge host address). */
  listenAddress?: string;
}

export interface SshdServer {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  /** OpenSSH private key (PEM) authorised for the user. */
  clientPrivateKey: string;
  /** A known_hosts line for [host]:port. */
  knownHostsLine: string;
  /** `SHA256:...` fingerprint of the server's host key. */
  fingerprint: string;
  /** Kills the listener and every session process it forked (a crash: connections drop). */
  kill(): Promise<void>;
  /** Starts the server again on the same port with the same host key. */
  start(): Promise<void>;
  stop(): Promise<void>;
  logFile: string;
}

function requireBinary(file: string, hint: string): void {
  if (!existsSync(file)) throw new Error(`${file} not found: ${hint}`);
}

/** Creates the dedicated local account once (needs root) with the shared password. */
function ensureTestUser(): void {
  if (process.getuid?.() !== 0) throw new Error('the sshd harness needs root to create its test account');
  try {
    execFileSync('id', [SFTP_TEST_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--create-home', '--shell', '/bin/sh', SFTP_TEST_USER]);
  }
  // A locked account ("!" in shadow) cannot log in even with a key; give it a password always.
  execFileSync('chpasswd', { input: `${SFTP_TEST_USER}:${SFTP_TEST_PASSWORD}\n` });
}

export { freePort };

async function waitForBanner(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, host);
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not answer on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every descendant pid of `pid` (sshd forks one process tree per session). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) {
    for (const pid of child.pid ? descendants(child.pid) : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    child.kill('SIGKILL');
  }
});

export async function startSshd(options: SshdOptions): Promise<SshdServer> {
  requireBinary(SSHD, 'apt-get install openssh-server');
  requireBinary('/usr/bin/ssh-keygen', 'apt-get install openssh-client');
  mkdirSync(options.dir, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  ensureTestUser();
  const hostKey = path.join(options.dir, 'host_ed25519');
  const clientKey = path.join(options.dir, 'client_ed25519');
  for (const key of [hostKey, clientKey]) {
    if (!existsSync(key)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  }
  const authorizedKeys = path.join(options.dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`));
  chmodSync(authorizedKeys, 0o644);
  const port = options.port ?? (await freePort());
  // Loopback, or the host side of the real node's pod bridge (pods reach it there).
  const host = options.listenAddress ?? '127.0.0.1';
  const logFile = path.join(options.dir, 'sshd.log');
  const config = path.join(options.dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'StrictModes no',
      'UsePAM no',
      `PasswordAuthentication ${options.passwordLogin ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AllowUsers ${SFTP_TEST_USER}`,
      'PidFile none',
      'Subsystem sftp internal-sftp',
      'MaxStartups 50',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const pub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const knownHostsLine = `[${host}]:${port} ${pub[0]} ${pub[1]}`;
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' });
  const fingerprint = fp.split(/\s+/)[1] ?? '';

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(SSHD, ['-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(child);
    const c = child;
    c.stderr?.on('data', (d: Buffer) => writeFileSync(logFile, d, { flag: 'a' }));
    c.once('exit', () => live.delete(c));
    await waitForBanner(host, port);
  };
  const kill = async () => {
    const c = child;
    if (!c?.pid || c.exitCode !== null) return;
    const pids = descendants(c.pid);
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await exited;
  };
  await start();
  return {
    host,
    port,
    user: SFTP_TEST_USER,
    password: options.passwordLogin ? SFTP_TEST_PASSWORD : undefined,
    clientPrivateKey: readFileSync(clientKey, 'utf8'),
    knownHostsLine,
    fingerprint,
    kill,
    start,
    stop: kill,
    logFile,
  };
}
