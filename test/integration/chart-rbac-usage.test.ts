// The chart's RBAC against the controller's source: every Kubernetes API call in the controller
// (src/controller, src/runtime, src/resources) must be granted by the chart. A new call without
// its RBAC rule fails here, before it fails (or silently degrades) in a cluster.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, helmTemplate, parseObjects } from '../support/chart-tools.js';

const SCANNED = ['src/controller', 'src/runtime', 'src/resources'];

/** Kind in a @kubernetes/client-node method name -> "group/resource". */
const RESOURCES: Record<string, string> = {
  Job: 'batch/jobs',
  StatefulSet: 'apps/statefulsets',
  ConfigMap: 'core/configmaps',
  PersistentVolumeClaim: 'core/persistentvolumeclaims',
  Pod: 'core/pods',
  Service: 'core/services',
  Secret: 'core/secrets',
  Event: 'core/events',
  Lease: 'coordination.k8s.io/leases',
  StorageClass: 'storage.k8s.io/storageclasses',
  CustomObject: 'almarestore.io/almarestores',
  CustomObjectStatus: 'almarestore.io/almarestores/status',
  PodStatus: 'core/pods/status',
  PodLog: 'core/pods/log',
  JobStatus: 'batch/jobs/status',
};
const VERBS: Record<string, string[]> = {
  read: ['get'],
  get: ['get'],
  list: ['list'],
  create: ['create'],
  patch: ['patch'],
  replace: ['update'],
  delete: ['delete'],
};
/** Watch paths of informers, e.g. `/apis/batch/v1/namespaces/${ns}/jobs` or '/api/v1/persistentvolumeclaims'. */
const WATCH_PATH = /[`'](\/apis?\/[^`']*?)[`']/g;

function watchedResource(p: string): string | undefined {
  const parts = p
    .replace('${GROUP}', 'almarestore.io')
    .replace('${VERSION}', 'v1alpha1')
    .replace('${PLURAL}', 'almarestores')
    .split('/')
    .filter(Boolean);
  const resource = parts.at(-1);
  if (!resource || resource.includes('$')) return undefined;
  const group = parts[0] === 'api' ? 'core' : parts[1];
  return `${group}/${resource}`;
}

const CALL =
  /\.(read|get|list|create|patch|replace|delete)(Namespaced|Cluster)?([A-Z][A-Za-z]*?)(ForAllNamespaces)?\(/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(rel)));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe('chart RBAC covers every API call of the controller', () => {
  it('grants each verb and resource the controller source uses', async () => {
    const objs = parseObjects(await helmTemplate([]));
    const granted = new Set<string>();
    for (const o of objs.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role'))
      for (const r of (o.rules as Rule[] | undefined) ?? [])
        for (const g of r.apiGroups)
          for (const res of r.resources)
            for (const v of r.verbs) granted.add(`${g === '' ? 'core' : g}/${res}:${v}`);

    const needed = new Map<string, string>(); // "group/resource:verb" -> where
    let calls = 0;
    for (const dir of SCANNED) {
      for (const file of await sourceFiles(dir)) {
        const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
        if (!text.includes('client-node') && !text.includes('CustomObjectsApi')) continue;
        for (const m of text.matchAll(WATCH_PATH)) {
          const res = watchedResource(m[1]!);
          if (res && !needed.has(`${res}:watch`)) needed.set(`${res}:watch`, `${file}: informer on ${m[1]}`);
          if (res) needed.set(`${res}:list`, needed.get(`${res}:list`) ?? `${file}: informer on ${m[1]}`);
        }
        for (const m of text.matchAll(CALL)) {
          const [, verb, , kind] = m as unknown as [string, string, string | undefined, string];
          // Only client-node API methods: kinds it knows; anything else (e.g. getTime) is not an API call.
          const candidates = Object.keys(RESOURCES);
          if (!candidates.includes(kind)) {
            const looksLikeApi = m[2] !== undefined || m[4] !== undefined;
            assert.ok(
              !looksLikeApi,
              `${file}: ${m[0]} looks like an API call on an unknown kind: add it to RESOURCES`,
            );
            continue;
          }
          calls++;
          for (const v of VERBS[verb]!) {
            const key = `${RESOURCES[kind]}:${v}`;
            if (!needed.has(key)) needed.set(key, `${file}: ${m[0]}`);
          }
        }
      }
    }
    assert.ok(calls >= 10, `found only ${calls} API calls: is the scan still looking at the controller?`);
    for (const informed of ['almarestore.io/almarestores', 'batch/jobs'])
      assert.ok(needed.has(`${informed}:watch`), `the scan found no informer on ${informed}`);
    const missing = [...needed].filter(([k]) => !granted.has(k)).map(([k, where]) => `${k} (${where})`);
    assert.deepEqual(missing, [], 'the chart RBAC lacks what the controller calls');
  });
});
