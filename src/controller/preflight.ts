// Before the controller says "started": can it reach the API server, is the AlmaRestore CRD
// installed, may it list AlmaRestores? Each failure ends the process at once with one sentence
// that says what to fix, instead of informers retrying an HTTP error forever.
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.js';
import { EXIT, UserFacingError, errorMessage } from '../errors.js';

const TIMEOUT_MS = 15_000;

/** The low-level cause (ECONNREFUSED, ENOTFOUND, a TLS error) of a failed request. */
function networkCause(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined; e;) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$|CERT|SSL|TLS/.test(e.code)) return `${e.code}`;
    e = e.cause as typeof e | undefined;
  }
  return undefined;
}

/** One sentence for a failed request to the API server. Pure. */
export function describeApiFailure(err: unknown, server: string, source: string, what: string): string {
  const code = (err as { code?: unknown }).code;
  if (code === 401)
    return `the API server ${server} refused the credentials of ${source} (401 Unauthorized): refresh or fix them`;
  if (code === 403)
    return `the API server ${server} forbids ${what} to this identity (403 Forbidden): grant the controller's RBAC (charts/alma-restore-operator/templates/rbac.yaml)`;
  if (code === 404)
    return `the AlmaRestore CRD is not installed on ${server} (404 for ${what}): kubectl apply --server-side -f crds/almarestore.io_almarestores.yaml, or install the Helm chart`;
  if (err instanceof Error && err.message === 'timeout')
    return `the API server ${server} did not answer within ${TIMEOUT_MS / 1000} s (${source}): is it running, and is this the right kubeconfig?`;
  const cause = networkCause(err);
  return `cannot reach the API server ${server} (${source}): ${cause ?? errorMessage(err)}; is the cluster running, and is this the right kubeconfig?`;
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Throws a UserFacingError (exit 1) unless the API server answers and lets us list AlmaRestores. */
export async function checkApiServer(
  kc: k8s.KubeConfig,
  source: string,
  namespaces: string[],
): Promise<void> {
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  const fail = (err: unknown, what: string) =>
    new UserFacingError(describeApiFailure(err, server, source, what), 'ApiServerUnavailable', EXIT.internal);
  try {
    await withTimeout(kc.makeApiClient(k8s.VersionApi).getCode());
  } catch (err) {
    throw fail(err, 'GET /version');
  }
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const what =
    namespaces.length > 0
      ? `listing ${PLURAL} in namespace ${namespaces[0]}`
      : `listing ${PLURAL} in all namespaces`;
  try {
    await withTimeout(
      namespaces.length > 0
        ? api.listNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace: namespaces[0]!,
            plural: PLURAL,
            limit: 1,
          })
        : api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, limit: 1 }),
    );
  } catch (err) {
    throw fail(err, what);
  }
}
