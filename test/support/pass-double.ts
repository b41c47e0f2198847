// A reconcile Pass (src/controller/context.ts) over in-memory doubles: the status subresource of
// api-double.ts, an Event recorder and a Job API that only record, fixed caches and a fixed clock.
// The kubeconfig points at a closed port, so a module that sends a request not routed through the
// doubles fails the test instead of reaching a server.
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import type { AlmaRestore } from '../../src/api/types.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { staticCache, type Caches } from '../../src/controller/caches.js';
import { FINALIZER, type ControllerOptions, type JobApi, type Pass } from '../../src/controller/context.js';
import type { EventRecorder } from '../../src/controller/events.js';
import { AdmissionGate } from '../../src/controller/admission-gate.js';
import { StatusWriter } from '../../src/controller/status.js';
import { ApiDouble } from './api-double.js';

export const TEST_OPTIONS: ControllerOptions = {
  maxConcurrentRestores: 2,
  maxConcurrentPerDatabase: 1,
  pvcBindTimeoutMs: 600_000,
  databaseReadyTimeoutMs: 3_600_000,
  runnerImage: 'registry.example.test/alma-restore-operator:test',
  podBlockedTimeoutMs: 300_000,
};

export interface PassDouble {
  pass: Pass;
  api: ApiDouble;
  events: string[];
  jobCalls: string[];
  progressMarks: string[];
}

export function unreachableKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  return kc;
}

export function passDouble(
  objects: Partial<{ [K in keyof Caches]: Parameters<typeof staticCache>[0] }> = {},
  now = new Date('2026-03-01T10:00:00Z'),
): PassDouble {
  const api = new ApiDouble();
  const events: string[] = [];
  const jobCalls: string[] = [];
  const progressMarks: string[] = [];
  const recorder: EventRecorder = {
    record: async (r, type, reason, message) => {
      events.push(`${r.metadata.name} ${type}/${reason}: ${message}`);
    },
  };
  const jobs: JobApi = {
    read: async (ns, name) => {
      jobCalls.push(`GET ${ns}/${name}`);
      return undefined;
    },
    create: async (ns, body) => {
      jobCalls.push(`POST ${ns}/${body.metadata!.name}`);
    },
    delete: async (ns, name) => {
      jobCalls.push(`DELETE ${ns}/${name}`);
    },
    setSuspend: async (ns, name, suspend) => {
      jobCalls.push(`PATCH ${ns}/${name} suspend=${suspend}`);
    },
  };
  const cache = <T extends k8s.KubernetesObject>(k: keyof Caches) =>
    staticCache<T>((objects[k] ?? []) as T[]);
  const kc = unreachableKubeConfig();
  const pass: Pass = {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    caches: {
      restores: cache<AlmaRestore>('restores'),
      jobs: cache('jobs'),
      secrets: cache('secrets'),
      pods: cache('pods'),
      claims: cache('claims'),
      statefulSets: cache('statefulSets'),
      services: cache('services'),
      configMaps: cache('configMaps'),
      storageClasses: cache('storageClasses'),
    },
    options: TEST_OPTIONS,
    events: recorder,
    log: pino({ level: 'silent' }),
    metrics: createMetrics(),
    status: new StatusWriter(api.statusApi, () => now),
    jobs,
    now: () => now,
    markProgress: (r) => progressMarks.push(r.metadata.name),
    admissions: new AdmissionGate(),
    ensureFinalizer: async (r) => {
      if (!r.metadata.finalizers?.includes(FINALIZER))
        r.metadata.finalizers = [...(r.metadata.finalizers ?? []), FINALIZER];
    },
  };
  return { pass, api, events, jobCalls, progressMarks };
}
