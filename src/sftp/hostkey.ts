// Host key pinning. ssh2 accepts any host key unless a hostVerifier says otherwise, so every
// connection goes through verifierFor(): the key the server presents must be one of the pinned
// keys (known_hosts lines) or match a pinned `SHA256:` fingerprint. The pin file comes from a
// Secret made for this one SFTP server, so the host field of a known_hosts line is not consulted
// (a Service name, an IP and a port-forward all reach the same server).
import { createHash } from 'node:crypto';
import { UserFacingError } from '../errors.js';

export interface HostKeyPins {
  /** Raw public key blobs (the base64 field of a known_hosts line, decoded). */
  keys: Buffer[];
  /** OpenSSH-style fingerprints, `SHA256:` + unpadded base64. */
  fingerprints: string[];
  /** Keys marked @revoked: refused even if also pinned. */
  revoked: Buffer[];
}

/** OpenSSH's SHA256 fingerprint of a raw public key blob. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

const KEY_TYPE =
  /^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/**
 * Parses pin text: any mix of `SHA256:...` fingerprints, known_hosts lines
 * (`host[,host] type base64 [comment]`, `@revoked` marker allowed) and bare public keys
 * (`type base64 [comment]`). Blank lines and `#` comments are ignored.
 */
export function parseHostKeyPins(text: string, source = 'knownHosts'): HostKeyPins {
  const pins: HostKeyPins = { keys: [], fingerprints: [], revoked: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let fields = line.split(/\s+/);
    if (fields.length === 1 && /^SHA256:[A-Za-z0-9+/]{43}=?$/.test(fields[0] ?? '')) {
      pins.fingerprints.push((fields[0] ?? '').replace(/=$/, ''));
      return;
    }
    let revoked = false;
    if (fields[0] === '@revoked') {
      revoked = true;
      fields = fields.slice(1);
    } else if (fields[0]?.startsWith('@')) {
      throw new UserFacingError(
        `${source} line ${i + 1}: marker ${fields[0]} is not supported; pin the server's own key or its SHA256 fingerprint`,
        'HostKeyPinInvalid',
      );
    }
    const typeAt = KEY_TYPE.test(fields[0] ?? '') ? 0 : KEY_TYPE.test(fields[1] ?? '') ? 1 : -1;
    const b64 = typeAt >= 0 ? fields[typeAt + 1] : undefined;
    if (!b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) {
      throw new UserFacingError(
        `${source} line ${i + 1} is neither a known_hosts line nor a SHA256:... fingerprint ` +
          `(get one with: ssh-keyscan -p <port> <host>, or ssh-keygen -lf <host key>.pub)`,
        'HostKeyPinInvalid',
      );
    }
    (revoked ? pins.revoked : pins.keys).push(Buffer.from(b64, 'base64'));
  });
  if (pins.keys.length === 0 && pins.fingerprints.length === 0) {
    throw new UserFacingError(`${source} pins no host key`, 'HostKeyPinInvalid');
  }
  return pins;
}

export type HostKeyVerdict =
  { ok: true; fingerprint: string } | { ok: false; fingerprint: string; why: string };

/** Decides whether a presented key blob is pinned. Pure. */
export function checkHostKey(pins: HostKeyPins, keyBlob: Buffer): HostKeyVerdict {
  const fingerprint = sha256Fingerprint(keyBlob);
  if (pins.revoked.some((k) => k.equals(keyBlob)))
    return { ok: false, fingerprint, why: 'is marked @revoked' };
  if (pins.keys.some((k) => k.equals(keyBlob)) || pins.fingerprints.includes(fingerprint)) {
    return { ok: true, fingerprint };
  }
  return { ok: false, fingerprint, why: 'is not the pinned key' };
}

/** Holds what the verifier saw, so a refused connection can be reported with its fingerprint. */
export interface HostKeyObserver {
  verifier: (key: Buffer) => boolean;
  seen?: HostKeyVerdict;
}

export function hostKeyObserver(pins: HostKeyPins | undefined): HostKeyObserver {
  const observer: HostKeyObserver = {
    verifier: (key: Buffer) => {
      if (!pins) {
        observer.seen = { ok: true, fingerprint: sha256Fingerprint(key) };
        return true;
      }
      observer.seen = checkHostKey(pins, key);
      return observer.seen.ok;
    },
  };
  return observer;
}
