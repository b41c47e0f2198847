// The real helm, promtool and kubectl binaries for the chart, alert, install-manifest and CLI tests, found
// without starting a control plane. A missing binary is an error that says how to get it, never
// a silent skip.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';

const execFileAsync = promisify(execFile);
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'alma-restore-operator');
/** The helm version scripts/build-test-binaries.sh builds. */
export const HELM_VERSION = 'v3.22.0';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** helm: $HELM_BIN, else the one scripts/build-test-binaries.sh put in the cache. */
export function findHelm(): string {
  if (process.env.HELM_BIN) {
    if (!existsSync(process.env.HELM_BIN)) throw new Error(`HELM_BIN=${process.env.HELM_BIN} does not exist`);
    return process.env.HELM_BIN;
  }
  const cacheRoot =
    process.env.ALMA_TEST_BIN_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'alma-restore-operator');
  const binRoot = path.join(cacheRoot, 'bin');
  const dirs = existsSync(binRoot)
    ? readdirSync(binRoot).filter((d) => d.includes(`helm-${HELM_VERSION}`))
    : [];
  for (const d of dirs.sort().reverse()) {
    const candidate = path.join(binRoot, d, 'helm');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `helm ${HELM_VERSION} not found under ${binRoot}: run 'bash scripts/build-test-binaries.sh' (builds it from the Go module proxy), or set HELM_BIN`,
  );
}

/** promtool, from Debian's prometheus package. */
export function findPromtool(): string {
  const found = process.env.PROMTOOL_BIN ?? onPath('promtool');
  if (!found)
    throw new Error(
      "promtool not found on PATH: install it with 'apt-get install prometheus' (it is in .ci/apt-packages.txt), or set PROMTOOL_BIN",
    );
  return found;
}

/** The kubectl release the tests are written against (a plugin is found the same way by any 1.12+). */
export const KUBECTL_VERSION = 'v1.32.4';

/** kubectl: $KUBECTL_BIN, else the one on PATH. */
export function findKubectl(): string {
  const found = process.env.KUBECTL_BIN ?? onPath('kubectl');
  if (!found)
    throw new Error(
      `kubectl not found on PATH: install it (the release binary, https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl, into /usr/local/bin, or 'apt-get install kubectl' from pkgs.k8s.io), or set KUBECTL_BIN`,
    );
  if (!existsSync(found)) throw new Error(`KUBECTL_BIN=${found} does not exist`);
  return found;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a binary; never throws on a non-zero exit (the result says how it ended). */
export async function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr } satisfies RunResult;
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message } satisfies RunResult;
  }
}

/**
 * `--kube-version` for `helm template` without a cluster: helm built from source
 * (scripts/build-test-binaries.sh, no release ldflags) assumes Kubernetes v1.20, which the chart's
 * kubeVersion (>=1.29) refuses; release builds of helm assume their client-go's version. This is
 * the test control plane's version.
 */
export const TEMPLATE_KUBE_VERSION = ['--kube-version', '1.35.4'];

/** `helm template` of the chart; throws with helm's stderr on failure. */
export async function helmTemplate(
  args: string[],
  release = 'alma-restore-operator',
  namespace = 'alma-restore-system',
) {
  const r = await run(findHelm(), [
    'template',
    release,
    CHART_DIR,
    ...TEMPLATE_KUBE_VERSION,
    '--namespace',
    namespace,
    ...args,
  ]);
  if (r.code !== 0) throw new Error(`helm template ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}`);
  return r.stdout;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export function parseObjects(yamlText: string): K8sObject[] {
  return YAML.parseAllDocuments(yamlText)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o && typeof o === 'object' && 'kind' in o);
}

/**
 * The alerting rules exactly as the chart renders them into its PrometheusRule (spec = a
 * Prometheus rule file), with extra helm arguments (e.g. ['--set', 'a=b']).
 */
export async function renderAlertRules(helmArgs: string[] = []): Promise<string> {
  const out = await helmTemplate([
    '--set',
    'prometheusRule.enabled=true',
    ...helmArgs,
    '--show-only',
    'templates/prometheusrule.yaml',
  ]);
  const [rule] = parseObjects(out);
  if (!rule || rule.kind !== 'PrometheusRule') throw new Error(`expected a PrometheusRule, got:\n${out}`);
  return YAML.stringify(rule.spec);
}
