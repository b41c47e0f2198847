// Where a command finds its cluster: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else the
// in-cluster ServiceAccount; with none of them, a clear error instead of client-node's silent
// fallback to http://localhost:8080. Shared by `controller`, `status` and `logs`.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { EXIT, UserFacingError, errorMessage } from '../errors.js';

export interface KubeConfigFlags {
  kubeconfig?: string;
  context?: string;
}

/** The in-cluster token file that client-node's loadFromCluster reads. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoadedKubeConfig {
  kc: k8s.KubeConfig;
  /** Where it came from, for messages ("--kubeconfig /x", "$KUBECONFIG", "in-cluster"). */
  source: string;
}

export function loadKubeConfig(
  flags: KubeConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): LoadedKubeConfig {
  const kc = new k8s.KubeConfig();
  const homeConfig = path.join(home, '.kube', 'config');
  let source: string;
  try {
    if (flags.kubeconfig) {
      source = `--kubeconfig ${flags.kubeconfig}`;
      kc.loadFromFile(flags.kubeconfig);
    } else if (env.KUBECONFIG) {
      source = `$KUBECONFIG (${env.KUBECONFIG})`;
      kc.loadFromDefault();
    } else if (existsSync(homeConfig)) {
      source = homeConfig;
      kc.loadFromFile(homeConfig);
    } else if (existsSync(SERVICE_ACCOUNT_TOKEN) && env.KUBERNETES_SERVICE_HOST) {
      source = 'the in-cluster ServiceAccount';
      kc.loadFromCluster();
    } else {
      throw new UserFacingError(
        `no kubeconfig: pass --kubeconfig <file>, set $KUBECONFIG, create ${homeConfig}, or run in a cluster`,
        'NoKubeconfig',
        EXIT.usage,
      );
    }
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw new UserFacingError(
      `cannot load the kubeconfig (${flags.kubeconfig ?? env.KUBECONFIG ?? homeConfig}): ${errorMessage(err)}`,
      'BadKubeconfig',
      EXIT.usage,
    );
  }
  if (flags.context) {
    if (!kc.getContexts().some((c) => c.name === flags.context))
      throw new UserFacingError(
        `context ${JSON.stringify(flags.context)} is not in ${source}; it has ${kc
          .getContexts()
          .map((c) => c.name)
          .join(', ')}`,
        'BadKubeconfig',
        EXIT.usage,
      );
    kc.setCurrentContext(flags.context);
  }
  if (!kc.getCurrentCluster())
    throw new UserFacingError(
      `${source} has no current context with a cluster: pass --context, or run kubectl config use-context`,
      'BadKubeconfig',
      EXIT.usage,
    );
  return { kc, source };
}

/** The namespace of the kubeconfig's current context (kubectl's default), else "default". */
export function contextNamespace(kc: k8s.KubeConfig): string {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace || 'default';
}
