// The controller process: informers feed a work queue, workers reconcile keys (never the same
// key twice at once), a Lease decides which replica acts, and one HTTP server exposes
// /metrics, /healthz and /readyz. SIGTERM drains in-flight reconciles, releases the lease and exits.
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type AlmaRestore } from '../api/types.js';
import type { Logger } from '../logging.js';
import { errorMessage } from '../errors.js';
import { createMetrics, type Metrics } from '../runtime/metrics.js';
import { startInformer, type RunningInformer } from '../runtime/informers.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { startProbeServer } from '../runtime/http-server.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { ApiEventRecorder } from './events.js';
import { LABEL } from '../resources/meta.js';
import { Reconciler, type ControllerOptions, type TablespaceGuardHook } from './reconciler.js';
import { restoresReferencingSecret } from './secret-watch.js';
import { SlotWatcher, queuedKeys } from './queue-wakeup.js';

export interface ManagerOptions extends ControllerOptions {
  /** Namespaces to watch; empty = all. */
  watchNamespaces: string[];
  metricsHost: string;
  metricsPort: number;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  identity?: string;
  workers: number;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface RunningManager {
  metrics: Metrics;
  port: number;
  isLeader(): boolean;
  /** Resolves when the manager has stopped (after stop() or a lost lease). */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startManager(
  kc: k8s.KubeConfig,
  options: ManagerOptions,
  log: Logger,
  /** Builds the tablespace guard on the manager's metrics; none = no guard. */
  guardFactory?: (metrics: Metrics) => TablespaceGuardHook,
): Promise<RunningManager> {
  const metrics = createMetrics();
  const guard = guardFactory?.(metrics);
  const queue = new WorkQueue(undefined, (depth) => metrics.queueDepth.set(depth));
  const informers: RunningInformer<k8s.KubernetesObject>[] = [];
  const namespaces = options.watchNamespaces.length > 0 ? options.watchNamespaces : [undefined];

  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const enqueueRestore = (obj: k8s.KubernetesObject) =>
    queue.add(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
  // Children carry the restore's name in a label: an event on a child wakes its restore.
  const enqueueOwner = (obj: k8s.KubernetesObject) => {
    const owner = obj.metadata?.labels?.[LABEL.restore];
    if (owner) queue.add(`${obj.metadata?.namespace}/${owner}`);
  };
  const selector = LABEL.restore; // every child carries it (label exists)
  // Queued restores have no timer: a restore leaving an active phase wakes them all.
  const slots = new SlotWatcher();
  const onRestore = (obj: AlmaRestore, deleted?: boolean) => {
    enqueueRestore(obj);
    if (slots.observe(obj, deleted)) for (const key of queuedKeys(allRestores.list())) queue.add(key);
  };
  // A Secret that appears or changes wakes the restores that reference it (no polling).
  const onSecret = (obj: k8s.V1Secret) => {
    const ns = obj.metadata?.namespace;
    if (!ns || !obj.metadata?.name) return;
    for (const key of restoresReferencingSecret(allRestores.list(ns), obj.metadata.name, ns)) queue.add(key);
  };

  const restoreCaches: RunningInformer<AlmaRestore>[] = [];
  const jobCaches: RunningInformer<k8s.V1Job>[] = [];
  const secretCaches: RunningInformer<k8s.V1Secret>[] = [];
  // Serve probes first: a taken port is reported before any watch keeps the process alive.
  const synced = () => informers.length > 0 && informers.every((i) => i.synced());
  const probe = await startProbeServer({
    host: options.metricsHost,
    port: options.metricsPort,
    registry: metrics.registry,
    ready: synced,
  });

  for (const ns of namespaces) {
    const restores = startInformer<AlmaRestore>(
      kc,
      {
        name: `almarestores${ns ? `/${ns}` : ''}`,
        path: ns
          ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`
          : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
        list: async () =>
          (ns
            ? await custom.listNamespacedCustomObject({
                group: GROUP,
                version: VERSION,
                namespace: ns,
                plural: PLURAL,
              })
            : await custom.listClusterCustomObject({
                group: GROUP,
                version: VERSION,
                plural: PLURAL,
              })) as k8s.KubernetesListObject<AlmaRestore>,
        onObject: onRestore,
      },
      log,
    );
    const jobs = startInformer<k8s.V1Job>(
      kc,
      {
        name: `jobs${ns ? `/${ns}` : ''}`,
        path: ns ? `/apis/batch/v1/namespaces/${ns}/jobs` : '/apis/batch/v1/jobs',
        labelSelector: selector,
        list: () =>
          ns
            ? batch.listNamespacedJob({ namespace: ns, labelSelector: selector })
            : batch.listJobForAllNamespaces({ labelSelector: selector }),
        onObject: enqueueOwner,
      },
      log,
    );
    const claims = startInformer<k8s.V1PersistentVolumeClaim>(
      kc,
      {
        name: `pvcs${ns ? `/${ns}` : ''}`,
        path: ns ? `/api/v1/namespaces/${ns}/persistentvolumeclaims` : '/api/v1/persistentvolumeclaims',
        labelSelector: selector,
        list: () =>
          ns
            ? core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: selector })
            : core.listPersistentVolumeClaimForAllNamespaces({ labelSelector: selector }),
        onObject: enqueueOwner,
      },
      log,
    );
    const statefulSets = startInformer<k8s.V1StatefulSet>(
      kc,
      {
        name: `statefulsets${ns ? `/${ns}` : ''}`,
        path: ns ? `/apis/apps/v1/namespaces/${ns}/statefulsets` : '/apis/apps/v1/statefulsets',
        labelSelector: selector,
        list: () =>
          ns
            ? apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: selector })
            : apps.listStatefulSetForAllNamespaces({ labelSelector: selector }),
        onObject: enqueueOwner,
      },
      log,
    );
    // The Secrets restores reference, watched so a Queued restore neither polls nor GETs them.
    const secrets = startInformer<k8s.V1Secret>(
      kc,
      {
        name: `secrets${ns ? `/${ns}` : ''}`,
        path: ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets',
        list: () => (ns ? core.listNamespacedSecret({ namespace: ns }) : core.listSecretForAllNamespaces()),
        onObject: onSecret,
      },
      log,
    );
    // Pods only wake their restore: a step or database pod that gets stuck (pod-blockers.ts).
    const pods = startInformer<k8s.V1Pod>(
      kc,
      {
        name: `pods${ns ? `/${ns}` : ''}`,
        path: ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods',
        labelSelector: selector,
        list: () =>
          ns
            ? core.listNamespacedPod({ namespace: ns, labelSelector: selector })
            : core.listPodForAllNamespaces({ labelSelector: selector }),
        onObject: enqueueOwner,
      },
      log,
    );
    restoreCaches.push(restores);
    jobCaches.push(jobs);
    secretCaches.push(secrets);
    informers.push(restores, jobs, claims, statefulSets, secrets, pods);
  }

  const merged = <T extends k8s.KubernetesObject>(caches: RunningInformer<T>[]): RunningInformer<T> => ({
    list: (namespace) => caches.flatMap((c) => c.list(namespace)),
    get: (name, namespace) => caches.map((c) => c.get(name, namespace)).find((o) => o !== undefined),
    synced: () => caches.every((c) => c.synced()),
    stop: async () => {
      await Promise.all(caches.map((c) => c.stop()));
    },
  });

  const allRestores = merged(restoreCaches);
  const reconciler = new Reconciler({
    kc,
    log,
    metrics,
    events: new ApiEventRecorder(kc, log),
    caches: { restores: allRestores, jobs: merged(jobCaches), secrets: merged(secretCaches) },
    options,
    guard,
  });

  let stopping = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const inFlight = new Set<Promise<void>>();

  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = process.hrtime.bigint();
      const keyLog = log.child({ restore: key });
      try {
        const result = await reconciler.reconcile(key);
        queue.forget(key);
        if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        metrics.reconcileErrors.inc();
        const delay = queue.addRateLimited(key);
        keyLog.warn({ err: errorMessage(err), retryInMs: delay }, 'reconcile failed; will retry');
      } finally {
        metrics.reconcileDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
        queue.done(key);
      }
    }
  };

  const startWorkers = async () => {
    // Reconcile only from a synced cache: otherwise "absent" could mean "not listed yet".
    while (!synced() && !stopping) await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < options.workers; i++) {
      const p = worker();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  };

  const elector = options.leaderElect
    ? new LeaderElector(
        kc,
        {
          namespace: options.leaseNamespace,
          name: options.leaseName,
          identity: options.identity ?? `${os.hostname()}_${process.pid}`,
          leaseDurationMs: options.leaseDurationMs,
          renewDeadlineMs: options.renewDeadlineMs,
          retryPeriodMs: options.retryPeriodMs,
        },
        log,
      )
    : undefined;

  const stop = async () => {
    if (stopping) return done;
    stopping = true;
    queue.shutDown();
    await Promise.all([...inFlight]);
    await elector?.stop();
    await Promise.all(informers.map((i) => i.stop()));
    await new Promise<void>((r) => probe.server.close(() => r()));
    log.info('controller stopped');
    resolveDone();
  };

  if (elector) {
    elector.run({
      onStartedLeading: () => void startWorkers(),
      // A replica that lost its lease must not act on stale beliefs: stop, and let the
      // Deployment restart it as a standby.
      onStoppedLeading: () => void stop(),
    });
  } else {
    void startWorkers();
  }

  log.info(
    { port: probe.port, namespaces: options.watchNamespaces, leaderElect: options.leaderElect },
    'controller started',
  );
  return {
    metrics,
    port: probe.port,
    isLeader: () => (elector ? elector.isLeader() : true),
    done,
    stop,
  };
}
