// What the end-to-end tests do on the real node the way a user does it: kubectl and helm against
// the cluster's kubeconfig, a cached vendor-shaped delivery for the SFTP server, and the pids of a
// pod's containers (to SIGKILL one, as a crash would).
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { findKubectl } from './chart-tools.js';
import { buildDelivery, type BuiltInstitution } from './delivery.js';

/** kubectl with the given kubeconfig; throws with stderr on failure. */
export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const bin = findKubectl();
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      [`--kubeconfig=${kubeconfig}`, ...args],
      { maxBuffer: 32 << 20 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || err.message}`))
          : resolve(stdout),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface CachedDelivery {
  dir: string;
  institutions: {
    institutionId: string;
    parts: string[];
    checksums: Record<string, string>;
    extractedBytes: number;
  }[];
}

/**
 * A vendor-shaped delivery, built once per machine and reused (building 2 GiB of incompressible
 * dump data costs more than fetching it). Readable by the SFTP test account.
 */
export function cachedDelivery(
  name: string,
  customerId: string,
  institutionId: string,
  dumpFiles: number,
  dumpBytes: number,
): CachedDelivery {
  // Not under ~/.cache: the SFTP account cannot enter /root.
  const root = process.env.ALMA_TEST_DELIVERY_CACHE ?? '/var/tmp/alma-restore-operator/deliveries';
  mkdirSync(root, { recursive: true, mode: 0o755 });
  chmodSync(root, 0o755);
  chmodSync(path.dirname(root), 0o755);
  const dir = path.join(root, `${name}-${customerId}-${institutionId}-${dumpFiles}x${dumpBytes}`);
  const manifest = path.join(dir, '.manifest.json');
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')) as CachedDelivery;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const built: BuiltInstitution[] = buildDelivery({
    dir: building,
    customerId,
    institutions: [{ institutionId, dumpFiles, dumpBytes }],
    partBytes: 256 << 20,
    gzipLevel: 1,
    randomQuarters: 4,
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  const result: CachedDelivery = {
    dir,
    institutions: built.map((b) => ({
      institutionId: b.institutionId,
      parts: b.parts,
      checksums: Object.fromEntries(b.checksums),
      extractedBytes: b.extractedBytes,
    })),
  };
  writeFileSync(manifest, JSON.stringify(result));
  return result;
}

/** Pids of a pod's containers (not the sandbox), from its cgroup under the kubelet's cgroup root. */
export function containerPids(cgroupRoot: string, podUid: string): number[] {
  const base = `/sys/fs/cgroup/pids/${cgroupRoot}/kubepods`;
  const podDirName = `pod${podUid}`;
  const found: number[] = [];
  const walk = (dir: string, inPod: boolean) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(dir, entry.name);
      if (inPod) {
        for (const pid of readFileSync(path.join(sub, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
          if (!cmd.endsWith('/pause')) found.push(Number(pid));
        }
      } else walk(sub, entry.name === podDirName);
    }
  };
  if (existsSync(base)) walk(base, false);
  return found;
}
