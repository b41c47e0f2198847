// A real one-machine cluster for the end-to-end tests (and scripts/local-cluster.sh): the control
// plane serving on the host side of a pod bridge, kube-scheduler, kube-proxy (iptables mode, so
// pods reach the API server through the `kubernetes` Service), and one or more real kubelets, each
// with a containerd of its own (own root, state and socket under the run directory) and runc.
// Pods get a network namespace on a CNI bridge (host-local IPAM, portmap) that reaches this
// machine only: no masquerading, no default route in the pods, servers listen on the bridge's
// host address. Storage is static `local` PersistentVolumes (directories under the run
// directory) bound by the real PV controller; images are OCI archives imported with `ctr`.
// Everything the run makes is removed by a detached cleaner (real-node-cleaner.sh), also after
// SIGKILL of the test process; the cleaner also holds an flock so runs on one machine take turns.
// See docs/testing.md and the guide in README "How the tests work".
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  closeSync,
  copyFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import {
  SERVICE_CIDR,
  defaultCrds,
  findBinDir,
  freePort,
  httpsOk,
  startControlPlane,
  waitFor,
  type ControlPlane,
} from './control-plane.js';
import { startManagedProcess, type ManagedProcess } from './processes.js';
import { CLUSTER_DOMAIN, startClusterDns } from './cluster-dns.js';

const run = promisify(execFile);
const CLEANER = path.join(import.meta.dirname, 'real-node-cleaner.sh');
export const REAL_NODE_LOCK = '/run/lock/alma-restore-real-node.lock';
const CNI_BIN = '/usr/lib/cni';
/** Registry traffic goes here and is refused: a missing image fails fast, nothing leaves the machine. */
const NO_REGISTRY_PROXY = 'http://127.0.0.1:9';
export const LOCAL_STORAGE_CLASS = 'alma-local';

export interface RealClusterOptions {
  /** Kubelets (each with its own containerd). Default 1. */
  nodes?: number;
  /** The CRI sandbox ("pause") image: an OCI archive and the ref it holds. */
  pauseImage: { archive: string; ref: string };
  /** Further OCI archives to import on every node. */
  images?: string[];
  /** Progress lines (bridge, control plane, ready). */
  log?: (line: string) => void;
  /** Called once this run holds the machine's real-node lock (runs take turns), with its run directory. */
  onLockHeld?: (runDir: string) => void;
}

export interface RealCluster {
  cp: ControlPlane;
  /** The host side of the pod bridge: the node IP, the API server's and the test servers' address. */
  hostIp: string;
  podSubnet: string;
  nodes: string[];
  runDir: string;
  /** Imports an OCI archive into every node's containerd (k8s.io namespace). */
  importImage(archive: string): Promise<void>;
  /** Creates `count` static local PVs (directories) of the given capacity on `node` (default: the first). */
  createLocalVolumes(count: number, capacity?: string, node?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Fails with what is missing and how to get it; the real-node suite never skips. */
export async function checkRealNodeCapabilities(binDir: string): Promise<void> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('must run as root (bridges, mounts, cgroups)');
  for (const b of ['kubelet', 'kube-proxy', 'kube-scheduler']) {
    if (!existsSync(path.join(binDir, b)))
      problems.push(`${path.join(binDir, b)} missing: run 'bash scripts/build-test-binaries.sh'`);
  }
  const tools: [string, string][] = [
    ['containerd', 'containerd'],
    ['ctr', 'containerd'],
    ['runc', 'runc'],
    ['ip', 'iproute2'],
    ['iptables', 'iptables'],
    ['conntrack', 'conntrack'],
    ['flock', 'util-linux'],
  ];
  for (const [tool, pkg] of tools) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      problems.push(`${tool} not found: apt-get install ${pkg}`);
    }
  }
  for (const plugin of ['bridge', 'host-local', 'portmap', 'loopback']) {
    if (!existsSync(path.join(CNI_BIN, plugin)))
      problems.push(`CNI plugin ${CNI_BIN}/${plugin} missing: apt-get install containernetworking-plugins`);
  }
  if (!existsSync('/sys/fs/cgroup/memory') && !existsSync('/sys/fs/cgroup/cgroup.controllers'))
    problems.push('no memory cgroup at /sys/fs/cgroup/memory: the kubelet needs cgroups mounted');
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay'))
    problems.push(
      "kernel has no overlay filesystem: 'modprobe overlay' (containerd's overlayfs snapshotter)",
    );
  if (problems.length > 0)
    throw new Error(`the real node cannot start on this machine:\n- ${problems.join('\n- ')}`);
}

async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** A /24 in 10.244.0.0/16 that no route of this machine touches. */
async function freeSubnet(): Promise<number> {
  const routes = await sh('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (let tries = 0; tries < 50; tries++) {
    const third = 1 + Math.floor(Math.random() * 250);
    if (!routes.includes(`10.244.${third}.`)) return third;
  }
  throw new Error('no free 10.244.x.0/24 subnet for the pod bridge');
}

/** Starts the lock holder / janitor; resolves once it holds the lock and has swept old runs. */
async function startCleaner(runDir: string): Promise<void> {
  writeFileSync(path.join(runDir, '.owner'), String(process.pid));
  mkdirSync(path.dirname(REAL_NODE_LOCK), { recursive: true });
  const fd = openSync(path.join(runDir, 'cleaner.log'), 'a');
  // Its own session: a SIGKILL of the test's process group must not take it along.
  const child = spawn('bash', [CLEANER, String(process.pid), runDir, REAL_NODE_LOCK], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  cleanerPid = child.pid;
  await waitFor(
    `the real-node lock ${REAL_NODE_LOCK} (another test run's real node holds it until that run ends; see ${runDir}/cleaner.log)`,
    async () => existsSync(path.join(runDir, '.locked')),
    20 * 60_000,
    200,
  );
}
let cleanerPid: number | undefined;

function containerdConfig(dir: string, pauseRef: string): string {
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseRef}"
  # No CAP_SYS_RESOURCE here: runc cannot lower oom_score_adj below the runtime's own.
  restrict_oom_score_adj = true
  # Pod network namespaces under the state directory, not /run/netns: the cleaner finds them.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN}"
    conf_dir = "${dir}/net.d"
    max_conf_num = 1
`;
}

function cniConfig(name: string, bridge: string, third: number, node: number, ipamDir: string): string {
  // Each node hands out its own slice of the /24 (all nodes share the one bridge).
  const start = 10 + node * 40;
  return JSON.stringify({
    cniVersion: '1.0.0',
    name,
    plugins: [
      {
        type: 'bridge',
        bridge,
        // The harness gives the bridge its address; the plugin must not turn on IP forwarding.
        isGateway: false,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: ipamDir,
          ranges: [
            [
              {
                subnet: `10.244.${third}.0/24`,
                rangeStart: `10.244.${third}.${start}`,
                rangeEnd: `10.244.${third}.${start + 39}`,
                gateway: `10.244.${third}.1`,
              },
            ],
          ],
          // The pods reach this machine (same subnet) and the Service range through it; nothing else.
          routes: [{ dst: SERVICE_CIDR, gw: `10.244.${third}.1` }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
}

function kubeletConfig(o: {
  sock: string;
  caFile: string;
  hostIp: string;
  port: number;
  healthzPort: number;
  cgroupRoot: string;
  dir: string;
}): string {
  return [
    'apiVersion: kubelet.config.k8s.io/v1beta1',
    'kind: KubeletConfiguration',
    // This machine mounts cgroup v1 (hybrid); 1.35 refuses v1 unless told.
    'failCgroupV1: false',
    'cgroupDriver: cgroupfs',
    `cgroupRoot: ${o.cgroupRoot}`,
    `containerRuntimeEndpoint: unix://${o.sock}`,
    'authentication:',
    '  anonymous: { enabled: false }',
    '  webhook: { enabled: false }',
    `  x509: { clientCAFile: ${JSON.stringify(o.caFile)} }`,
    'authorization: { mode: AlwaysAllow }',
    `address: ${o.hostIp}`,
    `port: ${o.port}`,
    'readOnlyPort: 0',
    'healthzBindAddress: 127.0.0.1',
    `healthzPort: ${o.healthzPort}`,
    'failSwapOn: false',
    'enforceNodeAllocatable: []',
    'evictionHard: {}',
    'imageGCHighThresholdPercent: 100',
    'imageGCLowThresholdPercent: 99',
    'resolvConf: ""',
    // The harness's DNS (cluster-dns.ts): Service names only, nothing forwarded.
    `clusterDNS: [${o.hostIp}]`,
    `clusterDomain: ${CLUSTER_DOMAIN}`,
    'staticPodPath: ""',
    `podLogsDir: ${JSON.stringify(path.join(o.dir, 'pod-logs'))}`,
    `volumePluginDir: ${JSON.stringify(path.join(o.dir, 'volume-plugins'))}`,
    'serializeImagePulls: false',
    'maxPods: 40',
    'nodeStatusReportFrequency: 10s',
    'syncFrequency: 10s',
    '',
  ].join('\n');
}

/** The pod cgroup root, made in every v1 hierarchy (the kubelet requires it to exist). */
function makeCgroupRoot(id: string): void {
  for (const h of [
    'cpu',
    'cpuacct',
    'cpuset',
    'memory',
    'pids',
    'blkio',
    'devices',
    'freezer',
    'hugetlb',
    'systemd',
  ]) {
    const base = `/sys/fs/cgroup/${h}`;
    if (!existsSync(base)) continue;
    const dir = path.join(base, id);
    mkdirSync(dir, { recursive: true });
    if (h === 'cpuset') {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) copyFileSync(path.join(base, f), path.join(dir, f));
    }
  }
}

export async function startRealCluster(opts: RealClusterOptions): Promise<RealCluster> {
  const started = Date.now();
  const note = opts.log ?? (() => undefined);
  const binDir = await findBinDir();
  await checkRealNodeCapabilities(binDir);
  const id = randomBytes(3).toString('hex');
  const runDir = `/tmp/alma-rn-${id}`;
  mkdirSync(runDir, { recursive: true });
  await startCleaner(runDir);
  note(`holding the real-node lock; run directory ${runDir}`);
  opts.onLockHeld?.(runDir);
  const processes: ManagedProcess[] = [];
  let cp: ControlPlane | undefined;
  let dns: { stop(): Promise<void> } | undefined;
  const stop = async () => {
    // The children are unref'd: keep the event loop alive while they stop.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await stopAll();
    } finally {
      clearInterval(keepAlive);
    }
  };
  const stopAll = async () => {
    // Nothing here holds data worth a graceful shutdown; the cleaner removes what is left.
    for (const p of [...processes].reverse()) await p.stop(2000);
    await dns?.stop();
    await cp?.stop(2000);
    if (cleanerPid) {
      process.kill(cleanerPid, 'SIGUSR1');
      const pid = cleanerPid;
      await waitFor(
        'the real-node cleaner to finish',
        async () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        120_000,
      );
    }
  };
  try {
    const third = await freeSubnet();
    const hostIp = `10.244.${third}.1`;
    const podSubnet = `10.244.${third}.0/24`;
    const bridge = `arn${id}`;
    await sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await sh('ip', ['addr', 'add', `${hostIp}/24`, 'dev', bridge]);
    await sh('ip', ['link', 'set', bridge, 'up']);
    note(`bridge ${bridge} ${podSubnet}`);

    cp = await startControlPlane({
      bindAddress: hostIp,
      // Inside the run directory: the cleaner removes it too, even after SIGKILL.
      parentDir: runDir,
      crds: defaultCrds(),
      controllers: [
        'job-controller',
        'garbage-collector-controller',
        'namespace-controller',
        'serviceaccount-controller',
        'serviceaccount-token-controller',
        'root-ca-certificate-publisher-controller',
        'deployment-controller',
        'replicaset-controller',
        'statefulset-controller',
        'persistentvolume-binder-controller',
        'persistentvolume-protection-controller',
        'persistentvolumeclaim-protection-controller',
        'endpoints-controller',
        'endpointslice-controller',
        'node-lifecycle-controller',
        'taint-eviction-controller',
        'pod-garbage-collector-controller',
        'ttl-after-finished-controller',
      ],
    });
    const kubeconfig = cp.kubeconfigPath;
    note(`control plane at ${cp.info.server}`);
    dns = await startClusterDns(cp.kubeConfig, hostIp);

    const schedulerPort = await freePort();
    const schedulerConfig = path.join(runDir, 'kube-scheduler.yaml');
    writeFileSync(
      schedulerConfig,
      `apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection: { kubeconfig: ${JSON.stringify(kubeconfig)} }\nleaderElection: { leaderElect: false }\n`,
    );
    processes.push(
      await startManagedProcess({
        name: 'kube-scheduler',
        command: path.join(binDir, 'kube-scheduler'),
        args: [
          `--config=${schedulerConfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${schedulerPort}`,
        ],
        logFile: path.join(runDir, 'kube-scheduler.log'),
        ready: () => httpsOk(`https://127.0.0.1:${schedulerPort}/healthz`),
      }),
    );

    const cgroupRoot = `alma-rn-${id}`;
    makeCgroupRoot(cgroupRoot);
    const nodeCount = opts.nodes ?? 1;
    const nodes: string[] = [];
    const sockets: string[] = [];
    for (let i = 0; i < nodeCount; i++) {
      const name = `alma-rn-${id}-${i}`;
      const dir = path.join(runDir, `n${i}`);
      for (const d of ['net.d', 'kubelet', 'pod-logs', 'volume-plugins', 'ipam'])
        mkdirSync(path.join(dir, d), { recursive: true });
      writeFileSync(path.join(dir, 'containerd.toml'), containerdConfig(dir, opts.pauseImage.ref));
      writeFileSync(
        path.join(dir, 'net.d', '10-alma.conflist'),
        cniConfig(`alma-rn-${id}`, bridge, third, i, path.join(dir, 'ipam')),
      );
      const sock = path.join(dir, 'containerd.sock');
      sockets.push(sock);
      processes.push(
        await startManagedProcess({
          name: `containerd-${i}`,
          command: '/usr/bin/containerd',
          args: ['--config', path.join(dir, 'containerd.toml')],
          env: {
            ...process.env,
            HTTP_PROXY: NO_REGISTRY_PROXY,
            HTTPS_PROXY: NO_REGISTRY_PROXY,
            NO_PROXY: '',
          },
          logFile: path.join(dir, 'containerd.log'),
          ready: async () => {
            await sh('ctr', ['--address', sock, 'version']);
            return true;
          },
        }),
      );
      for (const archive of [opts.pauseImage.archive, ...(opts.images ?? [])])
        await importInto(sock, archive);
      note(`containerd-${i} up, ${1 + (opts.images?.length ?? 0)} image(s) imported`);
      const nodeKubeconfig = await cp.mintUser(`system:node:${name}`, ['system:nodes', 'system:masters']);
      const port = await freePort();
      const healthzPort = await freePort();
      writeFileSync(
        path.join(dir, 'kubelet.yaml'),
        kubeletConfig({
          sock,
          caFile: cp.info.pki.files.caCert,
          hostIp,
          port,
          healthzPort,
          cgroupRoot: `/${cgroupRoot}`,
          dir,
        }),
      );
      processes.push(
        await startManagedProcess({
          name: `kubelet-${i}`,
          command: path.join(binDir, 'kubelet'),
          args: [
            `--config=${path.join(dir, 'kubelet.yaml')}`,
            `--kubeconfig=${nodeKubeconfig}`,
            `--root-dir=${path.join(dir, 'kubelet')}`,
            `--cert-dir=${path.join(dir, 'kubelet', 'pki')}`,
            `--hostname-override=${name}`,
            `--node-ip=${hostIp}`,
            '--v=1',
          ],
          logFile: path.join(dir, 'kubelet.log'),
          readyTimeoutMs: 120_000,
          ready: async () => (await fetch(`http://127.0.0.1:${healthzPort}/healthz`)).ok,
        }),
      );
      nodes.push(name);
      note(`kubelet-${i} healthy`);
    }

    // kube-proxy: one for the machine (all nodes share its network namespace and iptables).
    const proxyConfig = path.join(runDir, 'kube-proxy.yaml');
    const proxyHealth = await freePort();
    const proxyMetrics = await freePort();
    writeFileSync(
      proxyConfig,
      [
        'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
        'kind: KubeProxyConfiguration',
        'mode: iptables',
        `clientConnection: { kubeconfig: ${JSON.stringify(kubeconfig)} }`,
        `hostnameOverride: ${nodes[0]}`,
        `bindAddress: ${hostIp}`,
        `clusterCIDR: ${podSubnet}`,
        `healthzBindAddress: 127.0.0.1:${proxyHealth}`,
        `metricsBindAddress: 127.0.0.1:${proxyMetrics}`,
        `nodePortAddresses: [${hostIp}/32]`,
        // Leave the machine's sysctls alone: no route_localnet, no conntrack table sizing.
        'iptables: { localhostNodePorts: false }',
        'conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }',
        '',
      ].join('\n'),
    );
    processes.push(
      await startManagedProcess({
        name: 'kube-proxy',
        command: path.join(binDir, 'kube-proxy'),
        args: [`--config=${proxyConfig}`],
        logFile: path.join(runDir, 'kube-proxy.log'),
        ready: async () => (await fetch(`http://127.0.0.1:${proxyHealth}/healthz`)).ok,
      }),
    );

    note('kube-proxy healthy');
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    for (const name of nodes) {
      let last = '';
      await waitFor(
        `Node ${name} to be Ready and untainted (last: ${last})`,
        async () => {
          const node = await core.readNode({ name });
          const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
          last = `${ready?.status} ${ready?.message ?? ''} taints=${(node.spec?.taints ?? []).map((t) => t.key).join(',')}`;
          return ready?.status === 'True' && !(node.spec?.taints ?? []).length;
        },
        120_000,
      );
    }
    const storage = cp.kubeConfig.makeApiClient(k8s.StorageV1Api);
    await storage
      .createStorageClass({
        body: {
          metadata: { name: LOCAL_STORAGE_CLASS },
          provisioner: 'kubernetes.io/no-provisioner',
          volumeBindingMode: 'WaitForFirstConsumer',
          reclaimPolicy: 'Retain',
        },
      })
      .catch((err: { code?: number }) => {
        if (err.code !== 409) throw err;
      });
    note(`real cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${nodes.join(', ')}`);

    let volumes = 0;
    const cluster: RealCluster = {
      cp,
      hostIp,
      podSubnet,
      nodes,
      runDir,
      importImage: async (archive) => {
        for (const sock of sockets) await importInto(sock, archive);
      },
      createLocalVolumes: async (count, capacity = '1Ti', node = nodes[0]!) => {
        const names: string[] = [];
        for (let i = 0; i < count; i++) {
          const name = `alma-rn-${id}-pv-${++volumes}`;
          const dir = path.join(runDir, 'volumes', name);
          mkdirSync(dir, { recursive: true });
          await core.createPersistentVolume({
            body: {
              metadata: { name },
              spec: {
                capacity: { storage: capacity },
                accessModes: ['ReadWriteOnce'],
                persistentVolumeReclaimPolicy: 'Retain',
                storageClassName: LOCAL_STORAGE_CLASS,
                local: { path: dir },
                nodeAffinity: {
                  required: {
                    nodeSelectorTerms: [
                      {
                        matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }],
                      },
                    ],
                  },
                },
              },
            },
          });
          names.push(name);
        }
        return names;
      },
      stop,
    };
    return cluster;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function importInto(sock: string, archive: string): Promise<void> {
  if (!existsSync(archive))
    throw new Error(`image archive ${archive} does not exist: run 'bash scripts/build-image.sh'`);
  await sh('ctr', ['--address', sock, '-n', 'k8s.io', 'images', 'import', archive]);
}

/** Host-global leftovers of real-node runs: what the "nothing left behind" test looks for. */
export async function realNodeLeftovers(runDir: string): Promise<string[]> {
  const id = path.basename(runDir);
  const found: string[] = [];
  if (existsSync(runDir)) found.push(`directory ${runDir}`);
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mount = line.split(' ')[4];
    if (mount?.startsWith(runDir)) found.push(`mount ${mount}`);
  }
  const links = await sh('ip', ['-o', 'link', 'show']);
  if (links.includes(`arn${id.replace('alma-rn-', '')}`))
    found.push(`bridge arn${id.replace('alma-rn-', '')}`);
  for (const h of ['memory', 'cpu', 'pids'])
    if (existsSync(`/sys/fs/cgroup/${h}/${id}`)) found.push(`cgroup ${h}/${id}`);
  for (const ipt of ['iptables', 'ip6tables']) {
    for (const t of ['filter', 'nat', 'mangle']) {
      const rules = await sh(ipt, ['-t', t, '-S']).catch(() => '');
      const kube = rules.split('\n').filter((l) => /KUBE-|CNI-/.test(l));
      if (kube.length) found.push(`${ipt} -t ${t}: ${kube.length} KUBE-/CNI- rules, e.g. ${kube[0]}`);
    }
  }
  const ps = await sh('ps', ['-eo', 'pid,args']);
  for (const line of ps.split('\n'))
    if (line.includes(runDir) && !line.includes('real-node-cleaner')) found.push(`process ${line.trim()}`);
  return found;
}
