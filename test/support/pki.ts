// The control plane's PKI, made with the openssl CLI: a CA, the API server's serving certificate,
// an admin client certificate (O=system:masters), the service-account key pair, and on demand
// client certificates for further test identities.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  files: {
    caCert: string;
    caKey: string;
    serverCert: string;
    serverKey: string;
    saKey: string;
    saPub: string;
  };
}

async function openssl(args: string[], cwd: string) {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('openssl not found: apt-get install openssl', { cause: err });
    throw new Error(
      `openssl ${args[0]} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`,
      { cause: err },
    );
  }
}

async function signedCert(dir: string, base: string, subject: string, ext: string) {
  await openssl(['genrsa', '-out', `${base}.key`, '2048'], dir);
  await openssl(['req', '-new', '-key', `${base}.key`, '-subj', subject, '-out', `${base}.csr`], dir);
  await writeFile(path.join(dir, `${base}.ext`), ext);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.crt`,
    ],
    dir,
  );
}

/** `serverIps`: further addresses the API server is reached at (the pod bridge, the `kubernetes` Service). */
export async function createPki(dir: string, serverIps: string[] = []): Promise<Pki> {
  await openssl(['genrsa', '-out', 'ca.key', '2048'], dir);
  await openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=alma-test-ca', '-days', '2', '-out', 'ca.crt'],
    dir,
  );
  await signedCert(
    dir,
    'server',
    '/CN=kube-apiserver',
    `subjectAltName=DNS:localhost,IP:127.0.0.1,${serverIps.map((ip) => `IP:${ip},`).join('')}DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n`,
  );
  await signedCert(dir, 'admin', '/O=system:masters/CN=admin', 'extendedKeyUsage=clientAuth\n');
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const f = (n: string) => path.join(dir, n);
  return {
    dir,
    caPem: await readFile(f('ca.crt'), 'utf8'),
    adminCertPem: await readFile(f('admin.crt'), 'utf8'),
    adminKeyPem: await readFile(f('admin.key'), 'utf8'),
    files: {
      caCert: f('ca.crt'),
      caKey: f('ca.key'),
      serverCert: f('server.crt'),
      serverKey: f('server.key'),
      saKey: f('sa.key'),
      saPub: f('sa.pub'),
    },
  };
}

let serial = 0;
/** A client certificate for CN=user with one O= per group. */
export async function issueClientCert(pki: Pki, user: string, groups: string[]) {
  const base = `client-${process.pid}-${++serial}`;
  const subject = groups.map((g) => `/O=${g}`).join('') + `/CN=${user}`;
  await signedCert(pki.dir, base, subject, 'extendedKeyUsage=clientAuth\n');
  return {
    certPem: await readFile(path.join(pki.dir, `${base}.crt`), 'utf8'),
    keyPem: await readFile(path.join(pki.dir, `${base}.key`), 'utf8'),
  };
}
