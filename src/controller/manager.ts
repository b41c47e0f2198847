// The controller process: informers feed a work queue, workers reconcile keys (never the same
// key twice at once), a Lease decides which replica acts, and one HTTP server exposes
// /metrics, /healthz and /readyz. The tablespace guard's database calls run in a loop of their own
// (guard-loop.ts) that wakes restores through the queue. SIGTERM drains in-flight reconciles,
// drops the guard loop's restores, releases the lease and exits.
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type AlmaRestore } from '../api/types.js';
import type { Logger } from '../logging.js';
import { errorMessage } from '../errors.js';
import { createMetrics, type Metrics } from '../runtime/metrics.js';
import { startInformer, type RunningInformer } from '../runtime/informers.js';
import { slimSecret } from '../runtime/slim.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { startProbeServer } from '../runtime/http-server.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { ApiEventRecorder } from './events.js';
import { GuardLoop, stillGuarded } from './guard-loop.js';
import { LABEL } from '../resources/meta.js';
import { Reconciler, type ControllerOptions, type TablespaceGuardHook } from './reconciler.js';
import { restoresReferencingSecret } from './secret-watch.js';
import { SlotWatcher, queuedKeys } from './queue-wakeup.js';
import type { Cache, Caches } from './caches.js';

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
  /** Tablespace guard checks at once across restores (default DEFAULT_GUARD_CONCURRENCY). */
  guardConcurrency?: number;
}

export interface RunningManager {
  metrics: Metrics;
  port: number;
  isLeader(): boolean;
  /** Whether the tablespace guard loop holds this restore ("namespace/name") now. */
  guarded(key: string): boolean;
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
  const queue = new WorkQueue(undefined, (depth) => metrics.queueDepth.set(depth));
  const guardHook = guardFactory?.(metrics);
  const guard = guardHook
    ? new GuardLoop({
        guard: guardHook,
        enqueue: (key) => queue.add(key),
        log,
        ...(options.guardConcurrency !== undefined ? { maxConcurrent: options.guardConcurrency } : {}),
      })
    : undefined;
  const informers: RunningInformer<k8s.KubernetesObject>[] = [];
  const namespaces = options.watchNamespaces.length > 0 ? options.watchNamespaces : [undefined];

  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const storage = kc.makeApiClient(k8s.StorageV1Api);
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
    // Only an Importing restore is guarded: one that leaves it (or goes) is dropped at once.
    if (guard && !stillGuarded(obj, deleted))
      guard.unregister(`${obj.metadata.namespace}/${obj.metadata.name}`);
    if (slots.observe(obj, deleted)) for (const key of queuedKeys(allRestores.list())) queue.add(key);
  };
  // A restore waiting in Planning for a StorageClass or a claim (created, bound, grown), or in
  // Provisioning for an existing database's own staging claim to bind, is woken by it.
  const wakePlanning = (namespace?: string) => {
    for (const r of allRestores.list(namespace))
      if (r.status?.phase === 'Planning' || r.status?.phase === 'Provisioning')
        queue.add(`${r.metadata.namespace}/${r.metadata.name}`);
  };
  const onClaim = (obj: k8s.V1PersistentVolumeClaim) => {
    if (obj.metadata?.labels?.[LABEL.restore]) enqueueOwner(obj);
    else wakePlanning(obj.metadata?.namespace);
  };
  // A Secret that appears or changes wakes the restores that reference it (no polling).
  const onSecret = (obj: k8s.V1Secret) => {
    const ns = obj.metadata?.namespace;
    if (!ns || !obj.metadata?.name) return;
    for (const key of restoresReferencingSecret(allRestores.list(ns), obj.metadata.name, ns)) queue.add(key);
  };

  const perKind = {
    restores: [] as RunningInformer<AlmaRestore>[],
    jobs: [] as RunningInformer<k8s.V1Job>[],
    secrets: [] as RunningInformer<k8s.V1Secret>[],
    pods: [] as RunningInformer<k8s.V1Pod>[],
    claims: [] as RunningInformer<k8s.V1PersistentVolumeClaim>[],
    statefulSets: [] as RunningInformer<k8s.V1StatefulSet>[],
    services: [] as RunningInformer<k8s.V1Service>[],
    configMaps: [] as RunningInformer<k8s.V1ConfigMap>[],
  };
  // Serve probes first: a taken port is reported before any watch keeps the process alive.
  const synced = () => informers.length > 0 && informers.every((i) => i.synced());
  const probe = await startProbeServer({
    host: options.metricsHost,
    port: options.metricsPort,
    registry: metrics.registry,
    ready: synced,
  });

  /** One informer of a core/group kind, namespaced or cluster-wide, added to the ready check. */
  const watch = <T extends k8s.KubernetesObject>(
    name: string,
    ns: string | undefined,
    /** The watch path, spelled out (the chart's RBAC seam test reads these literals). */
    watchPath: string,
    list: () => Promise<k8s.KubernetesListObject<T>>,
    onObject: (obj: T, deleted?: boolean) => void,
    labelSelector?: string,
    slim?: (obj: T) => T,
  ): RunningInformer<T> => {
    const informer = startInformer<T>(
      kc,
      {
        name: `${name}${ns ? `/${ns}` : ''}`,
        path: watchPath,
        ...(labelSelector ? { labelSelector } : {}),
        ...(slim ? { slim } : {}),
        list,
        onObject,
      },
      log,
    );
    informers.push(informer as unknown as RunningInformer<k8s.KubernetesObject>);
    return informer;
  };

  for (const ns of namespaces) {
    perKind.restores.push(
      watch<AlmaRestore>(
        'almarestores',
        ns,
        ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
        async () =>
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
        onRestore,
      ),
    );
    // Children: only what carries the restore label (what the controller made), each event waking its restore.
    const labelSelector = selector;
    perKind.jobs.push(
      watch<k8s.V1Job>(
        'jobs',
        ns,
        ns ? `/apis/batch/v1/namespaces/${ns}/jobs` : `/apis/batch/v1/jobs`,
        () =>
          ns
            ? batch.listNamespacedJob({ namespace: ns, labelSelector })
            : batch.listJobForAllNamespaces({ labelSelector }),
        enqueueOwner,
        labelSelector,
      ),
    );
    // All claims of the namespace: an existing database's staging claim is the user's (unlabelled).
    perKind.claims.push(
      watch<k8s.V1PersistentVolumeClaim>(
        'pvcs',
        ns,
        ns ? `/api/v1/namespaces/${ns}/persistentvolumeclaims` : `/api/v1/persistentvolumeclaims`,
        () =>
          ns
            ? core.listNamespacedPersistentVolumeClaim({ namespace: ns })
            : core.listPersistentVolumeClaimForAllNamespaces(),
        onClaim,
      ),
    );
    perKind.statefulSets.push(
      watch<k8s.V1StatefulSet>(
        'statefulsets',
        ns,
        ns ? `/apis/apps/v1/namespaces/${ns}/statefulsets` : `/apis/apps/v1/statefulsets`,
        () =>
          ns
            ? apps.listNamespacedStatefulSet({ namespace: ns, labelSelector })
            : apps.listStatefulSetForAllNamespaces({ labelSelector }),
        enqueueOwner,
        labelSelector,
      ),
    );
    perKind.services.push(
      watch<k8s.V1Service>(
        'services',
        ns,
        ns ? `/api/v1/namespaces/${ns}/services` : `/api/v1/services`,
        () =>
          ns
            ? core.listNamespacedService({ namespace: ns, labelSelector })
            : core.listServiceForAllNamespaces({ labelSelector }),
        enqueueOwner,
        labelSelector,
      ),
    );
    perKind.configMaps.push(
      watch<k8s.V1ConfigMap>(
        'configmaps',
        ns,
        ns ? `/api/v1/namespaces/${ns}/configmaps` : `/api/v1/configmaps`,
        () =>
          ns
            ? core.listNamespacedConfigMap({ namespace: ns, labelSelector })
            : core.listConfigMapForAllNamespaces({ labelSelector }),
        enqueueOwner,
        labelSelector,
      ),
    );
    // Step and database pods: their results, blockers and progress are read from here.
    perKind.pods.push(
      watch<k8s.V1Pod>(
        'pods',
        ns,
        ns ? `/api/v1/namespaces/${ns}/pods` : `/api/v1/pods`,
        () =>
          ns
            ? core.listNamespacedPod({ namespace: ns, labelSelector })
            : core.listPodForAllNamespaces({ labelSelector }),
        enqueueOwner,
        labelSelector,
      ),
    );
    // The Secrets restores reference (users' own, unlabelled: the whole namespace), watched so a
    // restore waiting for one is woken by its event and no pass GETs them.
    perKind.secrets.push(
      watch<k8s.V1Secret>(
        'secrets',
        ns,
        ns ? `/api/v1/namespaces/${ns}/secrets` : `/api/v1/secrets`,
        () => (ns ? core.listNamespacedSecret({ namespace: ns }) : core.listSecretForAllNamespaces()),
        onSecret,
        undefined,
        slimSecret, // key names only: the values are never read from the cache
      ),
    );
  }

  // StorageClasses: cluster-scoped, one informer (planning checks, WaitForFirstConsumer).
  const storageClasses = watch<k8s.V1StorageClass>(
    'storageclasses',
    undefined,
    '/apis/storage.k8s.io/v1/storageclasses',
    () => storage.listStorageClass(),
    () => wakePlanning(),
  );

  const merged = <T extends k8s.KubernetesObject>(caches: RunningInformer<T>[]): Cache<T> => ({
    list: (namespace) => caches.flatMap((c) => c.list(namespace)),
    get: (name, namespace) => caches.map((c) => c.get(name, namespace)).find((o) => o !== undefined),
  });

  const allRestores = merged(perKind.restores);
  const caches: Caches = {
    restores: allRestores,
    jobs: merged(perKind.jobs),
    secrets: merged(perKind.secrets),
    pods: merged(perKind.pods),
    claims: merged(perKind.claims),
    statefulSets: merged(perKind.statefulSets),
    services: merged(perKind.services),
    configMaps: merged(perKind.configMaps),
    storageClasses,
  };
  const events = new ApiEventRecorder(kc, log);
  const reconciler = new Reconciler({
    kc,
    log,
    metrics,
    events,
    caches,
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
    guard?.stop();
    await Promise.all([...inFlight]);
    // The Events the last passes recorded go out before the lease is released (bounded wait).
    await Promise.race([events.flush(), new Promise((r) => setTimeout(r, 5000).unref())]);
    if (events.queued > 0) log.warn({ events: events.queued }, 'stopping with Events not yet sent');
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
    guarded: (key) => guard?.isRegistered(key) ?? false,
    done,
    stop,
  };
}
