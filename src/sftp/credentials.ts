// SFTP credentials: files in a mounted Secret directory (username, password or privateKey with an
// optional passphrase, knownHosts), each with an environment fallback for runs by hand. Values
// never leave this module except inside the ssh2 connect options.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readSecretFile } from '../contract/step-config.js';
import { UserFacingError } from '../errors.js';

export interface SftpCredentials {
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  /** Pin text (known_hosts lines or SHA256 fingerprints); absent only if verification is skipped. */
  knownHosts?: string;
}

const ENV: Record<keyof SftpCredentials, string> = {
  username: 'ALMA_SFTP_USERNAME',
  password: 'ALMA_SFTP_PASSWORD',
  privateKey: 'ALMA_SFTP_PRIVATE_KEY',
  passphrase: 'ALMA_SFTP_PASSPHRASE',
  knownHosts: 'ALMA_SFTP_KNOWN_HOSTS',
};

async function readOne(dir: string | undefined, key: keyof SftpCredentials, env: NodeJS.ProcessEnv) {
  if (dir) {
    const file = path.join(dir, key);
    if (existsSync(file)) {
      // A private key keeps its final newline (some parsers want it); other values are trimmed.
      return key === 'privateKey' || key === 'knownHosts' ? readFile(file, 'utf8') : readSecretFile(file);
    }
  }
  const v = env[ENV[key]];
  return v === undefined || v === '' ? undefined : v;
}

export async function readSftpCredentials(
  dir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SftpCredentials> {
  if (dir && !existsSync(dir)) {
    throw new UserFacingError(`the SFTP credentials directory ${dir} does not exist`, 'CredentialsMissing');
  }
  const where = dir ? `${dir}/` : '$ALMA_SFTP_';
  const username = await readOne(dir, 'username', env);
  if (!username) {
    throw new UserFacingError(
      `no SFTP username: expected ${where}username (or $${ENV.username})`,
      'CredentialsMissing',
    );
  }
  const creds: SftpCredentials = { username };
  const password = await readOne(dir, 'password', env);
  const privateKey = await readOne(dir, 'privateKey', env);
  const passphrase = await readOne(dir, 'passphrase', env);
  const knownHosts = await readOne(dir, 'knownHosts', env);
  if (!password && !privateKey) {
    throw new UserFacingError(
      `no SFTP password or private key: expected ${where}password or ${where}privateKey`,
      'CredentialsMissing',
    );
  }
  if (password) creds.password = password;
  if (privateKey) creds.privateKey = privateKey;
  if (passphrase) creds.passphrase = passphrase;
  if (knownHosts) creds.knownHosts = knownHosts;
  return creds;
}
