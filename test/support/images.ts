// The container images the real-node tests run, built by scripts/build-image.sh (buildah, no
// Docker, no registry) and cached by content: the operator image from the Dockerfile, and two
// STAND-INS named as such (a pause image for containerd's sandbox_image, and an Oracle Database
// image that is not a database). Tests get each image as an OCI archive to `ctr images import`
// and the ref to put in a pod spec (imagePullPolicy IfNotPresent or Never).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ORACLE_STAGING_PATH } from '../../src/resources/step-config-builder.js';
import { RUNNER_COPY_DIR } from '../../src/resources/job.js';
import { REPO_ROOT } from './chart-tools.js';

export const BUILD_IMAGE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'build-image.sh');

/** app: the Dockerfile's image; pause and oracle: stand-ins (see the script's header). */
export type ImageTarget = 'app' | 'pause' | 'oracle';
export const ALL_IMAGE_TARGETS: readonly ImageTarget[] = ['app', 'pause', 'oracle'];

export interface BuiltImage {
  target: ImageTarget;
  /** e.g. localhost/alma-restore-operator:test-<key>: the name `ctr import` gives the image. */
  ref: string;
  /** The OCI archive (oci-archive with the ref inside). */
  archive: string;
}

/** What the Oracle stand-in offers a test (test/images/oracle-standin). */
export const ORACLE_STANDIN = {
  uid: 54321,
  /** `kubectl exec <db pod> -- <this>`: JSON ReadableReport on stdout, exit 0 only if all readable. */
  checkReadableCommand: ['/usr/local/bin/alma-standin-oracle', 'check-readable', ORACLE_STAGING_PATH],
  /** KEY=VALUE lines for the fake impdp (FAKE_IMPDP_SCENARIO, ...), written on the staging volume. */
  fakeImpdpEnvFile: '.fake-impdp.env',
  /** The Node the impdp engine's init container copies in; the stand-in's impdp runs with it. */
  copiedNode: `${RUNNER_COPY_DIR}/nodejs/bin/node`,
} as const;

/** The stand-in's `check-readable` report. */
export interface ReadableReport {
  standIn: 'alma-standin-oracle';
  uid: number;
  gid: number;
  groups: number[];
  root: string;
  entries: {
    kind: 'file' | 'directory';
    path: string;
    size?: number;
    mode?: string;
    uid?: number;
    gid?: number;
    readable: boolean;
    error?: string;
  }[];
  files: number;
  unreadable: number;
}

export function parseReadableReport(stdout: string): ReadableReport {
  const report = JSON.parse(stdout) as ReadableReport;
  if (report.standIn !== 'alma-standin-oracle')
    throw new Error(`not a check-readable report: ${stdout.slice(0, 200)}`);
  return report;
}

/** The script's `IMAGE <target> <ref> <archive>` lines (tab-separated). Pure. */
export function parseImageLines(stdout: string): BuiltImage[] {
  return stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((f) => f[0] === 'IMAGE' && f.length === 4)
    .map(([, target, ref, archive]) => ({ target: target as ImageTarget, ref: ref!, archive: archive! }));
}

/** "localhost/alma-restore-operator:test-ab12" -> repository and tag (for the chart's image.* values). Pure. */
export function splitRef(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon <= ref.lastIndexOf('/')) throw new Error(`image ref ${ref} has no tag`);
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs scripts/build-image.sh with the given arguments; never throws on a non-zero exit. */
export function runBuildImageScript(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ScriptRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_IMAGE_SCRIPT, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 }),
    );
  });
}

/**
 * Builds (or finds in the cache) the images and returns them by target. A missing tool or a failed
 * build is an error carrying the script's message (e.g. "buildah not found: install it with
 * 'apt-get install buildah'"). Cold: a few minutes; cached: a few seconds.
 */
export async function buildImages(
  targets: readonly ImageTarget[] = ALL_IMAGE_TARGETS,
): Promise<Record<ImageTarget, BuiltImage>> {
  const r = await runBuildImageScript([...targets]);
  const built = parseImageLines(r.stdout);
  if (r.code !== 0 || built.length !== targets.length) {
    const tail = r.stderr.trimEnd().split('\n').slice(-15).join('\n');
    throw new Error(`scripts/build-image.sh ${targets.join(' ')} failed (exit ${r.code}):\n${tail}`);
  }
  return Object.fromEntries(built.map((b) => [b.target, b])) as Record<ImageTarget, BuiltImage>;
}
