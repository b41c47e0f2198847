// Counts API requests the way the API server itself sees them: scrapes kube-apiserver /metrics
// (apiserver_request_total, by resource and verb) and diffs two scrapes. The controller's own
// counters are not trusted for this: a request it forgot to count still costs the server.
import { request, type RequestOptions } from 'node:https';
import type * as k8s from '@kubernetes/client-node';

/** "resource[/subresource] VERB" -> count. */
/** What the controller touches (from the chart's RBAC); leases are the API server's own. */
export const CONTROLLER_RESOURCES: ReadonlySet<string> = new Set([
  'almarestores',
  'secrets',
  'configmaps',
  'jobs',
  'pods',
  'persistentvolumeclaims',
  'statefulsets',
  'services',
  'events',
  'storageclasses',
]);

export type RequestCounts = Map<string, number>;

const SAMPLE = /^apiserver_request_total\{([^}]*)\}\s+([0-9.e+]+)$/;
const LABEL = /(\w+)="([^"]*)"/g;

/** Pure: the apiserver_request_total samples of a Prometheus text page, summed by resource and verb. */
export function parseRequestTotals(text: string): RequestCounts {
  const counts: RequestCounts = new Map();
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[1]!.matchAll(LABEL)) labels[k!] = v!;
    if (!labels.resource) continue; // non-resource URLs (/metrics, /healthz, discovery)
    const resource = labels.subresource ? `${labels.resource}/${labels.subresource}` : labels.resource;
    const key = `${resource} ${labels.verb}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** Pure: what happened between two scrapes (only rows that moved). */
export function diffCounts(before: RequestCounts, after: RequestCounts): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);
const READ_VERBS = new Set(['GET', 'LIST']);

export interface Classified {
  reads: number;
  writes: number;
  rows: [string, number][];
  ignored: [string, number][];
}

/**
 * Pure: reads and writes among `counts`, WATCH excluded (a watch is one long request, not load
 * per minute), resources outside `resources` (the API server's own housekeeping, e.g. its
 * identity Lease) set aside and listed.
 */
export function classify(counts: RequestCounts, resources: ReadonlySet<string>): Classified {
  const result: Classified = { reads: 0, writes: 0, rows: [], ignored: [] };
  for (const [key, n] of [...counts].sort()) {
    const [resource, verb] = key.split(' ') as [string, string];
    if (!resources.has(resource.split('/')[0]!) || (!WRITE_VERBS.has(verb) && !READ_VERBS.has(verb))) {
      result.ignored.push([key, n]);
      continue;
    }
    result.rows.push([key, n]);
    if (WRITE_VERBS.has(verb)) result.writes += n;
    else result.reads += n;
  }
  return result;
}

/** GET <server>/metrics with the kubeconfig's credentials (the admin client). */
export async function scrapeRequestTotals(kc: k8s.KubeConfig): Promise<RequestCounts> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const opts: RequestOptions = {
    hostname: server.hostname,
    port: server.port,
    path: '/metrics',
    method: 'GET',
  };
  await kc.applyToHTTPSOptions(opts);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(body)
          : reject(new Error(`GET /metrics: HTTP ${res.statusCode}: ${body.slice(0, 200)}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
  return parseRequestTotals(text);
}
