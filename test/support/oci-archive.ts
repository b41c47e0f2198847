// Reads an OCI image archive (what scripts/build-image.sh writes) the way a container runtime
// does: index -> manifest -> config, and the layers applied in order onto one root filesystem,
// honouring whiteouts. Lets a test check an image's config and files, and run its programs
// under chroot with the image's own loader and libraries, without a container engine.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The parts of the OCI image config the tests look at. */
export interface OciImageConfig {
  architecture: string;
  os: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    WorkingDir?: string;
    ExposedPorts?: Record<string, object>;
    Labels?: Record<string, string>;
  };
}

export interface UnpackedImage {
  /** org.opencontainers.image.ref.name of the archive's manifest (what `ctr import` names it). */
  refName: string | undefined;
  config: OciImageConfig;
  rootfs: string;
  /** Sum of the compressed layer sizes, bytes. */
  layerBytes: number;
}

const blob = (layout: string, digest: string) => path.join(layout, 'blobs', ...digest.split(':'));

async function tar(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('tar', args, { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** Applies one layer: whiteouts (.wh.<name>, .wh..wh..opq) first, then the layer's files. */
async function applyLayer(file: string, rootfs: string): Promise<void> {
  const members = (await tar(['-tf', file])).split('\n').filter(Boolean);
  for (const member of members) {
    const base = path.posix.basename(member);
    if (!base.startsWith('.wh.')) continue;
    const dir = path.join(rootfs, path.posix.dirname(member));
    if (!dir.startsWith(rootfs)) throw new Error(`layer ${file}: whiteout outside the root: ${member}`);
    if (base === '.wh..wh..opq') {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
    } else {
      await rm(path.join(dir, base.slice('.wh.'.length)), { recursive: true, force: true });
    }
  }
  // GNU tar detects the compression; as root it keeps owners and modes (setuid, sticky) as stored.
  await tar(['-xpf', file, '-C', rootfs, '--same-owner', '--numeric-owner', '--exclude=.wh.*']);
}

/** Unpacks `archive` under `dir` (dir/layout, dir/rootfs). */
export async function unpackOciArchive(archive: string, dir: string): Promise<UnpackedImage> {
  const layout = path.join(dir, 'layout');
  const rootfs = path.join(dir, 'rootfs');
  await mkdir(layout, { recursive: true });
  await mkdir(rootfs, { recursive: true });
  await tar(['-xf', archive, '-C', layout]);
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  if (index.manifests.length !== 1)
    throw new Error(`${archive}: expected one manifest in index.json, found ${index.manifests.length}`);
  const top = index.manifests[0]!;
  const manifest = JSON.parse(await readFile(blob(layout, top.digest), 'utf8')) as {
    config: Descriptor;
    layers: Descriptor[];
  };
  const config = JSON.parse(await readFile(blob(layout, manifest.config.digest), 'utf8')) as OciImageConfig;
  for (const layer of manifest.layers) await applyLayer(blob(layout, layer.digest), rootfs);
  return {
    refName: top.annotations?.['org.opencontainers.image.ref.name'],
    config,
    rootfs,
    layerBytes: manifest.layers.reduce((sum, l) => sum + l.size, 0),
  };
}

/** The device nodes a container runtime gives every container (runc's defaults), for chroot runs. */
export async function addRuntimeDevices(rootfs: string): Promise<void> {
  await mkdir(path.join(rootfs, 'dev'), { recursive: true });
  const devices: [string, number, number][] = [
    ['null', 1, 3],
    ['zero', 1, 5],
    ['random', 1, 8],
    ['urandom', 1, 9],
  ];
  for (const [name, major, minor] of devices) {
    const node = path.join(rootfs, 'dev', name);
    await rm(node, { force: true });
    await execFileAsync('mknod', ['-m', '666', node, 'c', String(major), String(minor)]);
  }
}

/** The image's environment as a process env (Env is "KEY=value" strings). */
export function imageEnv(config: OciImageConfig): NodeJS.ProcessEnv {
  return Object.fromEntries(
    (config.config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
}
