// A real Kubernetes control plane for the integration tests: etcd + kube-apiserver (client
// certificate auth, RBAC) and kube-controller-manager (job, garbage collector, namespace
// controllers), built from source by scripts/build-test-binaries.sh. What controller-runtime's
// envtest does, in Node. One control plane per test run: test/run.ts starts it and passes its
// description to the test processes in ALMA_TEST_CONTROL_PLANE; a test file run on its own
// starts a private one.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { ManagedProcess, startManagedProcess } from './processes.js';
import { createPki, issueClientCert, type Pki } from './pki.js';

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface ControlPlaneInfo {
  dir: string;
  binDir: string;
  server: string;
  kubeconfigPath: string;
  pki: Pki;
}

/** Locates the Go-built binaries; fails with the command that builds them. */
export async function findBinDir(): Promise<string> {
  try {
    const { stdout } = await execFileAsync('bash', [
      path.join(REPO_ROOT, 'scripts/build-test-binaries.sh'),
      '--print-dir',
    ]);
    return stdout.trim().split('\n').pop() ?? '';
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || `cannot locate the test binaries: ${(err as Error).message}`, { cause: err });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** GET over TLS without verifying the (self-signed) serving certificate: liveness probes only. */
export function httpsOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Reads until `done(value)` holds and returns that value. On timeout the error names what it
 * waited for and the last thing it saw (a value, described, or the read's error), so a failure
 * on a busy machine says which object or condition was missing, not only that time ran out.
 */
export async function waitForValue<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean = () => true,
  { timeoutMs = 60_000, everyMs = 250, describe = describeSeen }: WaitOptions<T> = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing (no attempt finished)';
  while (Date.now() < deadline) {
    try {
      const value = await read();
      if (done(value)) return value;
      seen = describe(value);
    } catch (err) {
      seen = `error: ${describeSeen(err instanceof Error ? err.message.replace(/\s+/g, ' ') : err)}`;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${seen}`);
}

export interface WaitOptions<T> {
  timeoutMs?: number;
  everyMs?: number;
  /** How the last value read is told in the timeout message. */
  describe?: (value: T) => string;
}

function describeSeen(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** Polls `probe` until it resolves true, or throws naming `what` and the probe's last result or error. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<void> {
  await waitForValue(what, probe, (ok) => ok, {
    timeoutMs,
    everyMs,
    describe: () => 'the condition was false',
  });
}

export function kubeconfigYaml(server: string, caPem: string, certPem: string, keyPem: string, user: string) {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [
      { name: user, user: { 'client-certificate-data': b64(certPem), 'client-key-data': b64(keyPem) } },
    ],
    contexts: [{ name: 'test', context: { cluster: 'test', user } }],
    'current-context': 'test',
  });
}

export class ControlPlane {
  readonly kubeConfig: k8s.KubeConfig;
  private namespaceCounter = 0;

  constructor(
    readonly info: ControlPlaneInfo,
    private readonly processes: ManagedProcess[] = [],
  ) {
    this.kubeConfig = new k8s.KubeConfig();
    this.kubeConfig.loadFromFile(info.kubeconfigPath);
  }

  get kubeconfigPath() {
    return this.info.kubeconfigPath;
  }
  get binDir() {
    return this.info.binDir;
  }

  /** Creates a fresh namespace for one test; its name is unique within the run. */
  async newNamespace(prefix = 'test'): Promise<string> {
    const core = this.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const name =
      `${prefix}-${process.pid}-${++this.namespaceCounter}-${Math.random().toString(36).slice(2, 6)}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 63);
    await core.createNamespace({ body: { metadata: { name } } });
    // kube-apiserver creates the default ServiceAccount only with a controller; pods here do not need it.
    return name;
  }

  /** Creates or replaces the CRDs in the given YAML files and waits until they are Established. */
  async applyCrds(files: string[]): Promise<void> {
    const api = this.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    const names: string[] = [];
    for (const file of files) {
      // loadAllYaml maps raw keys (x-kubernetes-validations) to the client's model names; a plain
      // YAML parse would have them silently dropped by the serializer.
      const docs = k8s.loadAllYaml(
        await readFile(path.resolve(REPO_ROOT, file), 'utf8'),
      ) as (k8s.V1CustomResourceDefinition | null)[];
      for (const crd of docs) {
        if (!crd?.metadata?.name) continue;
        names.push(crd.metadata.name);
        try {
          const existing = await api.readCustomResourceDefinition({ name: crd.metadata.name });
          crd.metadata.resourceVersion = existing.metadata?.resourceVersion;
          await api.replaceCustomResourceDefinition({ name: crd.metadata.name, body: crd });
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
          await api.createCustomResourceDefinition({ body: crd });
        }
      }
    }
    for (const name of names) {
      await waitFor(`CRD ${name} to be Established`, async () => {
        const crd = await api.readCustomResourceDefinition({ name });
        return !!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      });
    }
  }

  /** A kubeconfig for a new client-certificate identity (CN=user, O=groups), with no rights of its own. */
  async mintUser(user: string, groups: string[] = []): Promise<string> {
    const { certPem, keyPem } = await issueClientCert(this.info.pki, user, groups);
    const file = path.join(this.info.dir, `kubeconfig-${user.replace(/[^a-zA-Z0-9]/g, '_')}-${Date.now()}`);
    await writeFile(file, kubeconfigYaml(this.info.server, this.info.pki.caPem, certPem, keyPem, user), {
      mode: 0o600,
    });
    return file;
  }

  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
    if (this.processes.length > 0) await rm(this.info.dir, { recursive: true, force: true });
  }
}

export interface StartOptions {
  /** Start kube-controller-manager (job, garbage-collector, namespace controllers). Default true. */
  controllerManager?: boolean;
  /** CRDs to install before the controller manager starts (its GC discovers new kinds late). */
  crds?: string[];
  log?: (line: string) => void;
}

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const binDir = await findBinDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'alma-cp-'));
  const processes: ManagedProcess[] = [];
  try {
    const pki = await createPki(dir);
    const [etcdClient, etcdPeer, apiPort, kcmPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];

    processes.push(
      await startManagedProcess({
        name: 'etcd',
        command: path.join(binDir, 'etcd'),
        args: [
          `--data-dir=${path.join(dir, 'etcd')}`,
          `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
          '--unsafe-no-fsync=true',
          '--log-level=error',
        ],
        logFile: path.join(dir, 'etcd.log'),
        ready: async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok,
      }),
    );

    const server = `https://127.0.0.1:${apiPort}`;
    const adminKubeconfig = path.join(dir, 'admin.kubeconfig');
    await writeFile(
      adminKubeconfig,
      kubeconfigYaml(server, pki.caPem, pki.adminCertPem, pki.adminKeyPem, 'admin'),
      {
        mode: 0o600,
      },
    );
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(adminKubeconfig);

    processes.push(
      await startManagedProcess({
        name: 'kube-apiserver',
        command: path.join(binDir, 'kube-apiserver'),
        args: [
          `--etcd-servers=http://127.0.0.1:${etcdClient}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          '--endpoint-reconciler-type=none',
          `--secure-port=${apiPort}`,
          `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
          `--tls-cert-file=${pki.files.serverCert}`,
          `--tls-private-key-file=${pki.files.serverKey}`,
          `--client-ca-file=${pki.files.caCert}`,
          `--service-account-issuer=${server}`,
          `--service-account-key-file=${pki.files.saPub}`,
          `--service-account-signing-key-file=${pki.files.saKey}`,
          '--service-cluster-ip-range=10.0.0.0/24',
          '--authorization-mode=RBAC',
          '--disable-admission-plugins=ServiceAccount',
          '--allow-privileged=true',
        ],
        logFile: path.join(dir, 'kube-apiserver.log'),
        readyTimeoutMs: 120_000,
        ready: async () => {
          const core = kc.makeApiClient(k8s.CoreV1Api);
          await core.readNamespace({ name: 'default' });
          return true;
        },
      }),
    );

    const info: ControlPlaneInfo = { dir, binDir, server, kubeconfigPath: adminKubeconfig, pki };
    const cp = new ControlPlane(info, processes);
    if (opts.crds?.length) await cp.applyCrds(opts.crds);

    if (opts.controllerManager ?? true) {
      processes.push(
        await startManagedProcess({
          name: 'kube-controller-manager',
          command: path.join(binDir, 'kube-controller-manager'),
          args: [
            `--kubeconfig=${adminKubeconfig}`,
            `--authentication-kubeconfig=${adminKubeconfig}`,
            `--authorization-kubeconfig=${adminKubeconfig}`,
            '--controllers=job,garbagecollector,namespace,serviceaccount,serviceaccount-token',
            '--leader-elect=false',
            `--service-account-private-key-file=${pki.files.saKey}`,
            `--root-ca-file=${pki.files.caCert}`,
            '--bind-address=127.0.0.1',
            `--secure-port=${kcmPort}`,
            '--use-service-account-credentials=false',
          ],
          logFile: path.join(dir, 'kube-controller-manager.log'),
          ready: () => httpsOk(`https://127.0.0.1:${kcmPort}/healthz`),
        }),
      );
    }
    return cp;
  } catch (err) {
    for (const p of processes.reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

const SHARED_ENV = 'ALMA_TEST_CONTROL_PLANE';
let shared: Promise<ControlPlane> | undefined;

/**
 * The run's control plane. Under test/run.ts it is the one that script started; a test file run
 * on its own starts a private one, stopped when the process exits.
 */
export function sharedControlPlane(): Promise<ControlPlane> {
  shared ??= (async () => {
    const described = process.env[SHARED_ENV];
    if (described) return new ControlPlane(JSON.parse(described) as ControlPlaneInfo);
    const cp = await startControlPlane({ crds: defaultCrds() });
    process.once('beforeExit', () => void cp.stop());
    return cp;
  })();
  return shared;
}

/** CRDs the run installs before starting the garbage collector: the product's and the harness's own. */
export function defaultCrds(): string[] {
  const override = process.env.ALMA_TEST_CRDS; // comma-separated, for debugging one CRD at a time
  if (override !== undefined) return override.split(',').filter(Boolean);
  return ['crds/almarestore.io_almarestores.yaml', 'test/fixtures/crds/widgets.example.test.yaml'].filter(
    (f) => existsSync(path.join(REPO_ROOT, f)),
  );
}

export function describeForChildren(cp: ControlPlane): Record<string, string> {
  return { [SHARED_ENV]: JSON.stringify(cp.info) };
}
