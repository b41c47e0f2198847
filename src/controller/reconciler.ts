// reconcile(key): read what the watched caches hold for one AlmaRestore and its children, move it
// one step forward, write status (only what changed), and say when to look again. Level-triggered:
// it never depends on which event woke it, so the controller can be killed at any instant and
// resume from the API server's state (deterministic child names make every create idempotent).
// This module is the entry: read the restore, the finalizer, the desired state, and the dispatch by
// phase to the concern modules (admission, provisioning, step-jobs, lifecycle, deletion).
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type AlmaRestore, type Phase } from '../api/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logging.js';
import type { Metrics } from '../runtime/metrics.js';
import { checkAndAdmit, startRestore } from './admission.js';
import type { Caches } from './caches.js';
import {
  ignore404,
  type ControllerOptions,
  type JobApi,
  type Pass,
  type GuardRegistry,
  type ReconcileResult,
} from './context.js';
import { AdmissionGate } from './admission-gate.js';
import { afterSuccess, ensureFinalizer, finalize, finalizerApi, type FinalizerApi } from './deletion.js';
import { buildDesiredState, type DesiredState } from './desired.js';
import type { EventRecorder } from './events.js';
import { cancel, fail, maybeRetry, suspend } from './lifecycle.js';
import { TERMINAL_PHASES, stepOfPhase } from './phases.js';
import { provision } from './provisioning.js';
import { RestoreMetrics } from './restore-metrics.js';
import { StatusWriter, type StatusApi } from './status.js';
import { runStep } from './step-jobs.js';

export { FINALIZER, RETRY_ANNOTATION } from './context.js';
export type { ControllerOptions, ReconcileResult, TablespaceGuardHook } from './context.js';
export type { Caches } from './caches.js';
export { phaseConditions } from './lifecycle.js';

export interface ReconcilerDeps {
  kc: k8s.KubeConfig;
  log: Logger;
  metrics: Metrics;
  events: EventRecorder;
  caches: Caches;
  options: ControllerOptions;
  /** The tablespace guard loop (guard-loop.ts) a pass of an Importing restore registers with. */
  guard?: GuardRegistry;
  now?: () => Date;
  /** The API the writes go to; by default the kubeconfig's server (unit tests pass doubles). */
  api?: { status?: StatusApi; jobs?: JobApi; finalizers?: FinalizerApi };
}

/** The AlmaRestore reads and status writes, against the API server. */
function restoreApi(kc: k8s.KubeConfig): StatusApi {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const base = { group: GROUP, version: VERSION, plural: PLURAL };
  return {
    get: async (namespace, name) =>
      (await ignore404(custom.getNamespacedCustomObject({ ...base, namespace, name }))) as
        AlmaRestore | undefined,
    replaceStatus: async (body) =>
      (await custom.replaceNamespacedCustomObjectStatus({
        ...base,
        namespace: body.metadata.namespace!,
        name: body.metadata.name,
        body,
      })) as AlmaRestore,
  };
}

/** The step Job writes, against the API server. */
export function jobApi(kc: k8s.KubeConfig): JobApi {
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  return {
    read: (namespace, name) => ignore404(batch.readNamespacedJob({ namespace, name })),
    create: async (namespace, body) => {
      try {
        await batch.createNamespacedJob({ namespace, body });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    },
    delete: async (namespace, name) => {
      await ignore404(batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }));
    },
    setSuspend: async (namespace, name, suspend) => {
      await ignore404(
        batch.patchNamespacedJob(
          { namespace, name, body: { spec: { suspend } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      );
    },
  };
}

export class Reconciler {
  private readonly pass: Pass;
  private readonly restores: StatusApi;
  private readonly finalizers: FinalizerApi;
  private readonly restoreMetrics: RestoreMetrics;
  /** resourceVersion of this process's last write per restore, until the cache has caught up. */
  private readonly written = new Map<string, string>();

  constructor(private readonly deps: ReconcilerDeps) {
    const now = deps.now ?? (() => new Date());
    this.restores = deps.api?.status ?? restoreApi(deps.kc);
    this.finalizers = deps.api?.finalizers ?? finalizerApi(deps.kc);
    this.restoreMetrics = new RestoreMetrics(deps.metrics, now);
    const status = new StatusWriter(this.restores, now, (updated) => {
      this.written.set(
        `${updated.metadata.namespace}/${updated.metadata.name}`,
        updated.metadata.resourceVersion!,
      );
      this.restoreMetrics.export(updated);
    });
    this.pass = {
      kc: deps.kc,
      core: deps.kc.makeApiClient(k8s.CoreV1Api),
      caches: deps.caches,
      options: deps.options,
      events: deps.events,
      log: deps.log,
      metrics: deps.metrics,
      ...(deps.guard ? { guard: deps.guard } : {}),
      status,
      jobs: deps.api?.jobs ?? jobApi(deps.kc),
      now,
      markProgress: (restore, at) => this.restoreMetrics.markProgress(restore, at),
      admissions: new AdmissionGate(),
      ensureFinalizer: async (restore) => {
        const patched = await ensureFinalizer(this.finalizers, restore);
        if (patched) this.written.set(`${restore.metadata.namespace}/${restore.metadata.name}`, patched);
      },
    };
  }

  /** Status writes sent and skipped (nothing changed) by this process. */
  get statusWrites() {
    return { sent: this.pass.status.writes, skipped: this.pass.status.skipped };
  }

  /**
   * The restore from the watched cache, read through to the API server only while the cache has
   * not yet delivered this process's own last status write (a pass right after a write must not
   * act on the state before it). Copied: a pass updates it in place as it writes.
   */
  private async currentRestore(
    key: string,
    namespace: string,
    name: string,
  ): Promise<AlmaRestore | undefined> {
    const cached = this.deps.caches.restores.get(name, namespace);
    const mine = this.written.get(key);
    if (mine === undefined || cached?.metadata.resourceVersion === mine) {
      this.written.delete(key);
      return cached && structuredClone(cached);
    }
    const fresh = await this.restores.get(namespace, name);
    // The server holds our write or something newer: the cache will catch up with it.
    if (!fresh || fresh.metadata.resourceVersion !== mine) this.written.delete(key);
    return fresh;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const restore = await this.currentRestore(key, namespace, name);
    if (!restore) {
      this.restoreMetrics.forget(namespace, name);
      return {};
    }
    if (restore.metadata.deletionTimestamp) {
      const result = await finalize(this.pass, this.finalizers, restore);
      this.restoreMetrics.forget(namespace, name);
      return result;
    }
    this.restoreMetrics.observe(restore);

    let desired: DesiredState;
    try {
      desired = buildDesiredState(restore, this.deps.options);
    } catch (err) {
      // The API server validated the object; what is left here is a plan that cannot be made.
      return fail(this.pass, restore, { step: 'plan', reason: 'InvalidSpec', message: errorMessage(err) });
    }
    return this.dispatch(restore, desired);
  }

  /** Moves the restore one step, by phase. The order of the checks is the policy: read it top-down. */
  private dispatch(restore: AlmaRestore, desired: DesiredState): Promise<ReconcileResult> {
    const pass = this.pass;
    const phase: Phase = restore.status?.phase ?? 'Pending';
    // The user's levers first: cancel beats everything but an end; a Failed restore waits for a retry.
    if (restore.spec.cancel && !TERMINAL_PHASES.has(phase)) return cancel(pass, restore);
    if (phase === 'Succeeded') return afterSuccess(pass, restore, desired);
    if (phase === 'Cancelled') return Promise.resolve({});
    if (phase === 'Failed') return maybeRetry(pass, restore);
    if (!!restore.spec.suspend !== (phase === 'Suspended'))
      return suspend(pass, restore, !!restore.spec.suspend);
    if (phase === 'Suspended') return Promise.resolve({});

    switch (phase) {
      case 'Pending':
        return startRestore(pass, restore, desired);
      case 'Planning':
      case 'Queued':
        return checkAndAdmit(pass, restore, desired);
      case 'Provisioning':
        return this.owning(restore, () => provision(pass, restore, desired));
      default: {
        const step = stepOfPhase(phase);
        if (!step)
          return fail(pass, restore, {
            step: 'plan',
            reason: 'UnknownPhase',
            message: `unknown phase ${phase}`,
          });
        return this.owning(restore, () => runStep(pass, restore, desired, step));
      }
    }
  }

  /**
   * A pass that may create children: the finalizer first (admission added it already; this covers
   * a retry into Provisioning and restores from before the finalizer was deferred). The pass goes
   * on with the patched object (the cache may not have it yet).
   */
  private async owning(restore: AlmaRestore, next: () => Promise<ReconcileResult>): Promise<ReconcileResult> {
    await this.pass.ensureFinalizer(restore);
    return next();
  }
}
