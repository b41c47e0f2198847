// reconcile(key): read what the API server holds for one AlmaRestore and its children, move it
// one step forward, write status, and say when to look again. Level-triggered: it never depends
// on which event woke it, so the controller can be killed at any instant and resume from the
// API server's state (deterministic child names make every create idempotent).
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.js';
import {
  PHASES,
  type AlmaRestore,
  type AlmaRestoreStatus,
  type Phase,
  type SizingPlan,
  type StepStatus,
} from '../api/types.js';
import type { Logger } from '../logging.js';
import type { Metrics } from '../runtime/metrics.js';
import { forgetStepMetrics, recordFetchResult, recordImportProgress } from './step-metrics.js';
import { withLabels, type Caches } from './caches.js';
import { StatusWriter } from './status.js';
import { syncConfigMap } from './configmap-sync.js';
import { decodeTerminationMessage, type StepName, type StepResult } from '../steps/result.js';
import { errorMessage } from '../errors.js';
import type { EventRecorder } from './events.js';
import {
  ACTIVE_PHASES,
  STEP_PHASES,
  TERMINAL_PHASES,
  overallProgress,
  phaseAfter,
  progressOnEntering,
  stepOfPhase,
} from './phases.js';
import { PROGRESS_POLL_MS, liveProgressChanges } from './progress-decide.js';
import { readStepProgress } from './step-progress.js';
import { buildDesiredState, databaseKey, type DesiredState } from './desired.js';
import { historyFor, inventoryStatus } from './inventory-status.js';
import { exportInventory, forgetInventory } from './inventory-metrics.js';
import { planSizing } from '../api/sizing.js';
import { LABEL } from '../resources/meta.js';
import { stepConditionType, type ConditionInput } from '../api/conditions.js';
import { bindsOnFirstConsumer, latestWarning, terminatedState } from './child-reads.js';
import { ensureChildren, releaseChildren } from './children.js';
import { checkPlanning, type PlanningProblem } from './planning.js';
import { decideBlocker } from './pod-blockers.js';
import { findPodBlocker } from './pod-blocker-check.js';

export const FINALIZER = 'almarestore.io/cleanup';
export const RETRY_ANNOTATION = 'almarestore.io/retry';

export interface ControllerOptions {
  /** Restores past Planning at once, in total. */
  maxConcurrentRestores: number;
  /** Restores past Planning at once against one database. */
  maxConcurrentPerDatabase: number;
  /** How long a PVC may stay Pending before the restore fails with StorageUnavailable. */
  pvcBindTimeoutMs: number;
  /** How long the managed database may take to become ready (DBCA's first start is slow). */
  databaseReadyTimeoutMs: number;
  /** The image the step Jobs run (the controller's own). */
  runnerImage: string;
  /** How long a step or database pod may stay blocked (image, Secret, scheduling) before the restore fails. */
  podBlockedTimeoutMs: number;
}

export interface TablespaceGuardHook {
  /** Runs one guard pass for a restore in Importing; returns what to put in status. */
  check(
    restore: AlmaRestore,
    desired: DesiredState,
  ): Promise<
    Pick<AlmaRestoreStatus, 'tablespaces' | 'actions'> & {
      alerts: string[];
      pollAfterMs: number;
      /** Share of the import done (0..1), when the database can tell. */
      importFraction?: number;
    }
  >;
}

export type { Caches } from './caches.js';

export interface ReconcilerDeps {
  kc: k8s.KubeConfig;
  log: Logger;
  metrics: Metrics;
  events: EventRecorder;
  caches: Caches;
  options: ControllerOptions;
  guard?: TablespaceGuardHook;
  now?: () => Date;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

const NOW_ISO = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** How soon a Pending pod is looked at again: what only its Events show wakes no informer. */
const EVENT_ONLY_RECHECK_MS = PROGRESS_POLL_MS;

/** A requeue just after a deadline that `waited` ms of `timeoutMs` have used. */
function untilDeadline(timeoutMs: number, waited: number): number {
  return Math.max(1000, timeoutMs - waited + 500);
}

function apiCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

async function ignore404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (apiCode(err) === 404) return undefined;
    throw err;
  }
}

async function createIfAbsent<T>(create: () => Promise<T>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (apiCode(err) !== 409) throw err;
  }
}

function jobCondition(job: k8s.V1Job, type: 'Complete' | 'Failed'): k8s.V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

export class Reconciler {
  private readonly core: k8s.CoreV1Api;
  private readonly batch: k8s.BatchV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly storage: k8s.StorageV1Api;
  private readonly now: () => Date;
  /** Restores whose last-progress gauge this process has set. */
  private readonly progressExported = new Set<string>();
  private readonly status: StatusWriter;
  /** resourceVersion of this process's last status write per restore, until the cache has caught up. */
  private readonly written = new Map<string, string>();

  constructor(private readonly deps: ReconcilerDeps) {
    this.core = deps.kc.makeApiClient(k8s.CoreV1Api);
    this.batch = deps.kc.makeApiClient(k8s.BatchV1Api);
    this.apps = deps.kc.makeApiClient(k8s.AppsV1Api);
    this.custom = deps.kc.makeApiClient(k8s.CustomObjectsApi);
    this.storage = deps.kc.makeApiClient(k8s.StorageV1Api);
    this.now = deps.now ?? (() => new Date());
    this.status = new StatusWriter(
      {
        get: (namespace, name) => this.readRestore(namespace, name),
        replaceStatus: async (body) =>
          (await this.custom.replaceNamespacedCustomObjectStatus({
            group: GROUP,
            version: VERSION,
            namespace: body.metadata.namespace!,
            plural: PLURAL,
            name: body.metadata.name,
            body,
          })) as AlmaRestore,
      },
      this.now,
      (updated) => {
        this.written.set(
          `${updated.metadata.namespace}/${updated.metadata.name}`,
          updated.metadata.resourceVersion!,
        );
        this.exportMetrics(updated);
      },
    );
  }

  private async readRestore(namespace: string, name: string): Promise<AlmaRestore | undefined> {
    return (await ignore404(
      this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
      }),
    )) as AlmaRestore | undefined;
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
    const fresh = await this.readRestore(namespace, name);
    // The server holds our write or something newer: the cache will catch up with it.
    if (!fresh || fresh.metadata.resourceVersion !== mine) this.written.delete(key);
    return fresh;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const restore = await this.currentRestore(key, namespace, name);
    if (!restore) {
      this.forgetMetrics(namespace, name);
      return {};
    }
    if (restore.metadata.deletionTimestamp) return this.finalize(restore);
    if (!restore.metadata.finalizers?.includes(FINALIZER)) {
      await this.setFinalizers(restore, [...(restore.metadata.finalizers ?? []), FINALIZER]);
      return { requeueAfterMs: 0 };
    }

    // Export what status holds on every pass, so a restarted controller reports every restore
    // (a Failed one included) before anything changes.
    this.exportMetrics(restore);
    if (!this.progressExported.has(key)) this.markProgress(restore, lastTransition(restore) ?? this.now());

    let desired: DesiredState;
    try {
      desired = buildDesiredState(restore, this.deps.options);
    } catch (err) {
      // The API server validated the object; what is left here is a plan that cannot be made.
      return this.fail(restore, 'plan', 'InvalidSpec', errorMessage(err));
    }
    return this.step(restore, desired);
  }

  /** Moves the restore one step, by phase. */
  private async step(restore: AlmaRestore, desired: DesiredState): Promise<ReconcileResult> {
    const status = restore.status ?? {};
    const phase: Phase = status.phase ?? 'Pending';

    if (restore.spec.cancel && !TERMINAL_PHASES.has(phase)) return this.cancel(restore);
    if (phase === 'Succeeded') return this.afterSuccess(restore, desired);
    if (phase === 'Cancelled') return {};
    if (phase === 'Failed') return this.maybeRetry(restore);
    if (restore.spec.suspend && phase !== 'Suspended') return this.suspend(restore, true);
    if (!restore.spec.suspend && phase === 'Suspended') return this.suspend(restore, false);
    if (phase === 'Suspended') return {};

    switch (phase) {
      case 'Pending': {
        // The previous restore of each institution: the baseline for sizing and for the inventory.
        const history = historyFor(restore, this.deps.caches.restores.list(restore.metadata.namespace));
        const plan = history.length > 0 ? planSizing(desired.resolved.spec, history) : desired.plan;
        return this.transition(
          restore,
          'Planning',
          { plan, ...(history.length > 0 ? { history } : {}) },
          'Planning',
          history.length > 0
            ? `Sizing computed from ${history.map((h) => h.restore).join(', ')}`
            : 'Sizing computed from the bib record counts',
          [planned(plan)],
        );
      }
      case 'Planning':
      case 'Queued': {
        // A missing Secret, StorageClass or a too small claim would surface hours later: check first.
        const ns = restore.metadata.namespace!;
        const problems = checkPlanning(this.deps.caches, ns, restore.spec, desired.plan);
        if (problems.length > 0) return this.waitInPlanning(restore, desired, problems);
        return this.admit(restore, desired);
      }
      case 'Provisioning':
        return this.provision(restore, desired);
      default: {
        const step = stepOfPhase(phase);
        if (!step) return this.fail(restore, 'plan', 'UnknownPhase', `unknown phase ${phase}`);
        return this.runStep(restore, desired, step);
      }
    }
  }

  // ---- planning: what the restore names must exist and fit (planning.ts) -------------------------

  private async waitInPlanning(
    restore: AlmaRestore,
    desired: DesiredState,
    problems: PlanningProblem[],
  ): Promise<ReconcileResult> {
    const message = `Waiting in Planning: ${problems.map((p) => p.message).join('; ')}`;
    if (restore.status?.progressMessage !== message) {
      // Events first: whoever sees the new status finds its Events already there.
      for (const p of problems) await this.deps.events.record(restore, 'Warning', p.reason, p.message);
      await this.writeStatus(restore, { progressMessage: message, plan: desired.plan }, [
        { type: 'Planned', status: 'False', reason: problems[0]!.reason, message },
      ]);
    }
    // Secrets, StorageClasses and claims are watched: their events wake the restore (manager.ts).
    return {};
  }

  // ---- admission: the concurrency limits --------------------------------------------------------

  private async admit(restore: AlmaRestore, desired: DesiredState): Promise<ReconcileResult> {
    const { maxConcurrentRestores, maxConcurrentPerDatabase } = this.deps.options;
    const others = this.deps.caches.restores.list().filter((r) => r.metadata.uid !== restore.metadata.uid);
    const created = (r: AlmaRestore) => new Date(r.metadata.creationTimestamp ?? 0).getTime();
    const mine = created(restore);
    // Active restores, plus queued ones that were created earlier (first come, first served).
    const ahead = others.filter((r) => {
      const p = r.status?.phase ?? 'Pending';
      return ACTIVE_PHASES.has(p) || (p === 'Queued' && created(r) < mine);
    });
    const sameDatabase = ahead.filter((r) => databaseKey(r) === desired.databaseKey);
    if (ahead.length < maxConcurrentRestores && sameDatabase.length < maxConcurrentPerDatabase) {
      return this.transition(
        restore,
        'Provisioning',
        { startTime: NOW_ISO(this.now()), plan: desired.plan },
        'Provisioning',
        'Creating the staging volume and the database',
        [planned(desired.plan)],
      );
    }
    const why =
      sameDatabase.length >= maxConcurrentPerDatabase
        ? `${sameDatabase.length} restore(s) already use database ${desired.databaseKey} (limit ${maxConcurrentPerDatabase})`
        : `${ahead.length} restore(s) are active or queued ahead (limit ${maxConcurrentRestores})`;
    if (restore.status?.phase !== 'Queued') {
      await this.transition(
        restore,
        'Queued',
        { plan: desired.plan },
        'Queued',
        `Waiting for a free slot: ${why}`,
        [planned(desired.plan)],
      );
    }
    return {}; // a restore leaving an active phase wakes it (queue-wakeup.ts)
  }

  // ---- provisioning ---------------------------------------------------------------------------

  private async provision(restore: AlmaRestore, desired: DesiredState): Promise<ReconcileResult> {
    const ns = restore.metadata.namespace!;
    const c = desired.children;
    // The step configuration may change (e.g. retry after a spec fix before start): kept current,
    // written only when it differs from the cached copy.
    await syncConfigMap(
      {
        create: (namespace, body) => this.core.createNamespacedConfigMap({ namespace, body }),
        replace: (namespace, name, body) => this.core.replaceNamespacedConfigMap({ namespace, name, body }),
      },
      ns,
      this.deps.caches.configMaps.get(c.configMap.metadata!.name!, ns),
      c.configMap,
    );
    // Children an earlier AlmaRestore of this name left behind are waited for, adopted or refused.
    const children = await ensureChildren(this.deps.kc, restore, desired, this.deps.caches);
    for (const message of children.adopted) {
      await this.deps.events.record(restore, 'Normal', 'Adopted', message);
      await this.writeStatus(restore, { actions: appendAction(restore, NOW_ISO(this.now()), message) }, []);
    }
    if (children.refusals.length > 0)
      return this.fail(restore, 'provision', 'NameInUse', children.refusals.join('; '));
    if (children.waits.length > 0) {
      const message = children.waits.join('; ');
      if (restore.status?.progressMessage !== message) {
        await this.writeStatus(restore, { progressMessage: message }, [
          { type: 'Provisioned', status: 'False', reason: 'PreviousRestoreTerminating', message },
        ]);
        await this.deps.events.record(restore, 'Normal', 'PreviousRestoreTerminating', message);
      }
      return {}; // the old child's deletion (a watched, labelled object) wakes the restore
    }

    // Storage: the staging claim must bind; a claim stuck Pending is a clear failure, not a wait.
    // An existing database's claim is the user's (unlabelled, not cached); ours may be too new for the cache.
    const claim =
      this.deps.caches.claims.get(desired.stagingClaimName, ns) ??
      (await ignore404(
        this.core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: desired.stagingClaimName }),
      ));
    if (!claim) {
      return this.fail(
        restore,
        'provision',
        'StagingClaimMissing',
        `PersistentVolumeClaim ${ns}/${desired.stagingClaimName} does not exist: create it, or set database.existing.stagingClaimName to the claim the database reads dump files from; then set the ${RETRY_ANNOTATION} annotation`,
      );
    }
    // Since provisioning began: the start, or a later retry or resume (Progressing turned True).
    const since = Math.max(
      new Date(restore.status?.startTime ?? claim.metadata?.creationTimestamp ?? this.now()).getTime(),
      new Date(
        restore.status?.conditions?.find((c) => c.type === 'Progressing')?.lastTransitionTime ?? 0,
      ).getTime(),
    );
    const waited = this.now().getTime() - since;
    if (claim.status?.phase !== 'Bound' && !bindsOnFirstConsumer(this.deps.caches.storageClasses, claim)) {
      if (waited > this.deps.options.pvcBindTimeoutMs) {
        const why = await latestWarning(this.core, ns, 'PersistentVolumeClaim', desired.stagingClaimName);
        return this.fail(
          restore,
          'provision',
          'StorageUnavailable',
          `staging volume ${desired.stagingClaimName} (${desired.plan.stagingSize}) is still ${claim.status?.phase ?? 'Pending'} after ${Math.round(waited / 60000)} min` +
            (why ? `: ${why}` : '; check the storage class, capacity and quotas') +
            `; once the storage can provide it, set the ${RETRY_ANNOTATION} annotation`,
        );
      }
      // The claim's own event wakes the restore when it binds; the timer is only for the deadline.
      return this.progressNote(
        restore,
        `Waiting for the staging volume ${desired.stagingClaimName} to bind`,
        untilDeadline(this.deps.options.pvcBindTimeoutMs, waited),
      );
    }
    if (desired.databaseStatefulSet) {
      const sts =
        this.deps.caches.statefulSets.get(desired.databaseStatefulSet, ns) ??
        (await ignore404(
          this.apps.readNamespacedStatefulSet({ namespace: ns, name: desired.databaseStatefulSet }),
        ));
      if ((sts?.status?.readyReplicas ?? 0) < 1) {
        const blocked = await this.databasePodBlocked(restore, desired.databaseStatefulSet);
        if (blocked) return blocked;
        if (waited > this.deps.options.databaseReadyTimeoutMs) {
          const why = await latestWarning(this.core, ns, 'Pod', `${desired.databaseStatefulSet}-0`);
          return this.fail(
            restore,
            'provision',
            'DatabaseNotReady',
            `the Oracle database ${desired.databaseStatefulSet} is not ready after ${Math.round(waited / 60000)} min` +
              (why ? `: ${why}` : ''),
          );
        }
        return this.progressNote(
          restore,
          `Waiting for the Oracle database ${desired.databaseStatefulSet} to be ready (first start runs DBCA: tens of minutes)`,
          // The StatefulSet's readiness is an event; the timer is only for the deadline.
          untilDeadline(this.deps.options.databaseReadyTimeoutMs, waited),
        );
      }
    }
    return this.transition(
      restore,
      STEP_PHASES.fetch,
      {},
      'Provisioned',
      'Staging volume bound and database ready',
      [
        {
          type: 'Provisioned',
          status: 'True',
          reason: 'Provisioned',
          message: 'Staging volume bound and database ready',
        },
      ],
    );
  }

  // ---- steps ------------------------------------------------------------------------------------

  private async runStep(
    restore: AlmaRestore,
    desired: DesiredState,
    step: StepName,
  ): Promise<ReconcileResult> {
    const ns = restore.metadata.namespace!;
    const prior = restore.status?.steps?.[step];
    const attempt = prior?.attempt ?? 1;
    const wanted = desired.stepJob(step, attempt);
    const jobName = wanted.metadata!.name!;
    // The cache may lag behind a Job created just before a restart: ask the API server itself.
    const job =
      this.deps.caches.jobs.get(jobName, ns) ??
      (await ignore404(this.batch.readNamespacedJob({ namespace: ns, name: jobName })));

    if (job && !ownedBy(job, restore))
      return this.progressNote(
        restore,
        `Waiting for Job ${ns}/${jobName} of an earlier AlmaRestore ${restore.metadata.name} to be removed by the garbage collector`,
        10_000,
      );
    if (!job) {
      await createIfAbsent(() => this.batch.createNamespacedJob({ namespace: ns, body: wanted }));
      const running: StepStatus = { phase: 'Running', jobName, attempt, startTime: NOW_ISO(this.now()) };
      await this.writeStatus(restore, { steps: { ...restore.status?.steps, [step]: running } }, [
        {
          type: stepConditionType(step),
          status: 'Unknown',
          reason: 'StepRunning',
          message: `Job ${jobName} started (attempt ${attempt})`,
        },
      ]);
      await this.deps.events.record(
        restore,
        'Normal',
        'StepStarted',
        `${step}: Job ${jobName} started (attempt ${attempt})`,
      );
      return { requeueAfterMs: 30_000 };
    }

    if (job.spec?.suspend && !restore.spec.suspend) {
      await this.batch.patchNamespacedJob(
        { namespace: ns, name: jobName, body: { spec: { suspend: false } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
    const complete = jobCondition(job, 'Complete');
    const failed = jobCondition(job, 'Failed');
    // The step's live progress (its log tail); the last one it reported stays after it ends.
    const pods = withLabels(this.deps.caches.pods, ns, { 'job-name': jobName });
    const live = await readStepProgress(this.core, ns, pods, step);
    if (!complete && !failed) {
      const blocked = await this.stepPodBlocked(restore, step, jobName, attempt);
      if (blocked) return blocked;
      const changes = liveProgressChanges(restore.status ?? {}, restore.status!.phase!, step, live);
      if (changes) {
        if ((changes.progress ?? 0) > (restore.status?.progress ?? 0)) this.markProgress(restore);
        await this.writeStatus(restore, changes, []);
      }
      if (step === 'import' && this.deps.guard) return this.guardTablespaces(restore, desired, !!live);
      // A running pod's log progress and a pending pod's Event-only blockers have no watch event:
      // those are polled. No pod yet, or only finished ones: their events wake the restore.
      const podsActive = pods.some((p) => ['Pending', 'Running', undefined].includes(p.status?.phase));
      return podsActive ? { requeueAfterMs: PROGRESS_POLL_MS } : {};
    }

    const started = prior?.startTime ?? job.status?.startTime?.toString() ?? NOW_ISO(this.now());
    const finished = NOW_ISO(this.now());
    const lastProgress = live ?? prior?.progress;
    const terminated = await terminatedState(this.core, ns, jobName, step, pods);
    const decoded = decodeTerminationMessage(step, terminated?.message);
    const seconds = (new Date(finished).getTime() - new Date(started).getTime()) / 1000;

    if (failed || !decoded.ok || decoded.result.outcome === 'Failed') {
      const oom = !decoded.ok && terminated?.reason === 'OOMKilled';
      const reason = decoded.ok
        ? decoded.result.reason
        : oom
          ? 'OOMKilled'
          : failed?.reason === 'DeadlineExceeded'
            ? 'DeadlineExceeded'
            : 'ResultMissing';
      const message = decoded.ok
        ? decoded.result.message
        : oom
          ? `Job ${jobName}: container ${step} was killed by its memory limit (${job.spec?.template.spec?.containers[0]?.resources?.limits?.memory ?? 'unset'})`
          : failed?.reason === 'DeadlineExceeded'
            ? `Job ${jobName} ran longer than its deadline (${job.spec?.activeDeadlineSeconds}s): raise spec.steps.${step}DeadlineSeconds and set the ${RETRY_ANNOTATION} annotation`
            : `${decoded.error}${terminated?.message ? '' : failed?.message ? ` (Job: ${failed.message})` : ''}${terminated?.exitCode !== undefined ? ` (exit code ${terminated.exitCode})` : ''}`;
      this.deps.metrics.stepDuration.observe({ step, outcome: 'Failed' }, seconds);
      const stepStatus: StepStatus = {
        phase: 'Failed',
        jobName,
        attempt,
        startTime: started,
        completionTime: finished,
        reason,
        message,
        ...(decoded.ok ? { summary: decoded.result.summary } : {}),
        ...(lastProgress ? { progress: lastProgress } : {}),
      };
      // A failed verify still tells which checks failed.
      return this.fail(
        restore,
        step,
        reason,
        message,
        stepStatus,
        decoded.ok ? verificationOf(step, decoded.result, restore) : {},
      );
    }

    const result = decoded.result;
    this.deps.metrics.stepDuration.observe({ step, outcome: result.outcome }, seconds);
    if (step === 'fetch') recordFetchResult(this.deps.metrics, restore, result.summary, seconds);
    const stepStatus: StepStatus = {
      phase: result.outcome,
      jobName,
      attempt,
      startTime: started,
      completionTime: finished,
      reason: result.reason,
      message: result.message,
      summary: result.summary,
      ...(lastProgress ? { progress: lastProgress } : {}),
    };
    const next = phaseAfter(step);
    const extra: Partial<AlmaRestoreStatus> = { steps: { ...restore.status?.steps, [step]: stepStatus } };
    Object.assign(extra, verificationOf(step, result, restore));
    if (next === 'Succeeded') extra.completionTime = finished;
    await this.deps.events.record(
      restore,
      result.outcome === 'Succeeded' ? 'Normal' : 'Warning',
      `Step${result.outcome}`,
      `${step}: ${result.message}`,
    );
    return this.transition(restore, next, extra, result.reason, `${step}: ${result.message}`, [
      { type: stepConditionType(step), status: 'True', reason: result.reason, message: result.message },
      ...(result.outcome === 'SucceededWithWarnings'
        ? [
            {
              type: 'Degraded',
              status: 'True' as const,
              reason: 'SucceededWithWarnings',
              message: `${step}: ${result.message}`,
            },
          ]
        : []),
    ]);
  }

  /**
   * A step pod that cannot run (pod-blockers.ts) is shown at once (step message, step condition,
   * Warning Event) and fails the step once it outlasts --pod-blocked-timeout; the Job is then
   * deleted so that a pod scheduled later cannot run a step the restore has given up on.
   */
  private async stepPodBlocked(
    restore: AlmaRestore,
    step: StepName,
    jobName: string,
    attempt: number,
  ): Promise<ReconcileResult | undefined> {
    const ns = restore.metadata.namespace!;
    const pods = withLabels(this.deps.caches.pods, ns, { 'job-name': jobName });
    const { blocker } = await findPodBlocker(this.core, ns, pods);
    const prior = restore.status?.steps?.[step] ?? { phase: 'Running' as const, jobName, attempt };
    if (!blocker) {
      // Unblocked (e.g. the image was loaded): drop the stale blocker from the step.
      if (prior.reason && prior.phase === 'Running') {
        const { reason: _r, message: _m, ...rest } = prior;
        const message = `Job ${jobName} running (attempt ${attempt})`;
        await this.writeStatus(restore, { steps: { ...restore.status?.steps, [step]: rest } }, [
          { type: stepConditionType(step), status: 'Unknown', reason: 'StepRunning', message },
        ]);
      }
      // A pending pod may be stuck in a way only Events show (a volume): the running step's own
      // poll (PROGRESS_POLL_MS, 15 s) looks again; returning here would skip the guard and progress.
      return undefined;
    }
    const verdict = decideBlocker(blocker, this.now(), this.deps.options.podBlockedTimeoutMs);
    const stepStatus: StepStatus = { ...prior, reason: verdict.reason, message: verdict.message };
    if (verdict.action === 'fail') {
      await ignore404(
        this.batch.deleteNamespacedJob({ namespace: ns, name: jobName, propagationPolicy: 'Background' }),
      );
      const finished = NOW_ISO(this.now());
      return this.fail(restore, step, verdict.reason, verdict.message, {
        ...stepStatus,
        phase: 'Failed',
        completionTime: finished,
      });
    }
    if (prior.message !== verdict.message) {
      await this.writeStatus(
        restore,
        {
          steps: { ...restore.status?.steps, [step]: stepStatus },
          progressMessage: `${step}: ${verdict.message}`,
        },
        [
          {
            type: stepConditionType(step),
            status: 'Unknown',
            reason: verdict.reason,
            message: verdict.message,
          },
        ],
      );
      await this.deps.events.record(restore, 'Warning', verdict.reason, `${step}: ${verdict.message}`);
    }
    return { requeueAfterMs: verdict.recheckAfterMs };
  }

  /** The managed database pod's blocker, shown and (past the timeout) failing as a step pod's. */
  private async databasePodBlocked(
    restore: AlmaRestore,
    statefulSet: string,
  ): Promise<ReconcileResult | undefined> {
    const ns = restore.metadata.namespace!;
    const pods = withLabels(this.deps.caches.pods, ns, {
      [LABEL.restore]: restore.metadata.name,
      [LABEL.component]: 'database',
    });
    const { blocker, pending } = await findPodBlocker(this.core, ns, pods);
    // A Pending pod may be stuck in a way only its Events show (a volume): those wake no informer.
    if (!blocker) return pending ? { requeueAfterMs: EVENT_ONLY_RECHECK_MS } : undefined;
    const verdict = decideBlocker(blocker, this.now(), this.deps.options.podBlockedTimeoutMs);
    const message = `the Oracle database ${statefulSet} cannot start: ${verdict.message}`;
    if (verdict.action === 'fail') return this.fail(restore, 'provision', verdict.reason, message);
    if (restore.status?.progressMessage !== message) {
      await this.writeStatus(restore, { progressMessage: message }, [
        { type: 'Provisioned', status: 'False', reason: verdict.reason, message },
      ]);
      await this.deps.events.record(restore, 'Warning', verdict.reason, `provision: ${message}`);
    }
    return { requeueAfterMs: verdict.recheckAfterMs };
  }

  private async guardTablespaces(
    restore: AlmaRestore,
    desired: DesiredState,
    /** The import step reports its own progress: the guard's estimate is not needed. */
    stepReportsProgress: boolean,
  ): Promise<ReconcileResult> {
    try {
      const report = await this.deps.guard!.check(restore, desired);
      const actions = [...(restore.status?.actions ?? []), ...(report.actions ?? [])].slice(-MAX_ACTIONS);
      const degraded = report.alerts.length > 0;
      // Warnings of an earlier step keep the restore Degraded; the guard only adds its own.
      const warned = Object.entries(restore.status?.steps ?? {}).find(
        ([, st]) => st?.phase === 'SucceededWithWarnings',
      );
      const progress: Partial<AlmaRestoreStatus> = {};
      if (report.importFraction !== undefined && !stepReportsProgress) {
        progress.progress = overallProgress('Importing', report.importFraction);
        recordImportProgress(this.deps.metrics, restore, report.importFraction);
        progress.progressMessage = `Importing: Data Pump reports ${Math.round(report.importFraction * 100)}% done`;
        if (progress.progress > (restore.status?.progress ?? 0)) this.markProgress(restore);
      }
      await this.writeStatus(restore, { tablespaces: report.tablespaces, actions, ...progress }, [
        degraded
          ? {
              type: 'Degraded',
              status: 'True',
              reason: 'TablespaceAlmostFull',
              message: report.alerts.join('; '),
            }
          : warned
            ? {
                type: 'Degraded',
                status: 'True',
                reason: 'SucceededWithWarnings',
                message: `${warned[0]}: ${warned[1]?.message ?? ''}`,
              }
            : {
                type: 'Degraded',
                status: 'False',
                reason: 'AsExpected',
                message: 'Tablespaces below the alert ratio',
              },
      ]);
      for (const alert of report.alerts)
        await this.deps.events.record(restore, 'Warning', 'TablespaceAlmostFull', alert);
      for (const a of report.actions ?? [])
        await this.deps.events.record(restore, 'Normal', 'TablespaceGrown', a.action);
      return { requeueAfterMs: report.pollAfterMs };
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'tablespace guard pass failed');
      return { requeueAfterMs: 60_000 };
    }
  }

  // ---- failure, retry, cancel, suspend ------------------------------------------------------------

  private async fail(
    restore: AlmaRestore,
    step: string,
    reason: string,
    message: string,
    stepStatus?: StepStatus,
    extra: Partial<AlmaRestoreStatus> = {},
  ): Promise<ReconcileResult> {
    const steps = stepStatus ? { ...restore.status?.steps, [step]: stepStatus } : restore.status?.steps;
    await this.deps.events.record(restore, 'Warning', reason, `${step}: ${message}`);
    await this.transition(
      restore,
      'Failed',
      { ...extra, failedStep: step, steps },
      reason,
      `${step} failed: ${message}`,
      [
        ...(isStep(step)
          ? [{ type: stepConditionType(step), status: 'False' as const, reason, message }]
          : []),
      ],
    );
    return {};
  }

  /** A failed restore moves again only when the user changes the retry annotation. */
  private async maybeRetry(restore: AlmaRestore): Promise<ReconcileResult> {
    const token = restore.metadata.annotations?.[RETRY_ANNOTATION];
    const status = restore.status ?? {};
    if (!token || token === status.lastRetry) return {};
    const failedStep = status.failedStep;
    if (!failedStep || !isStep(failedStep)) {
      // Planning or provisioning failed: start over from Pending (no step Job ran yet).
      await this.deps.events.record(
        restore,
        'Normal',
        'Retrying',
        `retrying from the start (${failedStep ?? 'unknown'} failed)`,
      );
      return this.transition(
        restore,
        'Pending',
        { lastRetry: token, failedStep: undefined, startTime: undefined },
        'Retrying',
        'Retry requested',
      );
    }
    const prior = status.steps?.[failedStep];
    const attempt = (prior?.attempt ?? 1) + 1;
    const steps = { ...status.steps, [failedStep]: { phase: 'Pending' as const, attempt } };
    await this.deps.events.record(
      restore,
      'Normal',
      'Retrying',
      `retrying step ${failedStep} (attempt ${attempt})`,
    );
    // A fetch retry provisions again: the step configuration and the staging claim may have been fixed.
    return this.transition(
      restore,
      failedStep === 'fetch' ? 'Provisioning' : STEP_PHASES[failedStep],
      { lastRetry: token, failedStep: undefined, steps },
      'Retrying',
      `Retrying ${failedStep}, attempt ${attempt}`,
    );
  }

  /**
   * The restore's step Jobs that have not finished, from the cache: by label, not by status, so a
   * Job created just before a crash (and not yet recorded) is found too.
   */
  private unfinishedJobs(restore: AlmaRestore): string[] {
    return this.deps.caches.jobs
      .list(restore.metadata.namespace)
      .filter((j) => j.metadata?.labels?.[LABEL.restore] === restore.metadata.name && ownedBy(j, restore))
      .filter((j) => !jobCondition(j, 'Complete') && !jobCondition(j, 'Failed'))
      .map((j) => j.metadata!.name!);
  }

  private async cancel(restore: AlmaRestore): Promise<ReconcileResult> {
    const ns = restore.metadata.namespace!;
    for (const name of this.unfinishedJobs(restore)) {
      await ignore404(
        this.batch.deleteNamespacedJob({ namespace: ns, name, propagationPolicy: 'Background' }),
      );
    }
    await this.deps.events.record(
      restore,
      'Normal',
      'Cancelled',
      'restore cancelled by spec.cancel; running step stopped',
    );
    return this.transition(
      restore,
      'Cancelled',
      { completionTime: NOW_ISO(this.now()) },
      'Cancelled',
      'Cancelled by spec.cancel',
    );
  }

  private async suspend(restore: AlmaRestore, suspending: boolean): Promise<ReconcileResult> {
    const ns = restore.metadata.namespace!;
    for (const name of this.unfinishedJobs(restore)) {
      await ignore404(
        this.batch.patchNamespacedJob(
          { namespace: ns, name, body: { spec: { suspend: suspending } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      );
    }
    if (suspending) {
      const from = restore.status?.phase ?? 'Pending';
      return this.transition(
        restore,
        'Suspended',
        { suspendedPhase: from },
        'Suspended',
        `Suspended in ${from} by spec.suspend`,
      );
    }
    const back = (restore.status?.suspendedPhase ?? 'Pending') as Phase;
    return this.transition(restore, back, { suspendedPhase: undefined }, 'Resumed', `Resumed in ${back}`);
  }

  // ---- success and deletion -----------------------------------------------------------------------

  private async afterSuccess(restore: AlmaRestore, desired: DesiredState): Promise<ReconcileResult> {
    const ns = restore.metadata.namespace!;
    this.deps.metrics.lastSuccessTimestamp.set(
      { namespace: ns, restore: restore.metadata.name },
      new Date(restore.status?.completionTime ?? this.now()).getTime() / 1000,
    );
    if (!desired.deleteStagingOnSuccess || !desired.children.stagingPvc || restore.status?.stagingDeleted)
      return {};
    // The staging claim is ours (managed mode): drop it. pvc-protection keeps it until no pod mounts it.
    await ignore404(
      this.core.deleteNamespacedPersistentVolumeClaim({ namespace: ns, name: desired.stagingClaimName }),
    );
    await this.deps.events.record(
      restore,
      'Normal',
      'StagingDeleted',
      `deleted staging volume ${desired.stagingClaimName} (retention.deleteStagingOnSuccess)`,
    );
    await this.writeStatus(restore, { stagingDeleted: true }, []);
    return {};
  }

  private async finalize(restore: AlmaRestore): Promise<ReconcileResult> {
    const ns = restore.metadata.namespace!;
    if (!restore.metadata.finalizers?.includes(FINALIZER)) return {};
    await releaseChildren(this.deps.kc, restore, this.deps.events);
    await this.setFinalizers(
      restore,
      restore.metadata.finalizers.filter((f) => f !== FINALIZER),
    );
    this.forgetMetrics(ns, restore.metadata.name);
    return {};
  }

  /** Replaces the finalizer list, guarded by resourceVersion so no concurrent change is lost. */
  private async setFinalizers(restore: AlmaRestore, finalizers: string[]) {
    await this.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: restore.metadata.namespace!,
        plural: PLURAL,
        name: restore.metadata.name,
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: restore.metadata.resourceVersion },
          { op: 'add', path: '/metadata/finalizers', value: finalizers },
        ],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
  }

  // ---- status -----------------------------------------------------------------------------------

  private async progressNote(
    restore: AlmaRestore,
    message: string,
    requeueAfterMs: number,
  ): Promise<ReconcileResult> {
    if (restore.status?.progressMessage !== message)
      await this.writeStatus(restore, { progressMessage: message }, []);
    return { requeueAfterMs };
  }

  private async transition(
    restore: AlmaRestore,
    phase: Phase,
    extra: Partial<AlmaRestoreStatus>,
    reason: string,
    message: string,
    conditions: ConditionInput[] = [],
  ): Promise<ReconcileResult> {
    const from = restore.status?.phase ?? 'Pending';
    const step = stepOfPhase(phase);
    await this.writeStatus(
      restore,
      {
        ...extra,
        phase,
        currentStep: step ?? (phase === 'Failed' ? extra.failedStep : undefined),
        progress: progressOnEntering(phase, restore.status?.progress),
        progressMessage: message,
      },
      [...phaseConditions(phase, reason, message), ...conditions],
    );
    if (from !== phase) {
      this.deps.log.info(
        { restore: `${restore.metadata.namespace}/${restore.metadata.name}`, from, to: phase, reason },
        message,
      );
      if (phase !== 'Failed')
        await this.deps.events.record(restore, 'Normal', reason, `${from} -> ${phase}: ${message}`);
      this.markProgress(restore);
    }
    return {
      requeueAfterMs:
        step || phase === 'Planning' || phase === 'Provisioning' || phase === 'Pending' ? 0 : undefined,
    };
  }

  /** Writes status only when it changes (status.ts: optimistic lock, bounded retry on 409). */
  private async writeStatus(
    restore: AlmaRestore,
    changes: Partial<AlmaRestoreStatus>,
    conditions: ConditionInput[],
  ) {
    await this.status.write(restore, changes, conditions);
  }

  /** Feeds the Stalled alert: the restore moved (a phase change, or the import's percent grew). */
  private markProgress(restore: AlmaRestore, at: Date = this.now()) {
    this.progressExported.add(`${restore.metadata.namespace}/${restore.metadata.name}`);
    this.deps.metrics.lastProgressTimestamp.set(
      { namespace: restore.metadata.namespace!, restore: restore.metadata.name },
      at.getTime() / 1000,
    );
  }

  private exportMetrics(restore: AlmaRestore) {
    const labels = { namespace: restore.metadata.namespace!, restore: restore.metadata.name };
    const phase = restore.status?.phase ?? 'Pending';
    this.deps.metrics.restorePhase.remove(labels as never);
    for (const p of PHASES) this.deps.metrics.restorePhase.set({ ...labels, phase: p }, p === phase ? 1 : 0);
    this.deps.metrics.progressRatio.set(labels, (restore.status?.progress ?? 0) / 100);
    exportInventory(this.deps.metrics, labels, restore.status?.inventory);
  }

  private forgetMetrics(namespace: string, restore: string) {
    this.progressExported.delete(`${namespace}/${restore}`);
    const m = this.deps.metrics;
    for (const p of PHASES) m.restorePhase.remove({ namespace, restore, phase: p });
    m.progressRatio.remove({ namespace, restore });
    m.lastProgressTimestamp.remove({ namespace, restore });
    forgetStepMetrics(m, namespace, restore);
    void forgetInventory(m, { namespace, restore });
  }
}

/** status.verification and status.inventory from the verify step's result, when it carries them. */
function verificationOf(
  step: StepName,
  result: StepResult,
  restore: AlmaRestore,
): Partial<AlmaRestoreStatus> {
  if (step !== 'verify') return {};
  const inventory = inventoryStatus(result.summary.inventory, restore.status?.history);
  return {
    ...(Array.isArray(result.summary.verification)
      ? { verification: result.summary.verification as AlmaRestoreStatus['verification'] }
      : {}),
    ...(inventory ? { inventory } : {}),
  };
}

/** When the restore last changed state, as its conditions record it. */
function lastTransition(restore: AlmaRestore): Date | undefined {
  const times = (restore.status?.conditions ?? []).map((c) => new Date(c.lastTransitionTime).getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}

function planSummary(p: SizingPlan): string {
  return (
    `${p.totalBibRecords} bib records in ${p.institutions.length} institution(s): staging ${p.stagingSize}, database ${p.databaseSize}` +
    (p.importEstimate ? `; import ${p.importEstimate.text}` : '')
  );
}

function planned(plan: SizingPlan): ConditionInput {
  return { type: 'Planned', status: 'True', reason: 'Planned', message: planSummary(plan) };
}

const MAX_ACTIONS = 50;

/** A child of this AlmaRestore, not of an earlier one of the same name. */
function ownedBy(o: k8s.KubernetesObject, restore: AlmaRestore): boolean {
  return !!o.metadata?.ownerReferences?.some((r) => r.uid === restore.metadata.uid);
}

function appendAction(restore: AlmaRestore, time: string, action: string): AlmaRestoreStatus['actions'] {
  return [...(restore.status?.actions ?? []), { time, action }].slice(-MAX_ACTIONS);
}

function isStep(s: string): s is StepName {
  return s === 'fetch' || s === 'prepare' || s === 'import' || s === 'verify';
}

/** Ready / Progressing / Failed, derived from the phase. */
export function phaseConditions(phase: Phase, reason: string, message: string): ConditionInput[] {
  const active = !TERMINAL_PHASES.has(phase) && !['Failed', 'Suspended', 'Queued'].includes(phase);
  return [
    { type: 'Ready', status: phase === 'Succeeded' ? 'True' : 'False', reason, message },
    { type: 'Progressing', status: active ? 'True' : 'False', reason, message },
    { type: 'Failed', status: phase === 'Failed' ? 'True' : 'False', reason, message },
  ];
}
